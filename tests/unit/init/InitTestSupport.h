// Independent references for checking initializations: the state Jacobian by central finite
// differences of the IR interpreter (not the JIT-compiled callback the library uses), the
// exact Jacobian of a one-hidden-layer tanh network written out by hand, and stability
// functions of Euler and RK4 as their polynomials (not tableau/StabilityFunction.h).
#pragma once

#include "driver/Compilation.h"
#include "ir/Interpreter.h"
#include "lower/LowerModel.h"
#include "odec/odec.h"

#include <Eigen/Dense>
#include <algorithm>
#include <complex>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace odec::inittest {

using Complex = std::complex<double>;

/// R(z) of forward Euler (p = 1) and of the explicit p-stage methods of order p ≤ 4.
inline double absR(int order, Complex z) {
  Complex term = 1, sum = 1;
  for (int k = 1; k <= order; ++k) {
    term *= z / double(k);
    sum += term;
  }
  return std::abs(sum);
}

/// A model compiled separately from the one under test, evaluated by the IR interpreter.
class InterpretedModel {
public:
  InterpretedModel(const std::string &source, const std::string &model) {
    comp_ = Compilation::fromText("<test>", source);
    if (!comp_->ok)
      throw std::runtime_error(comp_->diags.formatAll());
    ir_ = lowerModel(comp_->model(model));
  }

  /// ∂f/∂x by central differences, step 1e-6 (error ~1e-9 relative for these smooth fields).
  Eigen::MatrixXd jacobian(const std::vector<double> &params, const std::vector<double> &x) const {
    const int D = int(x.size());
    Eigen::MatrixXd J(D, D);
    for (int j = 0; j < D; ++j) {
      const double d = 1e-6 * std::max(1.0, std::abs(x[size_t(j)]));
      std::vector<double> xp = x, xm = x;
      xp[size_t(j)] += d;
      xm[size_t(j)] -= d;
      std::vector<double> fp = field(params, xp), fm = field(params, xm);
      for (int i = 0; i < D; ++i)
        J(i, j) = (fp[size_t(i)] - fm[size_t(i)]) / (2 * d);
    }
    return J;
  }

  std::vector<double> field(const std::vector<double> &params, const std::vector<double> &x) const {
    std::vector<std::vector<double>> inputs;
    for (const auto &s : ir_.states)
      inputs.emplace_back(x.begin() + s.offset, x.begin() + s.offset + s.shape.size());
    for (const auto &p : ir_.params)
      inputs.emplace_back(params.begin() + p.offset, params.begin() + p.offset + p.shape.size());
    std::vector<double> f;
    for (const std::vector<double> &v : ir::evaluate(ir_.field(), inputs))
      f.insert(f.end(), v.begin(), v.end());
    return f;
  }

private:
  std::shared_ptr<Compilation> comp_;
  ir::ModelIR ir_;
};

/// Eigenvalues of a real matrix.
inline std::vector<Complex> eigenvaluesOf(const Eigen::MatrixXd &J) {
  Eigen::VectorXcd ev = Eigen::EigenSolver<Eigen::MatrixXd>(J).eigenvalues();
  return std::vector<Complex>(ev.data(), ev.data() + ev.size());
}

/// Worst relative distance from each target to its nearest unused eigenvalue.
inline double worstMiss(const std::vector<Complex> &targets, std::vector<Complex> ev) {
  EXPECT_EQ(ev.size(), targets.size());
  double worst = 0;
  for (Complex t : targets) {
    auto it = std::min_element(ev.begin(), ev.end(), [t](Complex a, Complex b) {
      return std::abs(a - t) < std::abs(b - t);
    });
    if (it == ev.end())
      return 1e300;
    worst = std::max(worst, std::abs(*it - t) / std::abs(t));
    ev.erase(it);
  }
  return worst;
}

/// Re-checks an accepted initialization independently at each point: the finite-difference
/// Jacobian's eigenvalues λ have |R(hλ)| ≤ margin (to the differences' accuracy).
inline void expectStable(const InterpretedModel &ref, const InitResult &r, int order,
                         const std::vector<std::vector<double>> &points) {
  ASSERT_EQ(r.eigenvalues.size(), points.size());
  double worst = 0;
  for (const std::vector<double> &x : points)
    for (Complex l : eigenvaluesOf(ref.jacobian(r.params, x)))
      worst = std::max(worst, absR(order, r.step * l));
  EXPECT_LE(worst, r.margin + 1e-6);
  EXPECT_NEAR(worst, r.maxAbsR, 1e-6); // the library reports what it found
  EXPECT_LE(r.maxAbsR, r.margin);
}

/// `ddt(x) = W2 * tanh.(W1 * x .+ b1) .+ b2 [.- c .* x]`: ∂f/∂x = W2 diag(1 − tanh²(W1 x + b1)) W1
/// − cI, with the parameters W1 (H×D), b1 (H), W2 (D×H), b2 (D) first in the flat vector.
inline Eigen::MatrixXd mlpJacobian(const std::vector<double> &theta, int D, int H,
                                   const std::vector<double> &x, double c = 0) {
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const RowMajor> W1(theta.data(), H, D);
  Eigen::Map<const Eigen::VectorXd> b1(theta.data() + H * D, H);
  Eigen::Map<const RowMajor> W2(theta.data() + H * D + H, D, H);
  Eigen::Map<const Eigen::VectorXd> xv(x.data(), D);
  Eigen::VectorXd slope = (W1 * xv + b1).array().tanh().square().matrix();
  slope = Eigen::VectorXd::Ones(H) - slope;
  return W2 * slope.asDiagonal() * W1 - c * Eigen::MatrixXd::Identity(D, D);
}

} // namespace odec::inittest
