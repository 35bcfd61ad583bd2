// Clang's driver turns a gcc-style command line into the cc1 invocation (it knows where
// libstdc++'s headers are); the frontend then runs that invocation on the in-memory source
// and CodeGen's EmitLLVMOnlyAction hands over the optimized module.
#include "cxx/ClangFrontend.h"
#include "jit/NativeTarget.h"
#include "jit/TargetMachine.h"

#include "support/InternalError.h"

#include <clang/Basic/Diagnostic.h>
#include <clang/Basic/DiagnosticOptions.h>
#include <clang/Basic/SourceManager.h>
#include <clang/CodeGen/CodeGenAction.h>
#include <clang/Driver/Compilation.h>
#include <clang/Driver/Driver.h>
#include <clang/Driver/Job.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Frontend/CompilerInvocation.h>
#include <llvm/Support/Host.h>
#include <llvm/Support/MemoryBuffer.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace odec::cxx {

namespace {

/// Collects errors as `name:line:col: error: message` followed by the offending line;
/// warnings are dropped (the code is generated; nobody would read them).
class ErrorCollector : public clang::DiagnosticConsumer {
public:
  std::string text;

  void HandleDiagnostic(clang::DiagnosticsEngine::Level level,
                        const clang::Diagnostic &info) override {
    DiagnosticConsumer::HandleDiagnostic(level, info); // keeps getNumErrors() right
    if (level < clang::DiagnosticsEngine::Error)
      return;
    llvm::SmallString<256> message;
    info.FormatDiagnostic(message);
    std::string where = "<clang>", line;
    if (info.getLocation().isValid() && info.hasSourceManager()) {
      const clang::SourceManager &sm = info.getSourceManager();
      const clang::SourceLocation loc = sm.getExpansionLoc(info.getLocation());
      const clang::PresumedLoc p = sm.getPresumedLoc(loc);
      if (p.isValid())
        where = std::string(p.getFilename()) + ":" + std::to_string(p.getLine()) + ":" +
                std::to_string(p.getColumn());
      bool invalid = false;
      const llvm::StringRef buffer = sm.getBufferData(sm.getFileID(loc), &invalid);
      if (!invalid) {
        const size_t offset = sm.getFileOffset(loc);
        const size_t begin = buffer.rfind('\n', offset) + 1; // npos + 1 == 0: the first line
        line = buffer.substr(begin, buffer.find('\n', offset) - begin).str();
      }
    }
    text += where + ": error: " + message.str().str() + "\n";
    if (!line.empty())
      text += "    " + line + "\n";
  }
};

[[noreturn]] void rejected(const Source &source, const std::string &errors) {
  throw InternalError("in-process Clang rejected the C++ that odec generated (" + source.name +
                      "):\n" + errors);
}

} // namespace

std::string clangResourceDir() {
  const char *fromEnv = std::getenv("ODEC_CLANG_RESOURCE_DIR");
  const std::string dir = fromEnv && *fromEnv ? fromEnv : ODEC_CLANG_RESOURCE_DIR;
  if (!std::filesystem::exists(std::filesystem::path(dir) / "include" / "stddef.h"))
    throw std::runtime_error(
        "in-process Clang needs its builtin headers in " + dir +
        "/include, which is missing: install libclang-common-14-dev, or point the environment "
        "variable ODEC_CLANG_RESOURCE_DIR at Clang 14's resource directory");
  return dir;
}

std::unique_ptr<llvm::Module> compileToModule(const Source &source, const CompileOptions &options,
                                              llvm::LLVMContext &context) {
  jit::initializeNativeTarget();
  const std::string resourceDir = clangResourceDir();
  const std::string opt = "-O" + std::to_string(options.optLevel);
  const jit::Target &target = jit::resolveTarget(options.cpu);
  const std::string march =
      "-march=" + (target.host ? std::string("native") : target.cpu);
  // options' CPU (the host's: -march=native); position-independent (the object may go into a .so); no errno from libm, so
  // its calls can be vectorized; no warnings: nobody reads them for generated code. The
  // driver only plans the job (it never reads the input), so the input name needs no file.
  std::vector<const char *> args = {ODEC_CLANG_TOOL, "-fsyntax-only", "-x", "c++", "-std=c++17"};
  args.insert(args.end(), {opt.c_str(), march.c_str(), "-fPIC", "-fvisibility-inlines-hidden"});
  args.insert(args.end(), {"-fno-exceptions", "-fno-math-errno", "-w"});
  args.insert(args.end(), {"-resource-dir", resourceDir.c_str(), "odec-generated.cpp"});

  ErrorCollector errors;
  llvm::IntrusiveRefCntPtr<clang::DiagnosticOptions> diagOptions = new clang::DiagnosticOptions;
  clang::DiagnosticsEngine driverDiags(new clang::DiagnosticIDs, diagOptions, &errors,
                                       /*ShouldOwnClient=*/false);
  clang::driver::Driver driver(ODEC_CLANG_TOOL, llvm::sys::getProcessTriple(), driverDiags);
  driver.setCheckInputsExist(false);
  std::unique_ptr<clang::driver::Compilation> plan(driver.BuildCompilation(args));
  if (!plan || errors.getNumErrors() > 0)
    rejected(source, errors.text);
  const clang::driver::JobList &jobs = plan->getJobs();
  if (jobs.size() != 1 || !llvm::isa<clang::driver::Command>(*jobs.begin()))
    throw InternalError("Clang's driver planned " + std::to_string(jobs.size()) +
                        " jobs for one C++ source; expected one cc1 job");
  const llvm::opt::ArgStringList &cc1 =
      llvm::cast<clang::driver::Command>(*jobs.begin()).getArguments();

  auto invocation = std::make_shared<clang::CompilerInvocation>();
  if (!clang::CompilerInvocation::CreateFromArgs(*invocation, cc1, driverDiags))
    rejected(source, errors.text);
  // The source comes from memory, under the name its diagnostics should carry.
  std::unique_ptr<llvm::MemoryBuffer> buffer =
      llvm::MemoryBuffer::getMemBuffer(source.text, source.name);
  clang::FrontendOptions &frontend = invocation->getFrontendOpts();
  // The driver adds -disable-free: a compiler process exits right after and skips freeing
  // its AST. Ours lives on and compiles again, so each compile would leak megabytes.
  frontend.DisableFree = false;
  invocation->getCodeGenOpts().DisableFree = false;
  frontend.Inputs.clear();
  frontend.Inputs.emplace_back(buffer->getMemBufferRef(), clang::InputKind(clang::Language::CXX));

  invocation->getDiagnosticOpts().ShowCarets = false; // else it prints "N warnings generated"
  clang::CompilerInstance compiler;
  compiler.setInvocation(std::move(invocation));
  compiler.createDiagnostics(&errors, /*ShouldOwnClient=*/false);
  clang::EmitLLVMOnlyAction action(&context);
  const bool ok = compiler.ExecuteAction(action);
  std::unique_ptr<llvm::Module> module = action.takeModule();
  if (!ok || !module || errors.getNumErrors() > 0)
    rejected(source, errors.text);
  return module;
}

llvm::orc::JITTargetMachineBuilder targetMachine(const CompileOptions &options) {
  llvm::orc::JITTargetMachineBuilder jtmb =
      jit::targetMachineBuilder(jit::resolveTarget(options.cpu), options.optLevel);
  jtmb.setRelocationModel(llvm::Reloc::PIC_);
  return jtmb;
}

} // namespace odec::cxx
