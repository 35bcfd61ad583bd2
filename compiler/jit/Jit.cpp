#include "jit/Jit.h"
#include "jit/LongBlocks.h"
#include "jit/NativeTarget.h"
#include "jit/ObjectCache.h"
#include "jit/Target.h"
#include "jit/TargetMachine.h"

#include "codegen/AdaptiveCodegen.h"
#include "codegen/AdjointCodegen.h"
#include "codegen/FunctionCodegen.h"
#include "codegen/Optimize.h"
#include "codegen/SimulatorCodegen.h"
#include "ir/Printer.h"
#include "support/InternalError.h"

#include <llvm/ExecutionEngine/Orc/CompileUtils.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/JITEventListener.h>
#include <llvm/ExecutionEngine/Orc/RTDyldObjectLinkingLayer.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <initializer_list>
#include <optional>
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

const Target &targetOf(const CompileOptions &opt) { return resolveTarget(opt.cpu, opt.triple); }

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

/// Adds a function to a module, shaped for a machine.
using EmitFn = std::function<void(llvm::Module &, const codegen::MachineModel &)>;

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
                                          const CompileOptions &opt, const Target &target,
                                          llvm::TargetMachine &tm, const std::string &name) {
  auto m = std::make_unique<llvm::Module>(name, ctx);
  m->setDataLayout(tm.createDataLayout());
  m->setTargetTriple(tm.getTargetTriple().str());
  PhaseClock clock(opt);
  emit(*m, target.machine);
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

std::atomic<int64_t> modules{0};

/// The text a compiled module's machine code is a function of, besides odec's own build (which
/// ObjectCache adds): what is compiled (`what`: the kind, the model's IR, the tableau), the
/// options that change code and the target.
std::string cacheKey(const std::string &what, const CompileOptions &opt, const Target &target) {
  return what + "\nopt " + std::to_string(opt.optLevel) + " width " +
         std::to_string(opt.vectorWidth) + " precision " +
         (opt.precision == Precision::Float ? "float" : "double") + "\ntarget " + target.triple +
         " " + target.cpu + " " + target.features + "\n";
}

/// The relocatable object file of the module that emit builds.
std::unique_ptr<llvm::MemoryBuffer> compileObject(const EmitFn &emit, const CompileOptions &opt,
                                                  const Target &target, const std::string &name) {
  PhaseClock clock(opt);
  auto tm = take(targetMachineBuilder(target, opt.optLevel).createTargetMachine(), "creating the target machine");
  clock.lap(&CompilePhaseTimes::jitSetup);
  llvm::LLVMContext ctx;
  std::unique_ptr<llvm::Module> m = buildModule(ctx, emit, opt, target, *tm, name);
  clock.restart(); // buildModule recorded its own phases
  LongBlockCodegen longBlocks(*m);
  auto object = take(llvm::orc::SimpleCompiler(*tm)(*m), "generating machine code");
  clock.lap(&CompilePhaseTimes::machineCode);
  return object;
}

/// Compiles the module that emit builds, named after names[0], for options' target (which must
/// run here), or loads its machine code from the cache; then looks up each name. `what`
/// identifies the module's contents for the cache (cacheKey).
Jitted jitCompile(const EmitFn &emit, const std::string &what, const CompileOptions &options,
                  const std::vector<std::string> &names) {
  ++modules;
  const Target &target = targetOf(options);
  requireRunsHere(target);
  const std::string key = options.cache ? cacheKey(what, options, target) : std::string();
  std::unique_ptr<llvm::MemoryBuffer> object;
  if (options.cache)
    if (std::optional<std::string> cached = loadCachedObject(key))
      object = llvm::MemoryBuffer::getMemBufferCopy(*cached, names.at(0));
  if (!object) {
    object = compileObject(emit, options, target, names.at(0));
    if (options.cache)
      storeCachedObject(key, object->getBuffer().str());
  }

  PhaseClock clock(options);
  std::shared_ptr<llvm::orc::LLJIT> jit =
      take(llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(targetMachineBuilder(target, options.optLevel))
               .create(),
           "creating the JIT");
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
  if (llvm::Error e = jit->addObjectFile(std::move(object)))
    throw InternalError("adding '" + names[0] + "' to the JIT: " + llvm::toString(std::move(e)));
  Jitted out{jit, {}};
  for (const std::string &name : names) // the first lookup links the object
    out.addresses.push_back(static_cast<uintptr_t>(
        take(jit->lookup(name), "looking up the compiled function").getAddress()));
  clock.lap(&CompilePhaseTimes::machineCode);
  return out;
}

std::string optimizedText(const EmitFn &emit, const CompileOptions &options,
                          const std::string &name) {
  const Target &target = targetOf(options);
  auto tm = take(targetMachineBuilder(target, options.optLevel).createTargetMachine(),
                 "creating the target machine");
  llvm::LLVMContext ctx;
  std::unique_ptr<llvm::Module> m = buildModule(ctx, emit, options, target, *tm, name);
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

std::string adaptiveName(const ir::ModelIR &model, const ButcherTableau &tableau) {
  return symbolName({"adaptive", model.name, tableau.name});
}

std::string lossGradName(const ir::ModelIR &model, const ButcherTableau &tableau) {
  return symbolName({"lossgrad", model.name, tableau.name});
}

std::string vjpName(const ir::ModelIR &model, const ButcherTableau &tableau) {
  return symbolName({"vjp", model.name, tableau.name});
}

EmitFn simulatorEmitter(const ir::ModelIR &model, const ButcherTableau &tableau,
                        const CompileOptions &options) {
  return [&](llvm::Module &m, const codegen::MachineModel &machine) {
    codegen::emitSimulator(m, model, tableau, lanesPerChunk(options), options.precision, machine,
                           simulatorName(model, tableau));
  };
}

/// The cache's description of a fused solver module: its kind, the model and the tableau.
std::string solverModule(const char *kind, const ir::ModelIR &model,
                         const ButcherTableau &tableau) {
  std::string s = std::string(kind) + " " + model.name + "\n" + ir::dumpSSA(model.field()) +
                   "tableau " + tableau.name + " " + std::to_string(tableau.stages);
  char buf[32];
  for (const auto *coefficients :
       {&tableau.A, &tableau.b, &tableau.c, &tableau.bhat, &tableau.dense})
    for (const Coefficient &k : *coefficients) {
      std::snprintf(buf, sizeof buf, " %a", k.value);
      s += buf;
    }
  return s;
}

/// Which adjoint a module holds (AdjointCodegen.h).
enum class AdjointKind { LossGrad, Vjp };

/// The discrete adjoint of `kind`, with the forward solver beside it (a pair of callables:
/// the adjoint's forward sweep calls it) or alone (AdjointCodegen.h).
EmitFn adjointEmitter(AdjointKind kind, const ir::ModelIR &model, const ButcherTableau &tableau,
                      const CompileOptions &options, bool withSimulator) {
  return [&, kind, withSimulator](llvm::Module &m, const codegen::MachineModel &machine) {
    const int width = lanesPerChunk(options);
    llvm::Function *forward =
        withSimulator ? codegen::emitSimulator(m, model, tableau, width, options.precision,
                                               machine, simulatorName(model, tableau))
                      : nullptr;
    if (kind == AdjointKind::LossGrad)
      codegen::emitLossGrad(m, model, tableau, width, options.precision, machine,
                            lossGradName(model, tableau), forward);
    else
      codegen::emitVjp(m, model, tableau, width, options.precision, machine,
                       vjpName(model, tableau), forward);
  };
}

} // namespace

int64_t modulesCompiled() { return modules.load(); }

CompileOptions defaultOptions(const ir::ModelIR &model, Precision precision,
                              const std::string &cpu) {
  CompileOptions options;
  options.precision = precision;
  options.cpu = cpu;
  options.vectorWidth = targetOf(options).machine.doublesPerRegister();
  if (model.largestProduct() >= kWideChunkMultiplyAdds)
    options.vectorWidth = 2 * options.vectorWidth;
  return options;
}

std::unique_ptr<CompiledSimulator> compileSimulator(const ir::ModelIR &model,
                                                    const ButcherTableau &tableau,
                                                    const CompileOptions &options) {
  codegen::requireExplicit(tableau); // before any LLVM work
  Jitted j = jitCompile(simulatorEmitter(model, tableau, options),
                        solverModule("simulator", model, tableau), options,
                        {simulatorName(model, tableau)});
  return std::make_unique<JitOwned<CompiledSimulator>>(j.jit, j.addresses[0]);
}

std::unique_ptr<CompiledAdaptive> compileAdaptive(const ir::ModelIR &model,
                                                  const ButcherTableau &tableau,
                                                  const CompileOptions &options) {
  codegen::requireAdaptive(model, tableau); // before any LLVM work
  const std::string name = adaptiveName(model, tableau);
  Jitted j = jitCompile(
      [&](llvm::Module &m, const codegen::MachineModel &machine) {
        codegen::emitAdaptiveSimulator(m, model, tableau, lanesPerChunk(options),
                                       options.precision, machine, name);
      },
      solverModule("adaptive", model, tableau), options, {name});
  return std::make_unique<JitOwned<CompiledAdaptive>>(j.jit, j.addresses[0]);
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
  codegen::requireExplicit(tableau);
  const std::string name = lossGradName(model, tableau);
  Jitted j = jitCompile(adjointEmitter(AdjointKind::LossGrad, model, tableau, options, false),
                        solverModule("lossgrad", model, tableau), options, {name});
  return std::make_unique<JitOwned<CompiledLossGrad>>(j.jit, j.addresses[0]);
}

CompiledSolvers compileSolvers(const ir::ModelIR &model, const ButcherTableau &tableau,
                               const CompileOptions &options) {
  codegen::requireExplicit(tableau);
  Jitted j = jitCompile(adjointEmitter(AdjointKind::LossGrad, model, tableau, options, true),
                        solverModule("solvers", model, tableau), options,
                        {lossGradName(model, tableau), simulatorName(model, tableau)});
  return {std::make_unique<JitOwned<CompiledSimulator>>(j.jit, j.addresses[1]),
          std::make_unique<JitOwned<CompiledLossGrad>>(j.jit, j.addresses[0])};
}

CompiledVjpSolvers compileVjp(const ir::ModelIR &model, const ButcherTableau &tableau,
                              const CompileOptions &options) {
  codegen::requireExplicit(tableau);
  Jitted j = jitCompile(adjointEmitter(AdjointKind::Vjp, model, tableau, options, true),
                        solverModule("vjp", model, tableau),
                        options, {vjpName(model, tableau), simulatorName(model, tableau)});
  return {std::make_unique<JitOwned<CompiledSimulator>>(j.jit, j.addresses[1]),
          std::make_unique<JitOwned<CompiledVjp>>(j.jit, j.addresses[0])};
}

std::string emitLossGradLLVM(const ir::ModelIR &model, const ButcherTableau &tableau,
                             const CompileOptions &options) {
  codegen::requireExplicit(tableau);
  return optimizedText(adjointEmitter(AdjointKind::LossGrad, model, tableau, options, false),
                       options, lossGradName(model, tableau));
}

std::string emitSolversObject(const ir::ModelIR &model, const ButcherTableau &tableau,
                              const CompileOptions &options) {
  codegen::requireExplicit(tableau);
  return compileObject(adjointEmitter(AdjointKind::LossGrad, model, tableau, options, true),
                       options, targetOf(options),
                       lossGradName(model, tableau))
      ->getBuffer()
      .str();
}

std::unique_ptr<CompiledFunction> compileFunction(const ir::Function &f,
                                                  const CompileOptions &options) {
  const std::string name = symbolName({"point", f.name});
  auto emit = [&](llvm::Module &m, const codegen::MachineModel &) {
    codegen::emitPointFunction(m, f, name);
  };
  // A point function is one-lane code: it gets the pipeline that vectorizes over tensor
  // elements (a tanh over a hidden layer), as one-lane solvers do (codegen/Optimize.h).
  CompileOptions oneLane = options;
  oneLane.vectorWidth = 1;
  oneLane.precision = Precision::Double;
  Jitted j = jitCompile(emit, "point\n" + ir::dumpSSA(f), oneLane, {name});
  return std::make_unique<JitOwned<CompiledFunction>>(j.jit, j.addresses[0],
                                                      codegen::totalElements(f.inputs),
                                                      codegen::totalElements(f.outputs));
}

} // namespace odec::jit
