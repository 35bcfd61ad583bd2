// odec bench: times the JIT-compiled fused forward solve (or forward + discrete adjoint of the
// final-state loss sum(x_N.^2)) alone, compilation excluded and reported as jit_seconds.
//
// FLOP count (stated, for gflops): one multiply-add (2 FLOPs) per matrix-parameter element per
// trajectory per field evaluation, s field evaluations per step (s = the tableau's stages):
// forward = 2·Σ|W|·s·N·B. The adjoint recomputes the stages and does two products per weight
// matrix (Wᵀλ and the gradient's outer product), so forward + adjoint counts 4× forward.
// Elementwise work (tanh, bias adds, the RK combinations) is not counted: this is the
// conventional matrix-product count, comparable across implementations.
#include "Options.h"

#include "parallel/ThreadTeam.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>

namespace odec::cli {

namespace {

struct BenchOptions {
  ModelOptions model;
  std::string tableau, mode = "forward", precision = "double";
  double step = 0;
  int64_t steps = 0, batch = 0, threads = 1, repeats = 5;
  uint64_t seed = 0;
  bool json = false;
};

/// [begin, end) of slice i of k over the batch, each slice a whole number of SIMD chunks of
/// `lanes` trajectories except the last, so no thread runs a partial chunk in the middle of the
/// batch and the chunks are spread as evenly as whole chunks allow.
std::pair<int64_t, int64_t> slice(int64_t batch, int64_t lanes, int64_t k, int64_t i) {
  const int64_t w = lanes, chunks = (batch + w - 1) / w;
  auto edge = [&](int64_t j) { return std::min(batch, w * (chunks * j / k)); };
  return {edge(i), edge(i + 1)};
}

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

int run(const BenchOptions &o) {
  requireStep(o.step, "--step");
  if (o.steps < 1 || o.batch < 1 || o.threads < 1 || o.repeats < 1)
    throw UserError("--steps, --batch, --threads and --repeats must be at least 1");
  if (o.threads > o.batch)
    throw UserError("--threads must not exceed --batch (each thread needs a trajectory)");
  const Program program = loadProgram(o.model.file);
  const Model m = program.model(o.model.model, o.model.target.options());
  const int64_t D = m.stateDim(), P = m.paramCount(), B = o.batch, N = o.steps, K = o.threads;
  const bool adjoint = o.mode == "adjoint";

  // Compiled for the batch (CompileOptions::batch), so that jit_seconds is the compile time of
  // exactly the timed code; an implicit tableau runs the host API's Newton solver (which
  // rejects float).
  CompileOptions options = o.model.target.options();
  options.precision = o.precision == "float" ? Precision::Float : Precision::Double;
  options.batch = B;
  auto compileStart = std::chrono::steady_clock::now();
  std::optional<LossGradient> lossGrad;
  std::optional<Simulator> simulator;
  if (adjoint)
    lossGrad = m.lossGradient(o.tableau, Adjoint::Discrete, options);
  else
    simulator = m.simulator(o.tableau, options);
  const double jitSeconds = seconds(compileStart);
  // Trajectories per chunk of the timed code.
  const int64_t lanes = adjoint ? lossGrad->chunkLanes(B) : simulator->chunkLanes(B);
  const int stages = program.tableau(o.tableau).stages;

  std::vector<double> params = m.sampleParams(o.seed), x0(size_t(B * D));
  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  for (double &v : x0)
    v = uniform(rng);
  // One trajectory buffer and one x0-gradient for the whole batch (threads write disjoint
  // slices); one parameter gradient per slice.
  auto zeros = [](int64_t n) { return std::vector<double>(size_t(n), 0.0); };
  std::vector<double> traj = zeros(B * (N + 1) * D), targets = zeros(B * D), gradX0 = zeros(B * D),
                      gradParams = zeros(P);
  std::vector<std::vector<double>> sliceGrads(size_t(K), zeros(P));
  const int64_t targetStep = N;
  const double weight = 1.0;

  // The workers start once, so a timed call pays a wake-up, not a thread creation.
  ThreadTeam team(K);
  const ThreadTeam::Body slices = [&](int64_t i) {
    const auto [begin, end] = slice(B, lanes, K, i);
    const double *x = x0.data() + begin * D;
    double *out = traj.data() + begin * (N + 1) * D;
    if (!adjoint)
      return simulator->simulate(params.data(), x, out, end - begin, N, o.step);
    (*lossGrad)(params.data(), x, end - begin, N, o.step, 1, &targetStep, &weight,
                targets.data() + begin * D, out, sliceGrads[size_t(i)].data(),
                gradX0.data() + begin * D);
  };
  auto once = [&] {
    team.run(slices);
    if (adjoint) { // summed in slice order: the result does not depend on thread timing
      std::fill(gradParams.begin(), gradParams.end(), 0.0);
      for (const std::vector<double> &g : sliceGrads)
        for (size_t p = 0; p < g.size(); ++p)
          gradParams[p] += g[p];
    }
  };
  once(); // warm-up: page in the buffers and the code
  std::vector<double> times;
  for (int64_t r = 0; r < o.repeats; ++r) {
    auto start = std::chrono::steady_clock::now();
    once();
    times.push_back(seconds(start));
  }
  std::sort(times.begin(), times.end());
  const double median = times.size() % 2 ? times[times.size() / 2]
                                         : (times[times.size() / 2 - 1] + times[times.size() / 2]) / 2;
  double weights = 0;
  for (const TensorInfo &t : m.params())
    if (t.rank == 2)
      weights += double(t.size());
  const double flops = 2 * weights * stages * double(N) * double(B) * (adjoint ? 4 : 1);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const int64_t peakRss = int64_t(usage.ru_maxrss) * 1024; // Linux reports kilobytes

  nlohmann::ordered_json doc;
  doc["median_seconds"] = median;
  doc["min_seconds"] = times.front();
  doc["max_seconds"] = times.back();
  doc["jit_seconds"] = jitSeconds;
  doc["gflops"] = flops / median / 1e9;
  doc["peak_rss_bytes"] = peakRss;
  doc["lanes"] = lanes;
  if (o.json) {
    std::cout << doc.dump() << "\n";
  } else {
    std::printf("%s, %s, %s, B = %lld, N = %lld, %lld thread(s), %lld repeats, %lld lanes\n"
                "  median %.4g ms (min %.4g, max %.4g)\n  JIT compile %.4g ms\n"
                "  %.3g GFLOP/s (matrix multiply-adds)\n  peak RSS %.1f MiB\n",
                m.name().c_str(), o.tableau.c_str(), o.mode.c_str(), (long long)B, (long long)N,
                (long long)K, (long long)o.repeats, (long long)lanes, median * 1e3, times.front() * 1e3,
                times.back() * 1e3, jitSeconds * 1e3, flops / median / 1e9,
                double(peakRss) / (1 << 20));
  }
  return kOk;
}

} // namespace

void addBenchCommand(CLI::App &app, int &status) {
  auto o = std::make_shared<BenchOptions>();
  auto *cmd = app.add_subcommand("bench", "Time the JIT-compiled fused solver (and adjoint)");
  o->model.add(*cmd);
  cmd->add_option("--tableau", o->tableau, "Runge–Kutta tableau (explicit)")->required();
  cmd->add_option("--step", o->step, "step size h")->required();
  cmd->add_option("--steps", o->steps, "number of steps N")->required();
  cmd->add_option("--batch", o->batch, "trajectories B (random initial states in [-1, 1])")
      ->required();
  cmd->add_option("--mode", o->mode, "forward, or adjoint: forward + discrete adjoint of sum(x_N.^2)")
      ->check(CLI::IsMember({"forward", "adjoint"}));
  cmd->add_option("--threads", o->threads, "threads, each running a slice of the batch");
  cmd->add_option("--float", o->precision,
                  "arithmetic precision of the generated code (float: explicit tableaux only)")
      ->check(CLI::IsMember({"double", "float"}));
  cmd->add_option("--repeats", o->repeats, "timed repeats after one warm-up");
  cmd->add_option("--seed", o->seed, "seed of the parameter draw and the initial states");
  cmd->add_flag("--json", o->json,
                "print {median_seconds, min_seconds, max_seconds, jit_seconds, gflops, "
                "peak_rss_bytes, lanes}");
  cmd->callback([o, &status] { status = run(*o); });
}

} // namespace odec::cli
