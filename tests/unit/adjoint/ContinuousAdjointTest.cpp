// The continuous adjoint: its augmented field, and its convergence to the discrete adjoint's
// exact gradient at the tableau's order as h → 0.
#include "AdjointTestSupport.h"

#include <gtest/gtest.h>

#include <cmath>
#include <utility>

using namespace odec;
using namespace odec::testing;

TEST(ContinuousAdjoint, AugmentedFieldHasMatrixShapedParameterAdjoints) {
  const ir::ModelIR m = spiralModel();
  const ir::ModelIR aug = jit::continuousAdjointModel(m);
  ASSERT_EQ(aug.states.size(), 1 + 1 + m.params.size());
  EXPECT_EQ(aug.stateDim(), 2 * m.stateDim() + m.paramCount());
  EXPECT_EQ(aug.states[1].name, "lambda_x");
  EXPECT_EQ(aug.states[2].name, "W1_bar");
  EXPECT_EQ(aug.states[2].shape, Shape::matrix(kSpiralH, kSpiralD));
  EXPECT_EQ(aug.states[2].offset, 2 * m.stateDim());
  for (size_t k = 0; k < aug.states.size(); ++k)
    EXPECT_EQ(aug.ddt[k]->shape, aug.states[k].shape) << aug.states[k].name;
}

TEST(ContinuousAdjoint, ConvergesToTheDiscreteGradientAtTheMethodsOrder) {
  // Fixed horizon t = 1.2 with targets at t = 0, 0.6, 0.6, 1.2; halving h divides the distance
  // between the two gradients by 2^q, with q the method's order p or more: Heun's two
  // adjoints agree to third order (measured ratios: Euler 2.0, Heun 8.0, Kutta3 8.0, RK4 16.1).
  const ir::ModelIR m = spiralModel();
  const std::vector<double> params = randomVector(size_t(m.paramCount()), 13, 0.6);
  const std::pair<int, int> cases[] = {{0, 1}, {2, 3}, {4, 3}, {6, 4}}; // tableau, q
  for (auto [which, q] : cases) {
    const NamedTableau nt = explicitTableaux()[size_t(which)];
    SCOPED_TRACE(nt.tableau.name);
    ASSERT_GE(q, nt.order);
    auto discrete = jit::compileLossGrad(m, nt.tableau);
    auto continuous = jit::compileContinuousAdjoint(m, nt.tableau);
    std::vector<double> errors;
    for (int64_t N : {12, 24, 48}) {
      const LossProblem p =
          makeProblem(5, N, 1.2 / double(N), m.stateDim(), {0, N / 2, N / 2, N}, 3);
      const LossAndGradient d = runAdjoint(*discrete, p, params);
      const LossAndGradient c = runAdjoint(*continuous, p, params);
      EXPECT_NEAR(c.loss, d.loss, 1e-12 * d.loss) << "the loss is the forward solve's";
      errors.push_back(relativeError(c.gradParams, c.gradX0, d.gradParams, d.gradX0));
    }
    const double expected = std::pow(2.0, q);
    for (size_t i = 0; i + 1 < errors.size(); ++i) {
      const double ratio = errors[i] / errors[i + 1];
      EXPECT_GT(ratio, 0.75 * expected) << "errors " << errors[i] << " -> " << errors[i + 1];
      EXPECT_LT(ratio, 1.3 * expected) << "errors " << errors[i] << " -> " << errors[i + 1];
    }
    EXPECT_LT(errors.back(), 0.02);
  }
}
