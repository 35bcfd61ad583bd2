// Runge–Kutta solvers for any tableau, implicit ones included, and the exact gradient of
// their discrete solve, over the callbacks of a PointField.
//
// Forward step (NewtonStages.h solves the stage equations): from x_n with stages
// Y_i = x_n + Z_i, k_i = f(Y_i), the step is x_{n+1} = x_n + h Σ_i b_i k_i — the k-form for
// every tableau (no special Z-based update for stiffly accurate ones), so one adjoint fits
// all. Newton starts from the previous step's increments (zeros at the first step).
//
// Adjoint (the implicit function theorem on the stage equations k_i = f(x + h Σ_j a_ij k_j)):
// given x̄_{n+1} = ∂L/∂x_{n+1}, solve the sD×sD linear system
//
//   μ_i − h Σ_j a_ji J(Y_j)ᵀ μ_j = h b_i x̄_{n+1}        (i = 1..s)
//
// (the transposed Jacobian of the stage equations in k, with the step's cotangent on each
// k_i), then x̄_n = x̄_{n+1} + Σ_j J(Y_j)ᵀ μ_j (+ ∂L/∂x_n), θ̄ += Σ_j (∂f/∂θ(Y_j))ᵀ μ_j, the
// two products taken by PointField::vjp. The stages of step n are recomputed by Newton from
// the stored x_n during the reverse sweep, never stored. The result is the exact gradient of
// the discrete map with converged stages, i.e. what finite differences of the solve approach.
#pragma once

#include "solve/NewtonStages.h"
#include "support/SolverAbi.h"
#include "solve/PointField.h"
#include "tableau/ButcherTableau.h"

#include <functional>
#include <stdexcept>
#include <string>

namespace odec {

/// Newton's method failed on one step. what():
///   "Newton's method did not converge at step 3 of trajectory 1 (tableau RadauIIA5, 20
///    iterations, residual 4.1e+02); reduce the step h"
/// or "... produced non-finite values at step 3 ...". Steps and trajectories count from 1:
/// step n is the step from x_{n−1} to x_n.
class NewtonFailure : public std::runtime_error {
public:
  NewtonFailure(const std::string &tableau, int64_t step, int64_t trajectory,
                const StageSolve &solve);
  int64_t step, trajectory;
  double residual;
};

class ImplicitRungeKutta {
public:
  /// The field's callbacks must stay callable from several threads if this object is used
  /// from several threads; the object itself keeps no mutable state.
  ImplicitRungeKutta(PointField field, ButcherTableau tableau, NewtonTolerances tolerances = {});

  /// The simulate contract of jit::SimulateFn: out is batch x (steps+1) x D, out[b][0] = x0[b].
  /// Throws NewtonFailure.
  NewtonStats simulate(const double *params, const double *x0, double *out, int64_t batch,
                       int64_t steps, double h) const;

  /// The LossGradArgs contract (support/SolverAbi.h), the gradient by the adjoint above.
  /// Returns L. Newton statistics (forward and recomputation) are added to *stats when given.
  double lossGradient(const LossGradArgs &args, NewtonStats *stats = nullptr) const;
  /// The contract of jit::VjpFn: forward solve into traj (unless trajGiven: traj holds it),
  /// then gradParams = (∂traj/∂θ)ᵀ c and gradX0 = (∂traj/∂x0)ᵀ c for the cotangent c
  /// (batch x (steps+1) x D) by the same adjoint.
  void vjp(const double *params, const double *x0, int64_t batch, int64_t steps, double h,
           const double *cotangent, double *traj, double *gradParams, double *gradX0,
           NewtonStats *stats = nullptr, bool trajGiven = false) const;

  const ButcherTableau &tableau() const { return tableau_; }
  const PointField &field() const { return field_; }

private:
  /// Adds ∂L/∂x_n of trajectory b to xBar (D values); called for n = steps, steps−1, …, 0 with
  /// traj's rows of b up to date.
  using Seed = std::function<void(int64_t b, int64_t n, double *xBar)>;
  /// The forward solve and reverse sweep of lossGradient and vjp, seeded by `seed`.
  void adjoint(const double *params, const double *x0, int64_t batch, int64_t steps, double h,
               const Seed &seed, double *traj, double *gradParams, double *gradX0,
               NewtonStats *stats, bool trajGiven = false) const;

  // One trajectory forward from x0 into out ((steps+1) x D).
  void forward(NewtonStages &stages, const double *params, const double *x0, double *out,
               int64_t steps, double h, int64_t trajectory, NewtonStats &stats) const;

  PointField field_;
  ButcherTableau tableau_;
  NewtonTolerances tolerances_;
};

} // namespace odec
