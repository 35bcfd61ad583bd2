// The performance issue's suite: workloads W1–W3 (bench/workloads.node) for Euler, RK4 and the
// 3/8 rule, forward and forward + discrete adjoint of L = sum(x_N.^2), one thread. Contenders in
// the same run: odec's JIT (through the host API) and the hand-written Eigen + SLEEF reference
// (EigenReference.h). Each contender's results are checked to agree (relative 1e-9) before
// timing; the timed runs interleave the contenders, 7 repeats each after a warm-up, medians.
//
// FLOPs (stated): 2 per weight-matrix element per trajectory per field evaluation,
// 2·(2·H·D)·s·N·B forward; forward + adjoint counts 4× (stages recomputed, two products per
// weight in the reverse sweep). Peak RSS is the process's, read after each row (ru_maxrss).
//
// Usage: bench_mlp WORKLOADS.node [results.json]   (or `make bench` from the build directory)
#include "EigenReference.h"
#include "odec/odec.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

namespace {

struct Workload {
  const char *name;
  int D, H, B, steps;
  double h;
};

const Workload kWorkloads[] = {
    {"W1", 2, 64, 256, 100, 0.05}, {"W2", 32, 128, 128, 100, 0.05}, {"W3", 2, 16, 1, 1000, 0.01}};

const bench::Tableau kTableaux[] = {
    {"Euler", 1, {0}, {1}},
    {"RK4", 4, {0, 0, 0, 0, 0.5, 0, 0, 0, 0, 0.5, 0, 0, 0, 0, 1, 0}, {1 / 6., 1 / 3., 1 / 3., 1 / 6.}},
    {"RK38",
     4,
     {0, 0, 0, 0, 1 / 3., 0, 0, 0, -1 / 3., 1, 0, 0, 1, -1, 1, 0},
     {1 / 8., 3 / 8., 3 / 8., 1 / 8.}}};

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

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_mlp WORKLOADS.node [results.json]\n";
    return 2;
  }
  odec::Program program = odec::Program::fromFile(argv[1]);
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  std::printf("%-3s %-6s %-8s %12s %12s %8s %9s %9s %10s %10s\n", "W", "tab", "mode", "odec ms",
              "eigen ms", "ratio", "odec GF/s", "eigen GF/s", "jit ms", "RSS MiB");
  for (const Workload &w : kWorkloads) {
    odec::Model model = program.model(w.name);
    std::vector<double> params = model.sampleParams(1);
    std::vector<double> x0(size_t(w.B * w.D));
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> uniform(-1, 1);
    for (double &v : x0)
      v = uniform(rng);
    bench::Mlp mlp(params.data(), w.D, w.H);
    // odec's x0 is B x D row-major: the same memory as Eigen's D x B column-major.
    const Eigen::MatrixXd X0 = Eigen::Map<const Eigen::MatrixXd>(x0.data(), w.D, w.B);
    const size_t trajSize = size_t(w.B) * (w.steps + 1) * w.D;
    for (const bench::Tableau &t : kTableaux) {
      for (bool adjoint : {false, true}) {
        double t0 = now();
        odec::Simulator sim = model.simulator(t.name);
        std::optional<odec::LossGradient> lg;
        if (adjoint)
          lg = model.lossGradient(t.name);
        const double jit = now() - t0;
        std::vector<double> traj(trajSize), gP(params.size()), gX(x0.size()), zeros(x0.size(), 0.0),
            refGP;
        Eigen::MatrixXd X, refGX;
        const int64_t last = w.steps;
        const double one = 1;
        std::function<void()> runOdec, runEigen;
        if (!adjoint) {
          runOdec = [&] { sim.simulate(params.data(), x0.data(), traj.data(), w.B, w.steps, w.h); };
          runEigen = [&] {
            X = X0;
            bench::forward(mlp, t, X, w.steps, w.h);
          };
        } else {
          runOdec = [&] {
            (*lg)(params.data(), x0.data(), w.B, w.steps, w.h, 1, &last, &one, zeros.data(),
                  traj.data(), gP.data(), gX.data());
          };
          runEigen = [&] { bench::lossGradient(mlp, t, X0, w.steps, w.h, refGP, refGX); };
        }
        runOdec();
        runEigen();
        // Agreement: final states (forward) or every gradient (adjoint).
        double diff = 0;
        if (!adjoint) {
          std::vector<double> finals;
          for (int b = 0; b < w.B; ++b)
            for (int d = 0; d < w.D; ++d)
              finals.push_back(traj[(size_t(b) * (w.steps + 1) + w.steps) * w.D + d]);
          diff = maxRelativeDifference(finals.data(), X.data(), finals.size());
        } else {
          diff = std::max(maxRelativeDifference(gP.data(), refGP.data(), gP.size()),
                          maxRelativeDifference(gX.data(), refGX.data(), gX.size()));
        }
        if (!(diff <= 1e-9)) {
          std::fprintf(stderr, "%s %s %s: odec and Eigen disagree (max relative difference %g)\n",
                       w.name, t.name, adjoint ? "adjoint" : "forward", diff);
          return 1;
        }
        std::vector<double> odecTimes, eigenTimes;
        for (int r = 0; r < kRepeats; ++r) {
          double s = now();
          runOdec();
          odecTimes.push_back(now() - s);
          s = now();
          runEigen();
          eigenTimes.push_back(now() - s);
        }
        const double flops =
            2.0 * (2.0 * w.H * w.D) * t.stages * w.steps * w.B * (adjoint ? 4 : 1);
        const double mo = median(odecTimes), me = median(eigenTimes);
        const int64_t rss = peakRss();
        std::printf("%-3s %-6s %-8s %12.4f %12.4f %8.2f %9.2f %9.2f %10.2f %10.1f\n", w.name,
                    t.name, adjoint ? "fwd+adj" : "forward", mo * 1e3, me * 1e3, me / mo,
                    flops / mo / 1e9, flops / me / 1e9, jit * 1e3, double(rss) / (1 << 20));
        std::fflush(stdout);
        rows.push_back({{"workload", w.name},
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
                        {"peak_rss_bytes", rss}});
      }
    }
  }
  if (argc > 2)
    std::ofstream(argv[2]) << rows.dump(2) << "\n";
  return 0;
}
