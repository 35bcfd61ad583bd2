// The fused solve and its vector–Jacobian product as odec._core lends them to odec._torch, the
// PyTorch extension that runs them as a C++ autograd Function. _core links odec's static
// libraries and no torch (the NumPy API imports without it); _torch links libtorch and not
// odec (a second copy of the JIT and its caches in one process). So they meet here: a
// reference-counted solver with C function pointers on raw float64 buffers, handed over in a
// capsule named kOdecSolverCapsule. Neither module sees the other's C++ types, and nothing
// here needs the GIL: the autograd engine runs the backward pass without it.
#pragma once

#include <cstdint>

extern "C" {

struct OdecSolver;

/// What a solver does. The calls that can fail return nullptr, or what failed (valid until
/// the calling thread's next call).
struct OdecSolverOps {
  int version; // kOdecSolverOpsVersion of the _core that made it
  void (*retain)(const OdecSolver *);
  void (*release)(const OdecSolver *);
  /// traj (batch, steps+1, D).
  const char *(*forward)(const OdecSolver *, const double *params, const double *x0, int64_t batch,
                         int64_t steps, double h, double *traj);
  /// The gradients of <cotangent, traj> for params (P) and x0 (batch, D), from traj (forward's):
  /// the reverse sweep, recomputing each step's stages from its start in traj.
  const char *(*vjp)(const OdecSolver *, const double *params, const double *x0, int64_t batch,
                     int64_t steps, double h, const double *cotangent, const double *traj,
                     double *gradParams, double *gradX0);
};

/// A model's compiled forward solver and VJP for one tableau and precision (float code reads
/// and writes float64 buffers too), with a driven model's drive (t0, inputs) for its solves.
struct OdecSolver {
  const OdecSolverOps *ops;
  int64_t stateDim, paramCount;
};

} // extern "C"

inline constexpr int kOdecSolverOpsVersion = 1;
inline constexpr const char *kOdecSolverCapsule = "odec._core.Solver";
