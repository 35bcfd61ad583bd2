// JIT latency: from .node text to a callable fused forward solver and discrete adjoint, phase by
// phase, for one model, tableau and target CPU (the targets: examples/spiral.node, RK4, forward +
// adjoint ≤ 50 ms median on AVX-512 and ≤ 100 ms cold at every level; W2 ≤ 250 ms; ≤ 20 ms with a
// warm cache). The code is for the model's default chunk width on that CPU (jit::defaultOptions).
//
// Each run starts from the text: parse + check (Compilation::fromText), lowering to the tensor
// IR, then jit::compileSolvers (the forward solver and the adjoint in one module, the way the
// host API and `odec train` get them) with CompileOptions::phaseTimes: LLVM IR emission, the
// pass pipeline, JIT setup, machine code. The emission includes the symbolic VJP, which is also
// timed on its own (ad::fieldVjp of the same field, as codegen/AdjointCodegen.cpp forms it) and
// shown as a part of that row. The forward solver compiled alone (jit::compileSimulator) is
// timed after the pair, for reference, and so is the adjoint alone (jit::compileLossGrad: in
// batch code it solves forward in its own sweep, keeping a tape, and needs no forward solver;
// it is what `odec train` compiles). Both functions of the pair are called once at the end
// of each run so that a run ends with code that has been executed. The first run of the process
// also pays one-time initialization (LLVM's target registry, the process's symbol table); it is
// printed on its own and left out of the medians. Every compile bypasses the on-disk cache but
// the last row's: text to callable code when the cache holds it (jit/ObjectCache.h, in a
// temporary directory of the bench's own).
//
// Usage: bench_jit_latency FILE.node [MODEL] [TABLEAU] [RUNS] [CPU]
//   (defaults: "", RK4, 7, this machine; CPU: an LLVM CPU name or x86-64-v2/-v3/-v4)
#include "autodiff/FieldVjp.h"
#include "driver/Compilation.h"
#include "ir/Builder.h"
#include "jit/Jit.h"
#include "jit/Target.h"
#include "lower/LowerModel.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace odec;

namespace {

/// One run's seconds per phase.
struct RunTimes {
  double frontend = 0, lower = 0, vjp = 0, total = 0, forwardAlone = 0, adjointAlone = 0;
  jit::CompilePhaseTimes solvers;
};

double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

/// The VJP of the field w.r.t. every state and parameter, as codegen/AdjointCodegen.cpp forms it.
void fieldVJP(const ir::ModelIR &model) { ad::fieldVjp(model, "", "_cot"); }

RunTimes runOnce(const std::string &text, const std::string &modelName,
                 const std::string &tableauName, const std::string &cpu, bool cache) {
  RunTimes t;
  const auto start = std::chrono::steady_clock::now();
  auto phase = start;
  std::shared_ptr<Compilation> comp = Compilation::fromText("input.node", text);
  if (!comp->ok)
    throw std::runtime_error(comp->diags.formatAll());
  t.frontend = since(phase);
  phase = std::chrono::steady_clock::now();
  const ir::ModelIR model = lowerModel(comp->model(modelName));
  t.lower = since(phase);
  const ButcherTableau &tableau = comp->tableau(tableauName);

  jit::CompileOptions options = jit::defaultOptions(model, jit::Precision::Double, cpu);
  options.cache = cache;
  options.phaseTimes = &t.solvers;
  const jit::CompiledSolvers solvers = jit::compileSolvers(model, tableau, options);
  t.total = since(start);
  const jit::CompiledSimulator *sim = solvers.simulator.get();
  const jit::CompiledLossGrad *grad = solvers.lossGrad.get();

  // Call both once: a batch of one, one step, loss on the final state.
  const int64_t D = model.stateDim(), one = 1;
  std::vector<double> params(size_t(model.paramCount()), 0.1), x0(size_t(D), 0.5),
      traj(size_t(2 * D), 0.0), targets(size_t(D), 0.0), gParams(params.size(), 0.0),
      gX0(size_t(D), 0.0);
  const double weight = 1;
  sim->function()(params.data(), x0.data(), traj.data(), 1, 1, 0.1, nullptr);
  grad->function()(params.data(), x0.data(), 1, 1, 0.1, 1, &one, &weight, targets.data(),
                   traj.data(), gParams.data(), gX0.data(), nullptr);

  phase = std::chrono::steady_clock::now();
  fieldVJP(model);
  t.vjp = since(phase);
  phase = std::chrono::steady_clock::now();
  options.phaseTimes = nullptr;
  jit::compileSimulator(model, tableau, options);
  t.forwardAlone = since(phase);
  phase = std::chrono::steady_clock::now();
  jit::compileLossGrad(model, tableau, options);
  t.adjointAlone = since(phase);
  return t;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE.node [MODEL] [TABLEAU] [RUNS] [CPU]\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[1]);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  const std::string modelName = argc > 2 ? argv[2] : "", tableauName = argc > 3 ? argv[3] : "RK4";
  const int runs = argc > 4 ? std::max(1, std::atoi(argv[4])) : 7;
  const std::string cpu = argc > 5 ? argv[5] : "host";
  const jit::Target &target = jit::resolveTarget(cpu);
  jit::requireRunsHere(target);

