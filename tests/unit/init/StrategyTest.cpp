// Both strategies through the host API, each accepted result re-checked independently
// (finite differences of the IR interpreter, the stability polynomials written out, and for
// the tanh networks the Jacobian written out by hand).
#include "Models.h"

using namespace odec;
using namespace odec::inittest;
using Strategy = InitSettings::Strategy;

TEST(Rejection, SpiralInitBlockIsStableForRK4) {
  Model m = Program::fromString(spiralSource(), "spiral.node").model("Spiral");
  InitResult r = m.initialize(7);
  EXPECT_EQ(r.strategy, "rejection");
  EXPECT_EQ(r.tableau, "RK4");
  EXPECT_EQ(r.step, 0.1);
  EXPECT_EQ(r.margin, 0.9);
  EXPECT_GE(r.tries, 1);
  EXPECT_LE(r.tries, 10000);
  EXPECT_DOUBLE_EQ(r.acceptanceRate, 1.0 / double(r.tries));
  expectStable(InterpretedModel(spiralSource(), "Spiral"), r, 4, {{0, 0}});
  // The accepted draw is a draw from the priors: b1, b2 ~ Zeros() stay zero.
  for (int i = 32; i < 48; ++i)
    EXPECT_EQ(r.params[size_t(i)], 0);
}

TEST(Rejection, WideModelIsStableForEuler) {
  Model m = Program::fromString(kWide).model();
  InitResult r = m.initialize(11);
  EXPECT_EQ(r.strategy, "rejection");
  std::vector<double> x = {0.1, -0.2, 0.3, 0};
  expectStable(InterpretedModel(kWide, "Wide"), r, 1, {x});
  // The hand-written Jacobian agrees with what the library found.
  std::vector<Complex> exact = eigenvaluesOf(mlpJacobian(r.params, 4, 64, x, 1));
  EXPECT_LT(worstMiss(exact, r.eigenvalues[0]), 1e-10);
}

TEST(Rejection, ImpossibleConstraintFailsWithHowCloseItCame) {
  Model m = Program::fromString(kImpossible).model();
  try {
    m.initialize(1);
    FAIL() << "expected InitError";
  } catch (const InitError &e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("stability region of Euler with margin 0.9"), std::string::npos) << msg;
    EXPECT_NE(msg.find("50 draws"), std::string::npos) << msg;
    EXPECT_NE(msg.find("the closest was draw "), std::string::npos) << msg;
    // A 2×2 matrix with entries in (5, 6) has a Perron root ≥ its smallest row sum > 10, so
    // |1 + hλ| > 11 for every draw.
    auto at = msg.find("max |R(hλ)| = ");
    ASSERT_NE(at, std::string::npos) << msg;
    EXPECT_GT(std::stod(msg.substr(at + std::string("max |R(hλ)| = ").size())), 10);
    EXPECT_NE(msg.find("try strategy = placement() or a smaller step"), std::string::npos);
  }
}

TEST(Rejection, AMarginThatExcludesLightDampingSaysSo) {
  // ddt(x) = (W − 0.1 I) x with W tiny: every draw has λ ≈ −0.1, so |1 + hλ| ≈ 0.99 at h = 0.1:
  // stable, yet never within margin 0.5. The message points at the margin.
  const char *damped = R"(
model Damped
    state x::Vector{2}
    param W::Matrix{2,2} ~ Normal(0, 0.001)
    ddt(x) = W * x .- 0.1 .* x
end
)";
  Model m = Program::fromString(damped).model();
  InitSettings s = settings("Euler", 0.1, 0.5, Strategy::Rejection);
  s.maxTries = 20;
  try {
    m.initialize(1, s);
    FAIL() << "expected InitError";
  } catch (const InitError &e) {
    EXPECT_NE(std::string(e.what()).find(
                  "try strategy = placement() or a smaller step, or a margin closer to 1 (the "
                  "closest draw was stable, |R| <= 1; a margin below 1 asks every mode to shrink "
                  "by that factor per step)"),
              std::string::npos)
        << e.what();
  }
}

