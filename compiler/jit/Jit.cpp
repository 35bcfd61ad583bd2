#include "jit/Jit.h"
#include "jit/NativeTarget.h"

#include "codegen/AdjointCodegen.h"
#include "codegen/FunctionCodegen.h"
#include "codegen/Optimize.h"
#include "codegen/SimulatorCodegen.h"
#include "syntax/Diagnostics.h"

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/JITEventListener.h>
#include <llvm/ExecutionEngine/Orc/RTDyldObjectLinkingLayer.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <chrono>
#include <functional>
#include <initializer_list>
#include <utility>
#include <vector>

namespace odec::jit {

namespace {

/// The value of an llvm::Expected, or an InternalError with LLVM's message.
template <typename T> T take(llvm::Expected<T> e, const char *what) {
  if (!e)
    throw InternalError(std::string(what) + ": " + llvm::toString(e.takeError()));
  return std::move(*e);
}

llvm::orc::JITTargetMachineBuilder hostMachine(const CompileOptions &opt) {
  initializeNativeTarget();
  auto jtmb = take(llvm::orc::JITTargetMachineBuilder::detectHost(), "detecting the host");
  jtmb.setCodeGenOptLevel(opt.optLevel <= 0   ? llvm::CodeGenOpt::None
                          : opt.optLevel == 1 ? llvm::CodeGenOpt::Less
                          : opt.optLevel == 2 ? llvm::CodeGenOpt::Default
                                              : llvm::CodeGenOpt::Aggressive);
  return jtmb;
}

/// A C identifier from parts joined by '_', e.g. `simulate_Spiral_RK4`.
std::string symbolName(std::initializer_list<std::string> parts) {
  std::string s;
  for (const std::string &p : parts)
    s += (s.empty() ? "" : "_") + p;
  for (char &ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_')
      ch = '_';
  return s;
}

/// Adds a function to a module.
using EmitFn = std::function<void(llvm::Module &)>;

/// Adds the seconds from construction to each lap() into a CompileOptions::phaseTimes field
/// (nothing when the caller asked for no times).
class PhaseClock {
public:
  explicit PhaseClock(const CompileOptions &opt) : times_(opt.phaseTimes) {}
  void lap(double CompilePhaseTimes::*phase) {
    const auto now = std::chrono::steady_clock::now();
    if (times_)
      times_->*phase += std::chrono::duration<double>(now - start_).count();
    start_ = now;
  }
  void restart() { start_ = std::chrono::steady_clock::now(); }

private:
  CompilePhaseTimes *times_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

/// Generates (through emit), verifies and optimizes a module.
std::unique_ptr<llvm::Module> buildModule(llvm::LLVMContext &ctx, const EmitFn &emit,
                                          const CompileOptions &opt, llvm::TargetMachine &tm,
                                          const std::string &name) {
  auto m = std::make_unique<llvm::Module>(name, ctx);
  m->setDataLayout(tm.createDataLayout());
  m->setTargetTriple(tm.getTargetTriple().str());
  PhaseClock clock(opt);
  emit(*m);
  std::string err;
  llvm::raw_string_ostream os(err);
  if (llvm::verifyModule(*m, &os))
    throw InternalError("generated LLVM IR for '" + name + "' is invalid: " + os.str());
  clock.lap(&CompilePhaseTimes::emit);
  codegen::optimizeModule(*m, tm, opt.optLevel, lanesPerChunk(opt));
  clock.lap(&CompilePhaseTimes::optimize);
  return m;
}

/// The JIT that owns compiled functions' machine code, and their addresses.
struct Jitted {
  std::shared_ptr<llvm::orc::LLJIT> jit;
  std::vector<uintptr_t> addresses; // of `names`, in order
};

/// Compiles the module that emit builds, named after names[0], and looks up each name.
std::atomic<int64_t> modules{0};

Jitted jitCompile(const EmitFn &emit, const CompileOptions &options,
                  const std::vector<std::string> &names) {
  ++modules;
  PhaseClock clock(options);
  llvm::orc::JITTargetMachineBuilder jtmb = hostMachine(options);
  auto tm = take(jtmb.createTargetMachine(), "creating the target machine");
  clock.lap(&CompilePhaseTimes::jitSetup);
  auto ctx = std::make_unique<llvm::LLVMContext>();
  std::unique_ptr<llvm::Module> m = buildModule(*ctx, emit, options, *tm, names.at(0));

  clock.restart(); // buildModule recorded its own phases
  std::shared_ptr<llvm::orc::LLJIT> jit =
      take(llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(jtmb).create(), "creating the JIT");
  // libm (tanh, log1p, ...) and the allocator resolve from the running process.
  jit->getMainJITDylib().addGenerator(
      take(llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
               jit->getDataLayout().getGlobalPrefix()),
           "opening the process's symbols"));
  // For profiling generated code: `perf record -k 1`, then `perf inject --jit` names it.
  if (std::getenv("ODEC_PERF_JIT"))
    static_cast<llvm::orc::RTDyldObjectLinkingLayer &>(jit->getObjLinkingLayer())
        .registerJITEventListener(*llvm::JITEventListener::createPerfJITEventListener());
  clock.lap(&CompilePhaseTimes::jitSetup);
  if (llvm::Error e = jit->addIRModule(llvm::orc::ThreadSafeModule(std::move(m), std::move(ctx))))
    throw InternalError("adding '" + names[0] + "' to the JIT: " + llvm::toString(std::move(e)));
  Jitted out{jit, {}};
  for (const std::string &name : names) // the first lookup compiles the whole module
    out.addresses.push_back(static_cast<uintptr_t>(
        take(jit->lookup(name), "looking up the compiled function").getAddress()));
  clock.lap(&CompilePhaseTimes::machineCode);
  return out;
}

std::string optimizedText(const EmitFn &emit, const CompileOptions &options,
                          const std::string &name) {
  auto tm = take(hostMachine(options).createTargetMachine(), "creating the target machine");
  llvm::LLVMContext ctx;
  std::unique_ptr<llvm::Module> m = buildModule(ctx, emit, options, *tm, name);
  std::string text;
  llvm::raw_string_ostream os(text);
  m->print(os, nullptr);
  return os.str();
}

/// A compiled object of kind Base whose function pointer points into a JIT it shares.
template <typename Base> class JitOwned final : public Base {
public:
  template <typename... Args>
  JitOwned(std::shared_ptr<llvm::orc::LLJIT> jit, uintptr_t address, Args... extra)
      : Base(reinterpret_cast<decltype(std::declval<Base>().function())>(address), extra...),
        jit_(std::move(jit)) {}

private:
  std::shared_ptr<llvm::orc::LLJIT> jit_;
};

std::string simulatorName(const ir::ModelIR &model, const ButcherTableau &tableau) {
  return symbolName({"simulate", model.name, tableau.name});
}

std::string lossGradName(const ir::ModelIR &model, const ButcherTableau &tableau) {
  return symbolName({"lossgrad", model.name, tableau.name});
}

std::string vjpName(const ir::ModelIR &model, const ButcherTableau &tableau) {
  return symbolName({"vjp", model.name, tableau.name});
}

EmitFn simulatorEmitter(const ir::ModelIR &model, const ButcherTableau &tableau,
                        const CompileOptions &options) {
  return [&](llvm::Module &m) {
    codegen::emitSimulator(m, model, tableau, lanesPerChunk(options), options.precision,
                           simulatorName(model, tableau));
  };
}

/// The discrete adjoint and the forward solver it calls for its forward sweep.
EmitFn lossGradEmitter(const ir::ModelIR &model, const ButcherTableau &tableau,
                       const CompileOptions &options) {
  return [&](llvm::Module &m) {
    const int width = lanesPerChunk(options);
    llvm::Function *forward = codegen::emitSimulator(m, model, tableau, width, options.precision,
                                                     simulatorName(model, tableau));
    codegen::emitLossGrad(m, model, tableau, width, options.precision,
                          lossGradName(model, tableau), forward);
  };
}

/// The VJP and the forward solver it calls.
EmitFn vjpEmitter(const ir::ModelIR &model, const ButcherTableau &tableau,
                  const CompileOptions &options) {
  return [&](llvm::Module &m) {
    const int width = lanesPerChunk(options);
    llvm::Function *forward = codegen::emitSimulator(m, model, tableau, width, options.precision,
                                                     simulatorName(model, tableau));
    codegen::emitVjp(m, model, tableau, width, options.precision, vjpName(model, tableau),
                     forward);
  };
}

} // namespace

int64_t modulesCompiled() { return modules.load(); }

CompileOptions defaultOptions(const ir::ModelIR &model, Precision precision) {
  CompileOptions options;
  options.precision = precision;
  int64_t largest = 0; // multiply-adds per trajectory
  for (const ir::Node *n : ir::topologicalOrder(model.ddt))
    if (n->is(ir::Op::MatMul))
      largest = std::max<int64_t>(largest, int64_t(n->args[0]->shape.size()) *
                                               n->args[1]->shape.cols);
  if (largest >= kWideChunkMultiplyAdds)
    options.vectorWidth = 2 * options.vectorWidth;
  return options;
}

std::unique_ptr<CompiledSimulator> compileSimulator(const ir::ModelIR &model,
                                                    const ButcherTableau &tableau,
                                                    const CompileOptions &options) {
  codegen::requireExplicit(tableau); // before any LLVM work
  Jitted j = jitCompile(simulatorEmitter(model, tableau, options), options,
                        {simulatorName(model, tableau)});
  return std::make_unique<JitOwned<CompiledSimulator>>(j.jit, j.addresses[0]);
}

std::string emitSimulatorLLVM(const ir::ModelIR &model, const ButcherTableau &tableau,
                              const CompileOptions &options) {
  codegen::requireExplicit(tableau);
  return optimizedText(simulatorEmitter(model, tableau, options), options,
                       simulatorName(model, tableau));
}

std::unique_ptr<CompiledLossGrad> compileLossGrad(const ir::ModelIR &model,
                                                  const ButcherTableau &tableau,
                                                  const CompileOptions &options) {
  return compileSolvers(model, tableau, options).lossGrad;
}

CompiledSolvers compileSolvers(const ir::ModelIR &model, const ButcherTableau &tableau,
                               const CompileOptions &options) {
  codegen::requireExplicit(tableau);
  Jitted j = jitCompile(lossGradEmitter(model, tableau, options), options,
                        {lossGradName(model, tableau), simulatorName(model, tableau)});
  return {std::make_unique<JitOwned<CompiledSimulator>>(j.jit, j.addresses[1]),
          std::make_unique<JitOwned<CompiledLossGrad>>(j.jit, j.addresses[0])};
}

CompiledVjpSolvers compileVjp(const ir::ModelIR &model, const ButcherTableau &tableau,
                              const CompileOptions &options) {
  codegen::requireExplicit(tableau);
  Jitted j = jitCompile(vjpEmitter(model, tableau, options), options,
                        {vjpName(model, tableau), simulatorName(model, tableau)});
  return {std::make_unique<JitOwned<CompiledSimulator>>(j.jit, j.addresses[1]),
          std::make_unique<JitOwned<CompiledVjp>>(j.jit, j.addresses[0])};
}

std::string emitLossGradLLVM(const ir::ModelIR &model, const ButcherTableau &tableau,
                             const CompileOptions &options) {
  codegen::requireExplicit(tableau);
  return optimizedText(lossGradEmitter(model, tableau, options), options,
                       lossGradName(model, tableau));
}

std::unique_ptr<CompiledFunction> compileFunction(const ir::Function &f,
                                                  const CompileOptions &options) {
  const std::string name = symbolName({"point", f.name});
  auto emit = [&](llvm::Module &m) { codegen::emitPointFunction(m, f, name); };
  Jitted j = jitCompile(emit, options, {name});
  return std::make_unique<JitOwned<CompiledFunction>>(j.jit, j.addresses[0],
                                                      codegen::totalElements(f.inputs),
                                                      codegen::totalElements(f.outputs));
}

} // namespace odec::jit
