// The hand-written reference the performance issue compares odec against: the MLP field
// f(x) = W2·tanh.(W1·x .+ b1) .+ b2 integrated by an explicit RK method with the batch as matrix
// columns (Eigen products), tanh vectorized by SLEEF (Eigen's double tanh is scalar), and the
// discrete adjoint of L = sum(x_N.^2) written out by hand: step states stored, stage values
// recomputed per step, as a competent engineer would write it.
#pragma once

#include <Eigen/Dense>

#include <vector>

namespace bench {

/// An explicit Butcher tableau (A strictly lower triangular, row-major s x s).
struct Tableau {
  const char *name;
  int stages;
  std::vector<double> A, b;
};

/// The MLP's parameters (column-major copies of odec's row-major flat layout).
struct Mlp {
  Eigen::MatrixXd W1, W2;
  Eigen::VectorXd b1, b2;
  /// From odec's flat parameter vector, W1 (H x D), b1, W2 (D x H), b2 in that order.
  Mlp(const double *flat, int D, int H);
};

/// The SLEEF function that computes tanh here (the widest of the level compiled for).
const char *tanhFunction();

/// Forward solve: x (D x B) advanced in place by `steps` steps of size h.
void forward(const Mlp &m, const Tableau &t, Eigen::MatrixXd &x, int steps, double h);

/// Forward solve from x0 (D x B), then the gradient of sum(x_N.^2): gradient w.r.t. the
/// parameters in odec's flat layout (returned) and w.r.t. x0 (gradX0, D x B). Returns the loss.
double lossGradient(const Mlp &m, const Tableau &t, const Eigen::MatrixXd &x0, int steps, double h,
                    std::vector<double> &gradParams, Eigen::MatrixXd &gradX0);

} // namespace bench
