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
#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/Bitcode/BitcodeWriter.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Transforms/Utils/Cloning.h>
#include <llvm/Transforms/Utils/ValueMapper.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <initializer_list>
#include <optional>
#include <system_error>
#include <thread>
#include <unordered_map>
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

/// Generates (through emit) and verifies a module.
std::unique_ptr<llvm::Module> emitModule(llvm::LLVMContext &ctx, const EmitFn &emit,
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
  return m;
}

/// Generates (through emit), verifies and optimizes a module.
std::unique_ptr<llvm::Module> buildModule(llvm::LLVMContext &ctx, const EmitFn &emit,
                                          const CompileOptions &opt, const Target &target,
                                          llvm::TargetMachine &tm, const std::string &name) {
  std::unique_ptr<llvm::Module> m = emitModule(ctx, emit, opt, target, tm, name);
  PhaseClock clock(opt);
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
  return what + "\nopt " + std::to_string(opt.optLevel) + " parts " +
         std::to_string(std::max(1, opt.parts)) + " width " +
         std::to_string(opt.vectorWidth) + " precision " +
         (opt.precision == Precision::Float ? "float" : "double") + "\ntarget " + target.triple +
         " " + target.cpu + " " + target.features + "\n";
}

/// The IR instructions of the second-largest function of `m`: the work a second thread could
/// take beside the largest.
size_t secondLargestFunction(const llvm::Module &m) {
  size_t first = 0, second = 0;
  for (const llvm::Function &f : m) {
    const size_t n = f.getInstructionCount();
    second = std::max(second, std::min(first, n));
    first = std::max(first, n);
  }
  return second;
}

/// Functions this long (LLVM IR instructions, before optimization) are worth a thread of their
/// own. W2's forward solver has ~1 300 (x86-64-v2, v3) to ~4 500 (v4, 16 lanes) beside its
/// adjoint's ~4 200 to ~8 200; W1's, W3's and the spiral's adjoints are taped (one function)
/// and their pairs' forward solvers are shorter.
constexpr size_t kPartInstructions = 1000;

/// `m` as `parts` modules (at most; no part without a function): its functions shared out by
/// size, the largest first, each to the part with the fewest instructions so far; its global
/// variables (constants) defined in the first part. Internal symbols become hidden externals,
/// so that the parts reach each other through the JIT's linker. (llvm::SplitModule shares out
/// the functions that no local symbol ties together by a hash of their names, which put W2's
/// forward solver beside its adjoint.)
std::vector<std::unique_ptr<llvm::Module>> splitModule(llvm::Module &m, size_t parts) {
  std::vector<llvm::Function *> functions;
  for (llvm::Function &f : m)
    if (!f.isDeclaration())
      functions.push_back(&f);
  std::stable_sort(functions.begin(), functions.end(), [](const auto *a, const auto *b) {
    return a->getInstructionCount() > b->getInstructionCount();
  });
  parts = std::min(parts, functions.size());
  std::vector<size_t> load(parts, 0);
  std::unordered_map<const llvm::GlobalValue *, size_t> partOf;
  for (llvm::Function *f : functions) {
    const size_t p = size_t(std::min_element(load.begin(), load.end()) - load.begin());
    partOf[f] = p;
    load[p] += f->getInstructionCount();
  }
  for (llvm::GlobalValue &gv : m.global_values())
    if (gv.hasLocalLinkage()) {
      if (!gv.hasName())
        gv.setName("odec.part.global");
      gv.setLinkage(llvm::GlobalValue::ExternalLinkage);
      gv.setVisibility(llvm::GlobalValue::HiddenVisibility);
    }
  std::vector<std::unique_ptr<llvm::Module>> out;
  for (size_t p = 0; p < parts; ++p) {
    llvm::ValueToValueMapTy map;
    out.push_back(llvm::CloneModule(m, map, [&](const llvm::GlobalValue *gv) {
      auto it = partOf.find(gv);
      return it == partOf.end() ? p == 0 : it->second == p;
    }));
  }
  return out;
}