TEST(Placement, SpiralHitsTargetsInsideTheRegion) {
  Model m = Program::fromString(spiralSource()).model("Spiral");
  InitResult r = m.initialize(5, settings("RK4", 0.1, 0.9, Strategy::Placement));
  EXPECT_EQ(r.strategy, "placement");
  EXPECT_EQ(r.placedParameter, "W2"); // the last-declared affine parameter (b2 cannot act)
  EXPECT_EQ(r.tries, 1);
  ASSERT_EQ(r.targetEigenvalues.size(), 2u);
  EXPECT_EQ(r.targetEigenvalues[1], std::conj(r.targetEigenvalues[0]));
  for (Complex l : r.targetEigenvalues)
    EXPECT_LE(absR(4, 0.1 * l), 0.9 * 0.999);
  // Exact Jacobian by hand: W2 diag(1 − tanh²(b1)) W1 at the origin.
  EXPECT_LT(worstMiss(r.targetEigenvalues, eigenvaluesOf(mlpJacobian(r.params, 2, 16, {0, 0}))),
            1e-8);
  expectStable(InterpretedModel(spiralSource(), "Spiral"), r, 4, {{0, 0}});
  // Only W2 moved: W1 and the biases are the prior draw of rejection's first try.
  std::vector<double> prior = m.sampleParams(5);
  for (int i = 0; i < 48; ++i)
    EXPECT_EQ(r.params[size_t(i)], prior[size_t(i)]) << i;
}

TEST(Placement, WideModelHitsTargets) {
  Model m = Program::fromString(kWide).model();
  std::vector<double> x = {0.1, -0.2, 0.3, 0};
  InitResult r = m.initialize(3, settings("Euler", 0.5, 0.9, Strategy::Placement, {x}));
  EXPECT_EQ(r.placedParameter, "W2");
  ASSERT_EQ(r.targetEigenvalues.size(), 4u);
  EXPECT_LT(worstMiss(r.targetEigenvalues, eigenvaluesOf(mlpJacobian(r.params, 4, 64, x, 1))),
            1e-8);
  expectStable(InterpretedModel(kWide, "Wide"), r, 1, {x});
}

TEST(Placement, SeveralOperatingPointsAllSatisfied) {
  Model m = Program::fromString(spiralSource()).model("Spiral");
  std::vector<std::vector<double>> points = {{0, 0}, {0.5, -0.3}, {1, 1}};
  InitResult r = m.initialize(9, settings("RK4", 0.1, 0.9, Strategy::Placement, points));
  ASSERT_EQ(r.eigenvalues.size(), 3u);
  for (const std::vector<double> &x : points)
    EXPECT_LT(worstMiss(r.targetEigenvalues, eigenvaluesOf(mlpJacobian(r.params, 2, 16, x))), 1e-8);
  expectStable(InterpretedModel(spiralSource(), "Spiral"), r, 4, points);
}

TEST(Placement, SucceedsWhereRejectionCannot) {
  Model m = Program::fromString(kImpossible).model();
  InitResult r = m.initialize(1, settings("Euler", 1, 0.9, Strategy::Placement));
  EXPECT_EQ(r.placedParameter, "W");
  // ddt(x) = W x: the Jacobian is W itself.
  Eigen::Map<const Eigen::Matrix<double, 2, 2, Eigen::RowMajor>> W(r.params.data());
  EXPECT_LT(worstMiss(r.targetEigenvalues, eigenvaluesOf(W)), 1e-8);
  for (Complex l : eigenvaluesOf(W))
    EXPECT_LE(std::abs(1.0 + l), 0.9);
}

TEST(Placement, TargetsInTheRequestedRegion) {
  Model m = Program::fromString(spiralSource()).model("Spiral");
  InitSettings s = settings("RK4", 0.1, 0.9, Strategy::Placement);
  s.placement.frequency = std::pair(0.5, 1.5); // rad per unit time, like a pendulum's
  s.placement.radius = std::pair(1.0, 2.0);
  InitResult r = m.initialize(2, s);
  ASSERT_EQ(r.targetEigenvalues.size(), 2u);
  for (Complex l : r.targetEigenvalues) {
    EXPECT_GE(std::abs(l.imag()), 0.5);
    EXPECT_LE(std::abs(l.imag()), 1.5);
    EXPECT_GE(std::abs(l), 1.0);
    EXPECT_LE(std::abs(l), 2.0);
  }
  EXPECT_EQ(r.placement.frequency, std::pair(0.5, 1.5));
  expectStable(InterpretedModel(spiralSource(), "Spiral"), r, 4, {{0, 0}});
  // Without bounds, the documented defaults are used and reported.
  InitResult d = m.initialize(2, settings("RK4", 0.1, 0.9, Strategy::Placement));
  EXPECT_EQ(d.placement.real, std::pair(-0.5, -0.01));
  EXPECT_EQ(d.placement.imag, std::pair(-0.5, 0.5));
  for (Complex l : d.targetEigenvalues) {
    EXPECT_LE(std::abs(0.1 * l.imag()), 0.5);
    EXPECT_LE(0.1 * l.real(), -0.01);
  }
}

