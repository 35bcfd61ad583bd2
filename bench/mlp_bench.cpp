// The performance issue's suite: workloads W1–W3 (bench/workloads.node) for Euler, RK4 and the
// 3/8 rule, forward and forward + discrete adjoint of L = sum(x_N.^2), one thread, at each
// x86-64 level this machine runs (x86-64-v2: SSE4.2, -v3: AVX2, -v4: AVX-512). Contenders in the
// same run, all for the same level: odec's JIT (--cpu LEVEL), the C++ that `odec emit-cpp` writes
// compiled with -O3 -march=LEVEL, and the hand-written Eigen + SLEEF reference compiled with
// -O3 -march=LEVEL and SLEEF's tanh for that level (BenchLevel.h). Each contender's results are
// checked to agree with the reference (relative 1e-9) before timing; the timed runs interleave
// the contenders, 7 repeats each after a warm-up, medians.
//
// The JIT is compiled for the batch (jit::optionsForBatch): B = 1 runs 1-lane chunks rather
// than leave the other lanes idle. The host API's Model::simulator compiles before it knows the
// batch, so this program lowers the model and calls the JIT itself, with the cache off, so that
// "jit ms" is a cold compile.
//
// FLOPs (stated): 2 per weight-matrix element per trajectory per field evaluation,
// 2·(2·H·D)·s·N·B forward; forward + adjoint counts 4× (stages recomputed, two products per
// weight in the reverse sweep). Peak RSS is the process's, read after each row (ru_maxrss).
//
// Usage: bench_mlp WORKLOADS.node [results.json] [LEVEL...]   (or `cmake --build BUILD --target
// bench`); the levels default to all that this machine runs.
#include "BenchLevel.h"
#include "driver/Compilation.h"
#include "jit/Jit.h"
#include "jit/Target.h"
#include "lower/LowerModel.h"
#include "odec/odec.h"

#include <dlfcn.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

namespace {

struct Workload {
  const char *name;
  int D, H, B, steps;
  double h;
};

const Workload kWorkloads[] = {
    {"W1", 2, 64, 256, 100, 0.05}, {"W2", 32, 128, 128, 100, 0.05}, {"W3", 2, 16, 1, 1000, 0.01}};

const double kEulerA[] = {0}, kEulerB[] = {1};
const double kRK4A[] = {0, 0, 0, 0, 0.5, 0, 0, 0, 0, 0.5, 0, 0, 0, 0, 1, 0},
             kRK4B[] = {1 / 6., 1 / 3., 1 / 3., 1 / 6.};
const double kRK38A[] = {0, 0, 0, 0, 1 / 3., 0, 0, 0, -1 / 3., 1, 0, 0, 1, -1, 1, 0},
             kRK38B[] = {1 / 8., 3 / 8., 3 / 8., 1 / 8.};
const bench::LevelTableau kTableaux[] = {
    {"Euler", 1, kEulerA, kEulerB}, {"RK4", 4, kRK4A, kRK4B}, {"RK38", 4, kRK38A, kRK38B}};

constexpr int kRepeats = 7;

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double maxRelativeDifference(const double *a, const double *b, size_t n) {
  double scale = 0, diff = 0;
  for (size_t i = 0; i < n; ++i) {
    scale = std::max(scale, std::abs(b[i]));
    diff = std::max(diff, std::abs(a[i] - b[i]));
  }
  return diff / std::max(scale, 1e-300);
}

int64_t peakRss() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return int64_t(u.ru_maxrss) * 1024;
}

/// The level modules this build made (ODEC_BENCH_MODULES: "level=path,...").
std::map<std::string, std::string> levelModules() {
  std::map<std::string, std::string> out;
  std::stringstream list(ODEC_BENCH_MODULES);
  for (std::string item; std::getline(list, item, ',');)
    out[item.substr(0, item.find('='))] = item.substr(item.find('=') + 1);
  return out;
}

/// A level's contenders, from its module (loaded for the life of the process).
const bench::LevelCode *loadLevel(const std::string &path) {
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    throw std::runtime_error("cannot load " + path + ": " + dlerror());
  auto entry =
      reinterpret_cast<const bench::LevelCode *(*)()>(dlsym(handle, "odec_bench_level"));
  if (!entry)
    throw std::runtime_error(path + " has no odec_bench_level");
  return entry();
}


