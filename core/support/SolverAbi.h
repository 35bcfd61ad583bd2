// The ABI of the compiled gradients, spelled once: the loss gradient's arguments as a struct
// (what C++ passes around), the C function types that compiled code exports (what the JIT, the
// in-process Clang path and `odec build`'s objects define), and their parameter lists, from
// which the LLVM emitter and the C adapter's text are generated.
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <type_traits>

namespace odec {

/// One call of a loss gradient. Forward solve of `steps` steps of size h from x0 (batch x D,
/// row-major) into traj (batch x (steps+1) x D, traj[b][0] = x0[b]); then the loss
/// L = Σ_t w_t Σ_{b,d} (x_{b,s_t,d} − y_{b,t,d})² over T = numTargets target steps s_t
/// (targetSteps, sorted ascending, 0 ≤ s_t ≤ steps, duplicates allowed) with weights w_t
/// (targetWeights) and targets y (batch x T x D), and its exact gradient: gradParams (P values)
/// and gradX0 (batch x D), both overwritten. targetSteps and targetWeights are unread when
/// T = 0. All buffers are distinct. The mean-squared error is w_t = 1/(T·batch·D) for every t.
/// exo: the exogenous values of a non-autonomous model at every stage (null for an autonomous
/// one): batch x steps x s x E row-major (s = the tableau's stages, E = ModelIR::exoDim(): the
/// time, then the inputs), exo[((b·steps + n)·s + i)·E + e] read by stage i of step n.
struct LossGradArgs {
  const double *params = nullptr;
  const double *x0 = nullptr;
  int64_t batch = 0;
  int64_t steps = 0;
  double h = 0;
  int64_t numTargets = 0;
  const int64_t *targetSteps = nullptr;
  const double *targetWeights = nullptr;
  const double *targets = nullptr;
  double *traj = nullptr;
  double *gradParams = nullptr;
  double *gradX0 = nullptr;
  const double *exo = nullptr;
};

/// The exported C function of compiled code: LossGradArgs's fields in order; returns L.
using LossGradFn = double (*)(const double *params, const double *x0, int64_t batch,
                              int64_t steps, double h, int64_t numTargets,
                              const int64_t *targetSteps, const double *targetWeights,
                              const double *targets, double *traj, double *gradParams,
                              double *gradX0, const double *exo);

/// Calls anything with LossGradFn's parameter list (a compiled function, a hand-written
/// reference) with one call's arguments; or without exo (the host API's odec::LossGradient of
/// an autonomous model), which then must be null.
template <class Fn> double call(const Fn &fn, const LossGradArgs &a) {
  if constexpr (std::is_invocable_v<const Fn &, const double *, const double *, int64_t, int64_t,
                                    double, int64_t, const int64_t *, const double *,
                                    const double *, double *, double *, double *,
                                    const double *>) {
    return fn(a.params, a.x0, a.batch, a.steps, a.h, a.numTargets, a.targetSteps,
              a.targetWeights, a.targets, a.traj, a.gradParams, a.gradX0, a.exo);
  } else {
    if (a.exo)
      throw std::invalid_argument("exogenous values passed to a loss gradient without them");
    return fn(a.params, a.x0, a.batch, a.steps, a.h, a.numTargets, a.targetSteps,
              a.targetWeights, a.targets, a.traj, a.gradParams, a.gradX0);
  }
}

/// Forward solve into traj (B x (N+1) x D, as in LossGradArgs), then the gradient of
/// L = Σ_{b,n,d} c_{b,n,d} x_{b,n,d} for a given cotangent c of every step state (B x (N+1) x D,
/// the traj layout) by the same discrete adjoint: gradParams = (∂traj/∂θ)ᵀ c (P values) and
/// gradX0 = (∂traj/∂x0)ᵀ c (B x D), both overwritten. The MSE loss gradient is this with
/// c_{b,s_t} = 2 w_t (x_{b,s_t} − y_{b,t}) (summed over the targets at each step).
/// mode (VjpMode) says which part of that one call does; exo as in LossGradArgs; tape: see
/// VjpMode (null in the first two modes).
using VjpFn = void (*)(const double *params, const double *x0, int64_t batch, int64_t steps,
                       double h, const double *cotangent, double *traj, double *gradParams,
                       double *gradX0, int64_t mode, const double *exo, double *tape);

/// What one VjpFn call does.
enum VjpMode : int64_t {
  kVjpSolve = 0,          // the forward solve into traj, then the reverse sweep
  kVjpFromTrajectory = 1, // traj holds the forward solve (the forward solver's of the same model,
                          // tableau and options): the reverse sweep alone, recomputing stages
  // A forward pass and its backward pass in two calls, with what the reverse sweep reads of
  // the last steps kept in between: kVjpTapeForward solves into traj and keeps those values in
  // `tape` (the code's tape bytes per chunk of W trajectories, times the chunks; 64-byte
  // aligned; null keeps nothing); cotangent, gradParams and gradX0 are not used. Then
  // kVjpFromTape, with the same arguments and that traj and tape, is kVjpFromTrajectory that
  // recomputes only the steps the tape does not hold. Code without a tape (0 bytes) treats the
  // two as a forward solve and kVjpFromTrajectory.
  kVjpTapeForward = 2,
  kVjpFromTape = 3,
  // kVjpFromTrajectory for a loss that also reads values inside the steps (an adaptive solve's
  // dense output x_n + Σ_i w_i(θ) h K_i): after its B x (N+1) x D state cotangents, cotangent
  // holds B x N x s x D more, those of h K_i, stage i's increment in step n (s: the tableau's
  // stages). A stage the solver never computes (not SolverPlan::live) must have a zero one:
  // it is not read.
  kVjpFromTrajectoryWithStages = 4,
};

/// The C type of one parameter of LossGradFn or VjpFn.
enum class AbiType { RealIn, RealOut, Int64, Real, Int64In };

struct AbiParam {
  const char *name;
  AbiType type;
};

/// LossGradFn's parameters, in order (emitters build the signature from this list).
inline constexpr std::array<AbiParam, 13> kLossGradParams = {{
    {"params", AbiType::RealIn},
    {"x0", AbiType::RealIn},
    {"batch", AbiType::Int64},
    {"steps", AbiType::Int64},
    {"h", AbiType::Real},
    {"numTargets", AbiType::Int64},
    {"targetSteps", AbiType::Int64In},
    {"targetWeights", AbiType::RealIn},
    {"targets", AbiType::RealIn},
    {"traj", AbiType::RealOut},
    {"gradParams", AbiType::RealOut},
    {"gradX0", AbiType::RealOut},
    {"exo", AbiType::RealIn},
}};

/// VjpFn's parameters, in order.
inline constexpr std::array<AbiParam, 12> kVjpParams = {{
    {"params", AbiType::RealIn},
    {"x0", AbiType::RealIn},
    {"batch", AbiType::Int64},
    {"steps", AbiType::Int64},
    {"h", AbiType::Real},
    {"cotangent", AbiType::RealIn},
    {"traj", AbiType::RealOut},
    {"gradParams", AbiType::RealOut},
    {"gradX0", AbiType::RealOut},
    {"mode", AbiType::Int64},
    {"exo", AbiType::RealIn},
    {"tape", AbiType::RealOut},
}};

/// The C++ spelling of a parameter's type, ready to be followed by its name.
inline const char *cType(AbiType t) {
  switch (t) {
  case AbiType::RealIn:
    return "const double *";
  case AbiType::RealOut:
    return "double *";
  case AbiType::Int64:
    return "std::int64_t ";
  case AbiType::Real:
    return "double ";
  case AbiType::Int64In:
    return "const std::int64_t *";
  }
  return "";
}

} // namespace odec
