// compileAndLoad: the module from Clang, added to its own ORC LLJIT.
#include "cxx/ClangFrontend.h"
#include "jit/LongBlocks.h"
#include "jit/Target.h"

#include "support/InternalError.h"

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>

namespace odec::cxx {

namespace {

class JitCode final : public LoadedCode {
public:
  explicit JitCode(std::unique_ptr<llvm::orc::LLJIT> jit) : jit_(std::move(jit)) {}

  void *symbol(const std::string &name) const override {
    llvm::Expected<llvm::JITEvaluatedSymbol> s = jit_->lookup(name);
    if (!s)
      throw InternalError("the C++ compiled in process defines no symbol '" + name +
                          "': " + llvm::toString(s.takeError()));
    return reinterpret_cast<void *>(static_cast<uintptr_t>(s->getAddress()));
  }

private:
  std::unique_ptr<llvm::orc::LLJIT> jit_;
};

template <class T> T orFail(llvm::Expected<T> value, const char *what) {
  if (!value)
    throw InternalError(std::string(what) + ": " + llvm::toString(value.takeError()));
  return std::move(*value);
}

} // namespace

std::unique_ptr<LoadedCode> compileAndLoad(const Source &source, const CompileOptions &options) {
  jit::requireRunsHere(jit::resolveTarget(options.cpu));
  auto context = std::make_unique<llvm::LLVMContext>();
  std::unique_ptr<llvm::Module> module = compileToModule(source, options, *context);
  std::unique_ptr<llvm::orc::LLJIT> jit = orFail(
      llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(targetMachine(options)).create(),
      "cannot create an LLJIT");
  // libm's functions (tanh, exp, ...) resolve to the process's own.
  jit->getMainJITDylib().addGenerator(
      orFail(llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
                 jit->getDataLayout().getGlobalPrefix()),
             "cannot search the process for symbols"));
  // The module is compiled as a whole when one of its symbols is first looked up: done here,
  // while the switches for long blocks (jit/LongBlocks.h) are set for it.
  jit::LongBlockCodegen longBlocks(*module);
  std::string anySymbol;
  for (const llvm::Function &f : *module)
    if (!f.isDeclaration() && f.hasExternalLinkage() && anySymbol.empty())
      anySymbol = f.getName().str();
  if (llvm::Error e =
          jit->addIRModule(llvm::orc::ThreadSafeModule(std::move(module), std::move(context))))
    throw InternalError("LLJIT rejected the module from Clang: " + llvm::toString(std::move(e)));
  if (!anySymbol.empty())
    orFail(jit->lookup(anySymbol), "cannot compile the module from Clang");
  return std::make_unique<JitCode>(std::move(jit));
}

} // namespace odec::cxx
