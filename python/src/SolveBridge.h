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
  /// The doubles of the tape the forward pass of a solve of this size keeps for its backward
  /// pass (Vjp::forwardWithTape: each stage's state and the field values its VJP reads), or 0
  /// when it keeps none (an implicit tableau, a solve longer than the tape holds, a tape too
  /// large to hold between the passes).
  int64_t (*tapeDoubles)(const OdecSolver *, int64_t batch, int64_t steps);
  /// traj (batch, steps+1, D); tape: tapeDoubles' buffer (64-byte aligned), or nullptr.
  const char *(*forward)(const OdecSolver *, const double *params, const double *x0, int64_t batch,
                         int64_t steps, double h, double *traj, double *tape);
  /// The gradients of <cotangent, traj> for params (P) and x0 (batch, D), from traj and the
  /// tape forward kept with it (nullptr: each step's stages recomputed from its start in traj).
  const char *(*vjp)(const OdecSolver *, const double *params, const double *x0, int64_t batch,
                     int64_t steps, double h, const double *cotangent, const double *traj,
                     const double *tape, double *gradParams, double *gradX0);
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