/// The suite's rows for one level; agreed is cleared (and the rows so far returned) when a
/// contender disagrees with the reference, which is reported on stderr.
nlohmann::ordered_json runLevel(const std::string &level, const bench::LevelCode &code,
                                odec::Program &program, odec::Compilation &compilation,
                                bool &agreed) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  std::printf("%-3s %-6s %-8s %10s %10s %10s %6s %6s %8s %8s %8s %5s %8s %8s\n", "W", "tab",
              "mode", "odec ms", "cpp ms", "eigen ms", "odec×", "cpp×", "odec GF", "cpp GF",
              "eigen GF", "lanes", "jit ms", "RSS MiB");
  for (const Workload &w : kWorkloads) {
    odec::Model model = program.model(w.name);
    const odec::ir::ModelIR ir = odec::lowerModel(compilation.model(w.name));
    odec::jit::CompileOptions jitOptions = odec::jit::optionsForBatch(
        odec::jit::defaultOptions(ir, odec::jit::Precision::Double, level), w.B);
    jitOptions.cache = false;
    std::vector<double> params = model.sampleParams(1);
    std::vector<double> x0(size_t(w.B * w.D));
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> uniform(-1, 1);
    for (double &v : x0)
      v = uniform(rng);
    // odec's x0 is B x D row-major: the same memory as the reference's D x B column-major.
    const size_t trajSize = size_t(w.B) * (w.steps + 1) * w.D;
    for (const bench::LevelTableau &t : kTableaux) {
      for (bool adjoint : {false, true}) {
        const odec::ButcherTableau &tableau = compilation.tableau(t.name);
        double t0 = now();
        std::unique_ptr<odec::jit::CompiledSimulator> sim;
        std::unique_ptr<odec::jit::CompiledLossGrad> lg;
        if (adjoint)
          lg = odec::jit::compileLossGrad(ir, tableau, jitOptions);
        else
          sim = odec::jit::compileSimulator(ir, tableau, jitOptions);
        const double jit = now() - t0;
        const bench::EmittedSolver &cpp = *code.emitted(w.name, t.name);
        std::vector<double> traj(trajSize), gP(params.size()), gX(x0.size()), zeros(x0.size(), 0.0),
            cppTraj(trajSize), cppGP(params.size()), cppGX(x0.size()), refGP(params.size()),
            X(x0.size()), refGX(x0.size());
        const int64_t last = w.steps;
        const double one = 1;
        std::function<void()> runOdec, runCpp, runEigen;
        if (!adjoint) {
          runOdec = [&] {
            sim->function()(params.data(), x0.data(), traj.data(), w.B, w.steps, w.h, nullptr);
          };
          runCpp = [&] {
            cpp.simulate(params.data(), x0.data(), cppTraj.data(), w.B, w.steps, w.h, nullptr);
          };
          runEigen = [&] {
            X = x0;
            code.forward(params.data(), w.D, w.H, t, X.data(), w.B, w.steps, w.h);
          };
        } else {
          runOdec = [&] {
            lg->function()(params.data(), x0.data(), w.B, w.steps, w.h, 1, &last, &one,
                           zeros.data(), traj.data(), gP.data(), gX.data(), nullptr);
          };
          runCpp = [&] {
            cpp.lossGrad(params.data(), x0.data(), w.B, w.steps, w.h, 1, &last, &one, zeros.data(),
                         cppTraj.data(), cppGP.data(), cppGX.data(), nullptr);
          };
          runEigen = [&] {
            code.lossGradient(params.data(), w.D, w.H, t, x0.data(), w.B, w.steps, w.h,
                              refGP.data(), refGX.data());
          };
        }
        runOdec();
        runCpp();
        runEigen();
        // Agreement with the reference: final states (forward) or every gradient (adjoint).
        auto difference = [&](const std::vector<double> &trajectory, const std::vector<double> &gradP,
                              const std::vector<double> &gradX) {
          if (adjoint)
            return std::max(maxRelativeDifference(gradP.data(), refGP.data(), gradP.size()),
                            maxRelativeDifference(gradX.data(), refGX.data(), gradX.size()));
          std::vector<double> finals;
          for (int b = 0; b < w.B; ++b)
            for (int d = 0; d < w.D; ++d)
              finals.push_back(trajectory[(size_t(b) * (w.steps + 1) + w.steps) * w.D + d]);
          return maxRelativeDifference(finals.data(), X.data(), finals.size());
        };
        const double diff = difference(traj, gP, gX), cppDiff = difference(cppTraj, cppGP, cppGX);
        for (auto [who, d] : {std::pair{"odec", diff}, std::pair{"emitted C++", cppDiff}})
          if (!(d <= 1e-9)) {
            std::fprintf(stderr,
                         "%s: %s %s %s: %s and Eigen disagree (max relative difference %g)\n",
                         level.c_str(), w.name, t.name, adjoint ? "adjoint" : "forward", who, d);
            agreed = false;
            return rows;
          }
        std::vector<double> odecTimes, cppTimes, eigenTimes;
        auto timed = [](const std::function<void()> &f, std::vector<double> &times) {
          const double s = now();
          f();
          times.push_back(now() - s);
        };
        for (int r = 0; r < kRepeats; ++r) {
          timed(runOdec, odecTimes);
          timed(runCpp, cppTimes);
          timed(runEigen, eigenTimes);
        }
        const double flops =
            2.0 * (2.0 * w.H * w.D) * t.stages * w.steps * w.B * (adjoint ? 4 : 1);
        const double mo = median(odecTimes), mc = median(cppTimes), me = median(eigenTimes);
        const int64_t rss = peakRss();
        std::printf("%-3s %-6s %-8s %10.4f %10.4f %10.4f %6.2f %6.2f %8.2f %8.2f %8.2f %5d %8.2f "
                    "%8.1f\n",
                    w.name, t.name, adjoint ? "fwd+adj" : "forward", mo * 1e3, mc * 1e3, me * 1e3,
                    me / mo, me / mc, flops / mo / 1e9, flops / mc / 1e9, flops / me / 1e9,
                    jitOptions.vectorWidth, jit * 1e3, double(rss) / (1 << 20));
        std::fflush(stdout);
        rows.push_back({{"level", level},
                        {"workload", w.name},
                        {"tableau", t.name},
                        {"mode", adjoint ? "adjoint" : "forward"},
                        {"threads", 1},
                        {"repeats", kRepeats},
                        {"flops", flops},
                        {"odec_median_seconds", mo},
                        {"eigen_median_seconds", me},
                        {"speedup_vs_eigen", me / mo},
                        {"odec_gflops", flops / mo / 1e9},
                        {"eigen_gflops", flops / me / 1e9},
                        {"odec_jit_seconds", jit},
                        {"max_relative_difference", diff},
                        {"peak_rss_bytes", rss},
                        {"lanes", jitOptions.vectorWidth},
                        {"cpp_median_seconds", mc},
                        {"cpp_speedup_vs_eigen", me / mc},
                        {"cpp_gflops", flops / mc / 1e9},
                        {"cpp_max_relative_difference", cppDiff}});
      }
    }
  }
  return rows;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_mlp WORKLOADS.node [results.json] [LEVEL...]\n";
    return 2;
  }
  odec::Program program = odec::Program::fromFile(argv[1]);
  const std::shared_ptr<odec::Compilation> compilation = odec::Compilation::fromFile(argv[1]);
  const std::map<std::string, std::string> modules = levelModules();
  std::vector<std::string> levels(argv + std::min(argc, 3), argv + argc);
  if (levels.empty())
    for (const auto &[level, path] : modules)
      levels.push_back(level);
  const odec::jit::Target &host = odec::jit::resolveTarget("host");
  std::printf("host: %s\n", host.describe().c_str());
  nlohmann::ordered_json results = {{"host_cpu", host.cpu}, {"levels", nlohmann::ordered_json::object()}};
  bool agreed = true;
  for (const std::string &level : levels) {
    if (!modules.count(level)) {
      std::cerr << "bench_mlp: no module for level '" << level << "'\n";
      return 2;
    }
    const odec::jit::Target &target = odec::jit::resolveTarget(level);
    if (!target.runsHere()) {
      std::printf("\n== %s: skipped, this machine cannot run it ==\n", level.c_str());
      continue;
    }
    const bench::LevelCode &code = *loadLevel(modules.at(level));
    std::printf("\n== %s: %s; reference tanh %s ==\n", level.c_str(), target.describe().c_str(),
                code.tanhFunction);
    results["levels"][level] = {{"reference_tanh", code.tanhFunction},
                                {"rows", runLevel(level, code, program, *compilation, agreed)}};
  }
  if (argc > 2)
    std::ofstream(argv[2]) << results.dump(2) << "\n";
  return agreed ? 0 : 1;
}
