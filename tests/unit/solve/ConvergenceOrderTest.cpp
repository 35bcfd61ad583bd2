// Observed convergence order of the implicit solver on the nonlinear pendulum equals each
// tableau's classical order: the global error at t = T shrinks by 2^p when h halves.
#include "SolveTestSupport.h"

#include <gtest/gtest.h>

namespace odec::testing {
namespace {

// Classical RK4 written out by hand with a tiny step: an independent reference whose own
// error (≈ 1e-17 here) is far below the errors being measured.
Eigen::Vector2d pendulumReference(Eigen::Vector2d x, double T) {
  auto f = [](const Eigen::Vector2d &y) { return Eigen::Vector2d(y(1), -std::sin(y(0))); };
  const int N = 20000;
  const double h = T / N;
  for (int n = 0; n < N; ++n) {
    Eigen::Vector2d k1 = f(x), k2 = f(x + h / 2 * k1), k3 = f(x + h / 2 * k2),
                    k4 = f(x + h * k3);
    x += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  return x;
}

double globalError(const std::string &tableau, double h, double T, const Eigen::Vector2d &x0,
                   const Eigen::Vector2d &ref) {
  ImplicitRungeKutta rk(pendulumField(), preludeTableau(tableau));
  const int64_t N = std::llround(T / h);
  std::vector<double> out(size_t(2 * (N + 1)));
  const double k = 1.0;
  rk.simulate(&k, x0.data(), out.data(), 1, N, h);
  return (stateAt(out, N, 2, 0, N) - ref).cwiseAbs().maxCoeff();
}

TEST(ImplicitConvergence, ObservedOrderEqualsTableauOrder) {
  const double T = 2;
  const Eigen::Vector2d x0(1.2, 0.0);
  const Eigen::Vector2d ref = pendulumReference(x0, T);
  struct Case {
    const char *name;
    int order;
    double h; // coarse step: fine enough to be asymptotic, coarse enough to be above round-off
  };
  for (const Case &c : {Case{"BackwardEuler", 1, 0.01}, Case{"ImplicitMidpoint", 2, 0.05},
                        Case{"Trapezoid", 2, 0.05}, Case{"SDIRK3", 3, 0.05},
                        Case{"RadauIIA3", 3, 0.05}, Case{"GaussLegendre2", 4, 0.1},
                        Case{"RadauIIA5", 5, 0.1}, Case{"GaussLegendre3", 6, 0.2}}) {
    const double coarse = globalError(c.name, c.h, T, x0, ref);
    const double fine = globalError(c.name, c.h / 2, T, x0, ref);
    const double observed = std::log2(coarse / fine);
    EXPECT_NEAR(observed, c.order, 0.2) << c.name << ": errors " << coarse << ", " << fine;
  }
}

} // namespace
} // namespace odec::testing