/// The object file of an optimized module.
std::unique_ptr<llvm::MemoryBuffer> machineCode(llvm::Module &m, llvm::TargetMachine &tm) {
  LongBlockCodegen longBlocks(m);
  return take(llvm::orc::SimpleCompiler(tm)(m), "generating machine code");
}

/// The machine code of the module that emit builds, one object per part. A module with a
/// second large function (kPartInstructions) is split (splitModule), and the parts are
/// optimized and compiled at once, each on
/// a thread with an LLVMContext of its own (a context is not thread-safe, so the parts travel
/// as bitcode). On one core they compile one after the other: the code is the same on every
/// machine. Optimization and instruction selection are almost all of a large model's JIT time
/// (docs/performance.md, section 24).
std::vector<std::unique_ptr<llvm::MemoryBuffer>>
compileParts(const EmitFn &emit, const CompileOptions &opt, const Target &target,
             const std::string &name) {
  PhaseClock clock(opt);
  auto makeMachine = [&] {
    return take(targetMachineBuilder(target, opt.optLevel).createTargetMachine(),
                "creating the target machine");
  };
  auto tm = makeMachine();
  clock.lap(&CompilePhaseTimes::jitSetup);
  llvm::LLVMContext ctx;
  std::unique_ptr<llvm::Module> m = emitModule(ctx, emit, opt, target, *tm, name);
  std::vector<std::unique_ptr<llvm::MemoryBuffer>> objects;
  if (opt.parts < 2 || secondLargestFunction(*m) < kPartInstructions) {
    clock.restart();
    codegen::optimizeModule(*m, *tm, opt.optLevel, lanesPerChunk(opt));
    clock.lap(&CompilePhaseTimes::optimize);
    objects.push_back(machineCode(*m, *tm));
    clock.lap(&CompilePhaseTimes::machineCode);
    if (opt.phaseTimes)
      ++opt.phaseTimes->parts;
    return objects;
  }
  clock.restart();
  std::vector<llvm::SmallVector<char, 0>> bitcode;
  for (std::unique_ptr<llvm::Module> &part : splitModule(*m, size_t(opt.parts))) {
    llvm::raw_svector_ostream os(bitcode.emplace_back());
    llvm::WriteBitcodeToFile(*part, os);
  }
  const size_t n = bitcode.size();
  objects.resize(n);
  std::vector<double> optimizeSeconds(n, 0.0);
  std::vector<std::exception_ptr> errors(n);
  auto compilePart = [&](size_t i) {
    try {
      const auto start = std::chrono::steady_clock::now();
      llvm::LLVMContext partContext;
      std::unique_ptr<llvm::Module> part = take(
          llvm::parseBitcodeFile(
              llvm::MemoryBufferRef(llvm::StringRef(bitcode[i].data(), bitcode[i].size()), name),
              partContext),
          "reading a part of the module");
      auto partMachine = makeMachine();
      codegen::optimizeModule(*part, *partMachine, opt.optLevel, lanesPerChunk(opt));
      optimizeSeconds[i] =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      objects[i] = machineCode(*part, *partMachine);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  };
  std::vector<std::thread> helpers;
  const bool parallel = std::thread::hardware_concurrency() > 1;
  for (size_t i = 1; i < n; ++i) {
    if (parallel) {
      try {
        helpers.emplace_back(compilePart, i);
        continue;
      } catch (const std::system_error &) { // no thread to be had: compile it here
      }
    }
    compilePart(i);
  }
  compilePart(0);
  for (std::thread &t : helpers)
    t.join();
  for (const std::exception_ptr &e : errors)
    if (e)
      std::rethrow_exception(e);
  // The parts ran side by side: the slowest part's optimization counts as the phase, the rest
  // of the wall time as machine code.
  if (opt.phaseTimes) {
    const double slowest = *std::max_element(optimizeSeconds.begin(), optimizeSeconds.end());
    clock.lap(&CompilePhaseTimes::machineCode);
    opt.phaseTimes->machineCode -= slowest;
    opt.phaseTimes->optimize += slowest;
    opt.phaseTimes->parts += int(n);
  }
  return objects;
}

/// The relocatable object file of the module that emit builds (one part: a file to write).
std::unique_ptr<llvm::MemoryBuffer> compileObject(const EmitFn &emit, const CompileOptions &opt,
                                                  const Target &target, const std::string &name) {
  CompileOptions whole = opt;
  whole.parts = 1;
  return std::move(compileParts(emit, whole, target, name).front());
}

/// Objects as one cache entry: for each, its size (8 bytes, little-endian) and its bytes.
std::string packObjects(const std::vector<std::unique_ptr<llvm::MemoryBuffer>> &objects) {
  std::string out;
  for (const auto &o : objects) {
    const uint64_t size = o->getBufferSize();
    out.append(reinterpret_cast<const char *>(&size), sizeof size);
    out.append(o->getBufferStart(), o->getBufferSize());
  }
  return out;
}

/// The objects of a packObjects entry; none when it is malformed (the entry is then rebuilt).
std::vector<std::unique_ptr<llvm::MemoryBuffer>> unpackObjects(const std::string &entry,
                                                               const std::string &name) {
  std::vector<std::unique_ptr<llvm::MemoryBuffer>> objects;
  for (size_t at = 0; at < entry.size();) {
    uint64_t size = 0;
    if (entry.size() - at < sizeof size)
      return {};
    std::memcpy(&size, entry.data() + at, sizeof size);
    at += sizeof size;
    if (size == 0 || size > entry.size() - at)
      return {};
    objects.push_back(llvm::MemoryBuffer::getMemBufferCopy(entry.substr(at, size), name));
    at += size;
  }
  return objects;
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
  std::vector<std::unique_ptr<llvm::MemoryBuffer>> objects;
  if (options.cache)
    if (std::optional<std::string> cached = loadCachedObject(key))
      objects = unpackObjects(*cached, names.at(0));
  if (objects.empty()) {
    objects = compileParts(emit, options, target, names.at(0));
    if (options.cache)
      storeCachedObject(key, packObjects(objects));
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
  for (auto &object : objects)
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
  const std::string name = vjpName(model, tableau);
  Jitted j = jitCompile(adjointEmitter(AdjointKind::Vjp, model, tableau, options, true),
                        solverModule("vjp", model, tableau), options,
                        {name, simulatorName(model, tableau), codegen::vjpTapeSymbol(name)});
  const auto *tape = reinterpret_cast<const int64_t *>(j.addresses[2]);
  return {std::make_unique<JitOwned<CompiledSimulator>>(j.jit, j.addresses[1]),
          std::make_unique<JitOwned<CompiledVjp>>(j.jit, j.addresses[0],
                                                  int64_t(lanesPerChunk(options)), tape[0],
                                                  tape[1])};
}

std::unique_ptr<CompiledVjp> compileVjpAlone(const ir::ModelIR &model,
                                             const ButcherTableau &tableau,
                                             const CompileOptions &options) {
  codegen::requireExplicit(tableau);
  const std::string name = vjpName(model, tableau);
  Jitted j = jitCompile(adjointEmitter(AdjointKind::Vjp, model, tableau, options, false),
                        solverModule("vjp-alone", model, tableau), options,
                        {name, codegen::vjpTapeSymbol(name)});
  const auto *tape = reinterpret_cast<const int64_t *>(j.addresses[1]);
  return std::make_unique<JitOwned<CompiledVjp>>(j.jit, j.addresses[0],
                                                 int64_t(lanesPerChunk(options)), tape[0],
                                                 tape[1]);
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
