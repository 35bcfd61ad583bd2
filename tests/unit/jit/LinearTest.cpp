// The fused solvers on ddt(x) = A*x, against the tableau's stability function evaluated as a
// matrix function, and their observed convergence orders against exp(tA).
#include "JitTestSupport.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace odec;
using namespace odec::testing;

namespace {

/// R(Z) = I + (bᵀ ⊗ Z) (I − A_tab ⊗ Z)⁻¹ (1 ⊗ I): one RK step of x' = (Z/h) x, exactly.
Eigen::MatrixXd stabilityMatrix(const ButcherTableau &t, const Eigen::MatrixXd &Z) {
  const int s = t.stages, n = int(Z.rows());
  Eigen::MatrixXd M = Eigen::MatrixXd::Identity(s * n, s * n), ones(s * n, n), bZ(n, s * n);
  for (int i = 0; i < s; ++i) {
    ones.block(i * n, 0, n, n).setIdentity();
    bZ.block(0, i * n, n, n) = t.b[size_t(i)].value * Z;
    for (int j = 0; j < s; ++j)
      M.block(i * n, j * n, n, n) -= t.a(i, j) * Z;
  }
  return Eigen::MatrixXd::Identity(n, n) + bZ * M.partialPivLu().solve(ones);
}

Eigen::MatrixXd testMatrix() {
  Eigen::MatrixXd A(3, 3);
  A << -0.4, 1.3, 0.2, //
      -1.1, -0.3, 0.5, //
      0.3, -0.7, -0.9;
  return A;
}

std::vector<double> initialStates(int batch, int n) {
  std::vector<double> x0;
  for (int i = 0; i < batch * n; ++i)
    x0.push_back(std::sin(1.0 + 0.7 * i)); // distinct per trajectory
  return x0;
}

} // namespace

TEST(JitLinear, EveryExplicitTableauIsItsStabilityFunction) {
  const Eigen::MatrixXd A = testMatrix();
  const int n = 3, batch = 5, steps = 20;
  const double h = 0.05;
  const Eigen::Matrix<double, 3, 3, Eigen::RowMajor> Arow = A; // parameters are row-major
  const std::vector<double> rowMajor(Arow.data(), Arow.data() + 9);
  const std::vector<double> x0 = initialStates(batch, n);
  for (bool asParam : {true, false}) {
    ir::ModelIR m = linearModel(A, asParam);
    for (const NamedTableau &nt : explicitTableaux()) {
      SCOPED_TRACE(nt.tableau.name + (asParam ? " (A a parameter)" : " (A a constant)"));
      auto sim = jit::compileSimulator(m, nt.tableau);
      std::vector<double> out =
          simulate(*sim, asParam ? rowMajor : std::vector<double>{}, x0, batch, steps, h, n);
      const Eigen::MatrixXd R = stabilityMatrix(nt.tableau, h * A);
      for (int b = 0; b < batch; ++b) {
        Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(&x0[size_t(b * n)], n);
        for (int k = 0; k <= steps; ++k) {
          Eigen::Map<const Eigen::VectorXd> got(&out[size_t((b * (steps + 1) + k) * n)], n);
          EXPECT_LE((got - x).norm(), 1e-12 * x.norm()) << "trajectory " << b << " step " << k;
          x = R * x;
        }
      }
    }
  }
}

TEST(JitLinear, ObservedConvergenceOrders) {
  // x' = A x with A = [-a -w; w -a]: exp(tA) = e^{-at} [cos wt  -sin wt; sin wt  cos wt].
  const double a = 0.5, w = 2.0, T = 1.0;
  Eigen::MatrixXd A(2, 2);
  A << -a, -w, w, -a;
  const std::vector<double> x0 = {1.0, 0.5};
  const Eigen::Vector2d exact =
      std::exp(-a * T) *
      (Eigen::Matrix2d() << std::cos(w * T), -std::sin(w * T), std::sin(w * T), std::cos(w * T))
          .finished() *
      Eigen::Vector2d(x0[0], x0[1]);
  ir::ModelIR m = linearModel(A, false);
  for (const NamedTableau &nt : explicitTableaux()) {
    SCOPED_TRACE(nt.tableau.name);
    auto sim = jit::compileSimulator(m, nt.tableau);
    auto error = [&](int steps) {
      std::vector<double> out = simulate(*sim, {}, x0, 1, steps, T / steps, 2);
      return (Eigen::Vector2d(out[size_t(2 * steps)], out[size_t(2 * steps + 1)]) - exact).norm();
    };
    const double order = std::log2(error(40) / error(80));
    EXPECT_NEAR(order, nt.order, 0.15);
  }
}