TEST(Initialize, RegionMayDifferFromTheSolver) {
  // stability(Euler) with solver = RK4: |1 + hλ| ≤ margin is what holds, not RK4's |R|.
  Model m = Program::fromString(spiralSource()).model("Spiral");
  InitSettings s = settings("RK4", 0.1, 0.9, Strategy::Placement);
  s.region = "Euler";
  InitResult r = m.initialize(3, s);
  EXPECT_EQ(r.tableau, "RK4");
  EXPECT_EQ(r.region, "Euler");
  double worst = 0;
  for (Complex l : r.eigenvalues[0])
    worst = std::max(worst, std::abs(1.0 + 0.1 * l));
  EXPECT_LE(worst, 0.9);
  EXPECT_NEAR(r.maxAbsR, worst, 1e-12);
}

TEST(Initialize, MarginAboveOneIsAccepted) {
  Model m = Program::fromString(spiralSource()).model("Spiral");
  InitResult r = m.initialize(4, settings("RK4", 0.1, 1.1, Strategy::Rejection));
  EXPECT_EQ(r.margin, 1.1);
  EXPECT_LE(r.maxAbsR, 1.1);
}

TEST(Placement, NoAffineParameterIsAClearError) {
  Model m = Program::fromString(kQuadratic).model();
  try {
    m.initialize(1, settings("RK4", 0.1, 0.9, Strategy::Placement, {{0.3, -0.4}}));
    FAIL() << "expected InitError";
  } catch (const InitError &e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("none qualifies"), std::string::npos) << msg;
    EXPECT_NE(msg.find("W: the Jacobian is not affine in it"), std::string::npos) << msg;
    EXPECT_NE(msg.find("strategy = rejection()"), std::string::npos) << msg;
  }
}

TEST(Initialize, SameSeedSameBitsOtherSeedOtherParams) {
  Model m = Program::fromString(spiralSource()).model("Spiral");
  for (Strategy s : {Strategy::Rejection, Strategy::Placement}) {
    InitSettings set = settings("RK4", 0.1, 0.9, s);
    InitResult a = m.initialize(42, set), b = m.initialize(42, set), c = m.initialize(43, set);
    EXPECT_EQ(a.params, b.params); // bit-identical: operator== on doubles
    EXPECT_EQ(a.tries, b.tries);
    EXPECT_NE(a.params, c.params);
  }
  // The init block's settings are the explicit ones with the block's values.
  InitResult block = m.initialize(42);
  EXPECT_EQ(block.params, m.initialize(42, settings("RK4", 0.1, 0.9, Strategy::Rejection)).params);
}

TEST(Initialize, ArgumentErrors) {
  Model oscillator =
      Program::fromFile(std::string(ODEC_SOURCE_DIR) + "/examples/oscillator.node").model();
  EXPECT_THROW(oscillator.initialize(1), std::invalid_argument); // no init block
  Model m = Program::fromString(spiralSource()).model("Spiral");
  EXPECT_THROW(m.initialize(1, settings("RK5", 0.1, 0.9, Strategy::Rejection)),
               std::invalid_argument);
  EXPECT_THROW(m.initialize(1, settings("RK4", -0.1, 0.9, Strategy::Rejection)),
               std::invalid_argument);
  EXPECT_THROW(m.initialize(1, settings("RK4", 0.1, 0, Strategy::Rejection)),
               std::invalid_argument);
  EXPECT_THROW(m.initialize(1, settings("RK4", 0.1, 0.9, Strategy::Rejection, {{1, 2, 3}})),
               std::invalid_argument);
}

TEST(Eigenvalues, AtTheInitBlockPointOrGivenPoints) {
  Model m = Program::fromString(kWide).model();
  std::vector<double> theta = m.sampleParams(2);
  std::vector<std::vector<Complex>> ev = m.eigenvalues(theta);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_LT(worstMiss(eigenvaluesOf(mlpJacobian(theta, 4, 64, {0.1, -0.2, 0.3, 0}, 1)), ev[0]),
            1e-10);
  ev = m.eigenvalues(theta, {{0, 0, 0, 0}, {1, 1, 1, 1}});
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_LT(worstMiss(eigenvaluesOf(mlpJacobian(theta, 4, 64, {1, 1, 1, 1}, 1)), ev[1]), 1e-10);
}