  const RunTimes cold = runOnce(text.str(), modelName, tableauName, cpu, false);
  std::vector<RunTimes> warm;
  for (int r = 0; r < runs; ++r)
    warm.push_back(runOnce(text.str(), modelName, tableauName, cpu, false));
  // With the cache: one run fills it, the next ones load from it.
  const std::filesystem::path cacheDir = std::filesystem::temp_directory_path() /
                                         ("odec_jit_latency_" + std::to_string(::getpid()));
  setenv("ODEC_CACHE_DIR", cacheDir.c_str(), 1);
  runOnce(text.str(), modelName, tableauName, cpu, true);
  std::vector<double> cached;
  for (int r = 0; r < runs; ++r)
    cached.push_back(runOnce(text.str(), modelName, tableauName, cpu, true).total);
  std::filesystem::remove_all(cacheDir);

  // A row: its value in the cold run, the median and the minimum over the warm runs, in
  // milliseconds (the minimum shows what a shared machine's load added to the median).
  auto row = [&](const char *name, auto get) {
    std::vector<double> v;
    for (const RunTimes &t : warm)
      v.push_back(get(t));
    std::printf("| %-42s | %8.2f | %8.2f | %8.2f |\n", name, 1e3 * get(cold), 1e3 * median(v),
                1e3 * *std::min_element(v.begin(), v.end()));
  };
  std::printf("%s, tableau %s, CPU %s: milliseconds, first run of the process, then median and "
              "minimum of %d more\n\n",
              argv[1], tableauName.c_str(), target.describe().c_str(), runs);
  std::printf("| %-42s | %8s | %8s | %8s |\n|---|---|---|---|\n", "phase", "first", "median",
              "min");
  row("parse + check", [](const RunTimes &t) { return t.frontend; });
  row("lower to tensor IR", [](const RunTimes &t) { return t.lower; });
  using P = jit::CompilePhaseTimes;
  const std::pair<const char *, double P::*> phases[] = {{"LLVM IR emission", &P::emit},
                                                         {"LLVM optimization", &P::optimize},
                                                         {"target machine + LLJIT", &P::jitSetup},
                                                         {"machine code (ORC)", &P::machineCode}};
  for (const auto &[name, field] : phases) {
    row((std::string("forward + adjoint: ") + name).c_str(),
        [&](const RunTimes &t) { return t.solvers.*field; });
    if (field == &P::emit)
      row("  of which symbolic VJP", [](const RunTimes &t) { return t.vjp; });
  }
  row("total: text to callable forward + adjoint", [](const RunTimes &t) { return t.total; });
  row("for reference: the forward solver alone", [](const RunTimes &t) { return t.forwardAlone; });
  row("the adjoint alone (odec train's code)", [](const RunTimes &t) { return t.adjointAlone; });
  std::printf("| %-42s | %8s | %8.2f | %8.2f |\n", "total with a warm cache", "",
              1e3 * median(cached), 1e3 * *std::min_element(cached.begin(), cached.end()));
  return 0;
}
