// The stage equations of one step of a Runge–Kutta method with a full (implicit) matrix A,
// solved by Newton's method with the exact Jacobian.
//
// For the step from x with size h the unknowns are the stage increments Z_i = Y_i − x
// (i = 1..s, each of length D), which satisfy
//
//   G_i(Z) = Z_i − h Σ_j a_ij f(x + Z_j) = 0.
//
// Each Newton iteration evaluates f and J = ∂f/∂x at every stage point x + Z_j, and solves
// the sD×sD system with blocks M_ij = δ_ij I − h a_ij J(x + Z_j) for ΔZ = −M⁻¹ G(Z) by dense
// LU with partial pivoting (Eigen); the Jacobian is re-evaluated every iteration, so the
// convergence is quadratic near the solution. Increments rather than stage values are the
// unknowns because they are O(h): their tolerance is not swamped by the size of x.
//
// A diagonally implicit tableau (SolverPlan::Kind::DiagonallyImplicit: A lower triangular) is
// solved stage by stage instead: stage i depends only on the stages before it, so each Newton
// iteration solves the D×D system (I − h a_ii J(x + Z_i)) ΔZ_i = −G_i, s times cheaper in the
// linear algebra than the coupled system; a stage with a_ii = 0 is explicit (no iteration).
// The tolerance below then applies per stage, to ΔZ_i and Z_i.
//
// Convergence (NewtonTolerances): the iteration stops after the update that satisfies
// ‖ΔZ‖∞ ≤ atol + rtol·‖Z‖∞; or, once ‖ΔZ‖∞ is within kRoundoffFactor of that bound, when
// an update fails to halve the previous one — the iteration has reached round-off and further
// steps only shuffle the last bits. Anything else after maxIterations updates, or a non-finite
// value, is a failure (the caller names the step: ImplicitRungeKutta).
#pragma once

#include "solve/PointField.h"
#include "tableau/ButcherTableau.h"
#include "tableau/SolverPlan.h"

#include <Eigen/Dense>

namespace odec {

struct NewtonTolerances {
  double atol = 1e-12;
  double rtol = 1e-12;
  int maxIterations = 20;
  /// How far above the tolerance a non-contracting update still counts as round-off.
  static constexpr double kRoundoffFactor = 1e3;
};

/// Newton statistics over many stage solves.
struct NewtonStats {
  int64_t solves = 0;          // stage solves (one per step and trajectory)
  int64_t totalIterations = 0; // Newton updates over all solves
  int maxIterations = 0;       // the most updates one solve needed
  double maxResidual = 0;      // max over solves of ‖G(Z)‖∞ at the accepted Z

  void add(int iterations, double residual);
  void merge(const NewtonStats &other);
};

/// What one stage solve did.
struct StageSolve {
  bool converged = false; // false: no convergence in maxIterations, or non-finite values
  int iterations = 0;     // Newton updates made (over all stages, solved stage by stage)
  double residual = 0;    // ‖G(Z)‖∞ at the final Z (the last one evaluated on failure)
};

/// Solves the stage equations of one tableau for one field; holds the work buffers, so one
/// object serves one thread.
class NewtonStages {
public:
  NewtonStages(const PointField &field, const ButcherTableau &tableau,
               const NewtonTolerances &tolerances);

  /// Solves G(Z) = 0 at x with step h, starting from Z (s×D, row i = Z_i; the caller's guess)
  /// and leaving the solution there. On success K holds the stage derivatives
  /// k_i = f(x + Z_i) at the final Z (s×D), from which the step is x + h Σ b_i k_i.
  StageSolve solve(const double *params, const Eigen::VectorXd &x, double h, Eigen::MatrixXd &Z,
                   Eigen::MatrixXd &K);

  int stages() const { return s_; }
  const Eigen::MatrixXd &A() const { return A_; }
  const Eigen::VectorXd &b() const { return b_; }

private:
  StageSolve solveCoupled(const double *params, const Eigen::VectorXd &x, double h,
                          Eigen::MatrixXd &Z, Eigen::MatrixXd &K);
  StageSolve solveStageByStage(const double *params, const Eigen::VectorXd &x, double h,
                               Eigen::MatrixXd &Z, Eigen::MatrixXd &K);
  /// Whether an update of `update` ends the iteration on `z` (the tolerance, or round-off
  /// once updates stop halving).
  bool converged(double update, double previousUpdate, double zNorm) const;
  // K_i = f(x + Z_i) for every stage and G_ = Z − h A K stacked by stage; returns ‖G_‖∞.
  double evaluate(const double *params, const Eigen::VectorXd &x, double h,
                  const Eigen::MatrixXd &Z, Eigen::MatrixXd &K);

  const PointField &field_;
  NewtonTolerances tol_;
  int s_;
  int64_t D_;
  bool stageByStage_; // the plan's kind is DiagonallyImplicit
  Eigen::MatrixXd A_;
  Eigen::VectorXd b_;
  Eigen::VectorXd y_;      // a stage point x + Z_j
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> jac_; // J at y_
  Eigen::MatrixXd M_;      // the Newton matrix, sD×sD
  Eigen::VectorXd G_, dZ_; // residual and update, stacked by stage
};

} // namespace odec
