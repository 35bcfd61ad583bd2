// The bench suite's contenders compiled for one x86-64 level: the hand-written Eigen + SLEEF
// reference and the C++ that `odec emit-cpp` writes, built with -march=<level> into a module of
// their own (bench/CMakeLists.txt: bench_level_<level>.so, hidden visibility) that bench_mlp
// loads only on a machine that runs the level. A module of their own, because the same inline
// functions (Eigen's, the emitted headers') compiled for several levels in one program would be
// merged by the linker into one copy, which might be the AVX-512 one on an AVX2 machine. Only
// plain pointers and C types cross this interface: Eigen's alignment differs between levels.
#pragma once

#include "EmittedSolvers.h"

#include <cstdint>

namespace bench {

struct LevelTableau {
  const char *name;
  int stages;
  const double *A, *b; // row-major s x s, and s weights
};

struct LevelCode {
  const char *level;        // the -march it was compiled with, e.g. "x86-64-v3"
  const char *tanhFunction; // the SLEEF tanh the reference uses at that level
  /// The reference's forward solve: x (D x B, column-major; odec's B x D row-major x0) advanced
  /// in place by `steps` steps of size h, for odec's flat MLP parameters (W1, b1, W2, b2).
  void (*forward)(const double *params, int D, int H, const LevelTableau &t, double *x, int B,
                  int steps, double h);
  /// The reference's gradient of sum(x_N.^2) from x0 (D x B): gradParams in odec's flat layout,
  /// gradX0 D x B. Returns the loss.
  double (*lossGradient)(const double *params, int D, int H, const LevelTableau &t,
                         const double *x0, int B, int steps, double h, double *gradParams,
                         double *gradX0);
  /// The emitted C++ for a workload and tableau (nullptr when the build generated none).
  const EmittedSolver *(*emitted)(const char *model, const char *tableau);
};

} // namespace bench

/// The module's one exported symbol.
extern "C" const bench::LevelCode *odec_bench_level();
