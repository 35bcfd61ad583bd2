// Compile time against model size (issue 22: it was quadratic). Two chains of n let-bindings,
// `a_i = tanh(a_{i-1})` and `a_i = tanh(a_{i-1}) + 0.5 * x[1]` (each binding also reads the
// state, so every derivative fans out), timed through parse + check + lower
// (Program::fromString, model()) and `odec emit-cpp` (Model::cppHeader), and, with --jit,
// the LLVM simulator and loss gradient (forward + discrete adjoint) up to --jit-max bindings,
// each compiled for one trajectory and for a chunk of 8 (what `odec simulate --x0`, `odec grad`
// and batched training compile), and the simulator through the emitted C++ and in-process
// Clang (`odec jit --via cpp`, one trajectory). A near-linear curve keeps the time per binding
// flat.
//
//   bench_compile_time [--max N] [--jit] [--jit-max N]
#include "odec/odec.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

std::string chain(int n, bool readsState) {
  std::string s = "model Chain\n    state x::Vector{2}\n    a0 = x[1]\n";
  for (int i = 1; i <= n; ++i)
    s += "    a" + std::to_string(i) + " = tanh(a" + std::to_string(i - 1) + ")" +
         (readsState ? " + 0.5 * x[1]" : "") + "\n";
  return s + "    ddt(x) = [a" + std::to_string(n) + ", -x[2]]\nend\n";
}

template <class F> double seconds(F &&f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

int main(int argc, char **argv) {
  int maxBindings = 16000, jitMax = 1000;
  bool jit = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--max") && i + 1 < argc)
      maxBindings = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--jit-max") && i + 1 < argc)
      jitMax = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--jit"))
      jit = true;
    else {
      std::fprintf(stderr, "usage: %s [--max N] [--jit] [--jit-max N]\n", argv[0]);
      return 2;
    }
  }
  std::printf("%-12s %9s %12s %12s %14s %12s %12s %14s %12s\n", "chain", "bindings",
              "front end s", "emit-cpp s", "emit µs/bind", "jit RK4 s", "jit grad s", "jit ms/bind",
              "via C++ s");
  for (bool readsState : {false, true})
    for (int n = 1000; n <= maxBindings; n *= 2) {
      const std::string text = chain(n, readsState);
      odec::Model model = odec::Program::fromString(text).model();
      const double front = seconds([&] { model = odec::Program::fromString(text).model(); });
      const double emit = seconds([&] { (void)model.cppHeader("RK4"); });
      std::printf("%-12s %9d %12.3f %12.3f %14.1f", readsState ? "reads x" : "plain", n, front,
                  emit, 1e6 * emit / n);
      if (jit && n <= jitMax) {
        // One module per call: the batch is given up front (caching off: the point is the
        // compile). Batch 1 compiles the one-lane code, batch 8 a chunk of lanes.
        auto compileAndRun = [&](bool gradient) {
          return seconds([&] {
            for (int batch : {1, 8}) {
              odec::CompileOptions options;
              options.cache = false;
              options.batch = batch;
              const std::vector<double> x0(size_t(2 * batch), 0.1);
              if (gradient)
                (void)model.lossGradient("RK4", odec::Adjoint::Discrete, options)
                    .meanSquaredError({}, x0, batch, 1, 0.1, {1}, x0);
              else
                (void)model.simulator("RK4", options).simulate({}, x0, batch, 1, 0.1);
            }
          });
        };
        const double sim = compileAndRun(false), grad = compileAndRun(true);
        const double viaCpp = seconds([&] {
          (void)model.simulator("RK4", odec::CodePath::Cpp).simulate({}, {0.1, 0.1}, 1, 1, 0.1);
        });
        std::printf(" %12.3f %12.3f %14.2f %12.3f", sim, grad, 1e3 * (sim + grad) / n, viaCpp);
      }
      std::printf("\n");
      std::fflush(stdout);
    }
  return 0;
}
