// Float code (jit::Precision::Float) against double code, forward and discrete adjoint, for
// MLP fields (the spiral; a wider 4-state MLP; the Hamiltonian network, whose adjoint holds
// second derivatives) and every explicit prelude tableau, on a batch with a partial chunk.
// The double code is the reference: it is itself tested against hand-written Runge–Kutta and
// finite differences (MlpTest, DiscreteAdjointTest).
//
// The tolerance, derived: float arithmetic rounds each operation with u = 2^-24 ≈ 6e-8 (the
// vectorized tanh/exp add ≤ 3 ulp). A field evaluation carries a relative error of a few u
// times the condition of its products (inner dimension ≤ 32 here: ≈ √32·u typical, ≲ 30u
// worst); over N = 40 steps these errors add up mostly at random (√N growth) and the flows
// here expand them little (t = N·h = 2, Lipschitz constants ≲ 1), so the deviation expected is
// ~√N·√32·u ≈ 2e-6 at worst and a few u typically, for the trajectory and for the gradient
// (the adjoint runs the same arithmetic backward). Measured: ≤ 3.3e-7 (forward, relative to the
// trajectory's scale) and ≤ 3.1e-7 (gradient, normwise) over every case below. Asserted: 2e-6;
// a mistake in precision handling (a coefficient or input rounded wrongly, lanes mixed up)
// shows at ≥ 1e-4, and an accidental double computation fails the "> 0" check.
#include "AdjointTestSupport.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace odec;
using namespace odec::testing;

namespace {

constexpr double kFloatTolerance = 2e-6;

/// ddt(x) = W2 * tanh.(W1 * x .+ b1) .+ b2 with x of size D, hidden width H.
ir::ModelIR mlpModel(int D, int H) {
  using ir::VarRole;
  ir::ModelIR m;
  m.name = "Mlp";
  m.states = {slot("x", VarRole::State, 0, Shape::vector(D), 0)};
  m.params = {slot("W1", VarRole::Param, 0, Shape::matrix(H, D), 0),
              slot("b1", VarRole::Param, 1, Shape::vector(H), H * D),
              slot("W2", VarRole::Param, 2, Shape::matrix(D, H), H * D + H),
              slot("b2", VarRole::Param, 3, Shape::vector(D), 2 * H * D + H)};
  ir::Expr h = ir::unary(ir::Op::Tanh,
                         ir::add(ir::matmul(m.params[0].var, m.states[0].var), m.params[1].var));
  m.ddt = {ir::add(ir::matmul(m.params[2].var, h), m.params[3].var)};
  return m;
}

jit::CompileOptions floatOptions() {
  jit::CompileOptions o;
  o.precision = jit::Precision::Float;
  return o;
}

/// max |a − b| / max |b|: the deviation relative to the reference's scale.
double scaledDeviation(const std::vector<double> &a, const std::vector<double> &b) {
  double dev = 0, scale = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    dev = std::max(dev, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return dev / scale;
}

/// Every value of v is a float widened to double (float code really ran in float).
bool allFloats(const std::vector<double> &v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return double(float(x)) == x; });
}

void expectFloatMatchesDouble(const ir::ModelIR &model, unsigned seed) {
  const std::vector<double> params = randomVector(size_t(model.paramCount()), seed, 0.8);
  // 37 trajectories: two full float chunks of 16 and a partial one.
  const LossProblem p = makeProblem(37, 40, 0.05, model.stateDim(), {0, 17, 40}, seed + 1);
  for (const NamedTableau &nt : explicitTableaux()) {
    SCOPED_TRACE(model.name + ", " + nt.tableau.name);
    const auto simD = jit::compileSimulator(model, nt.tableau);
    const auto simF = jit::compileSimulator(model, nt.tableau, floatOptions());
    const std::vector<double> trajD = simulate(*simD, params, p.x0, p.batch, p.steps, p.h, p.D);
    const std::vector<double> trajF = simulate(*simF, params, p.x0, p.batch, p.steps, p.h, p.D);
    const double forward = scaledDeviation(trajF, trajD);
    EXPECT_LE(forward, kFloatTolerance);
    EXPECT_GT(forward, 0) << "float code computed in double";
    EXPECT_TRUE(allFloats(trajF));

    const LossAndGradient d = runAdjoint(*jit::compileLossGrad(model, nt.tableau), p, params);
    const LossAndGradient f =
        runAdjoint(*jit::compileLossGrad(model, nt.tableau, floatOptions()), p, params);
    for (size_t i = 0; i < trajF.size(); ++i)
      ASSERT_EQ(f.traj[i], trajF[i]) << "the stored trajectory is the float forward solver's";
    const double gradient = relativeError(f.gradParams, f.gradX0, d.gradParams, d.gradX0);
    EXPECT_LE(gradient, kFloatTolerance);
    EXPECT_LE(std::abs(f.loss - d.loss), kFloatTolerance * d.loss);
    EXPECT_TRUE(allFloats(f.gradX0));
  }
}

} // namespace

TEST(FloatPrecision, SpiralAgreesWithDouble) { expectFloatMatchesDouble(spiralModel(), 11); }

TEST(FloatPrecision, WiderMlpAgreesWithDouble) { expectFloatMatchesDouble(mlpModel(4, 32), 23); }

TEST(FloatPrecision, HamiltonianNetworkAgreesWithDouble) {
  expectFloatMatchesDouble(hamiltonianModel(), 37);
}

TEST(FloatPrecision, LaneCountDoesNotChangeFloatResults) {
  // Each lane computes its trajectory alone, so the forward results are identical for 2, 8 and
  // 16 lanes per chunk (vectorWidth 1, 4, 8).
  const ir::ModelIR m = spiralModel();
  const ButcherTableau rk4 = explicitTableaux()[6].tableau;
  const std::vector<double> params = randomVector(size_t(m.paramCount()), 5, 0.8);
  const std::vector<double> x0 = randomVector(size_t(21 * m.stateDim()), 6, 1.5);
  const std::vector<double> ref =
      simulate(*jit::compileSimulator(m, rk4, floatOptions()), params, x0, 21, 15, 0.1, 2);
  for (int w : {1, 4}) {
    jit::CompileOptions o = floatOptions();
    o.vectorWidth = w;
    EXPECT_EQ(jit::lanesPerChunk(o), 2 * w);
    EXPECT_EQ(simulate(*jit::compileSimulator(m, rk4, o), params, x0, 21, 15, 0.1, 2), ref)
        << "vectorWidth " << w;
  }
}

TEST(FloatPrecision, EmitsSixteenFloatLanes) {
  const ButcherTableau rk4 = explicitTableaux()[6].tableau;
  for (const std::string &ir : {jit::emitSimulatorLLVM(spiralModel(), rk4, floatOptions()),
                                jit::emitLossGradLLVM(spiralModel(), rk4, floatOptions())}) {
    EXPECT_NE(ir.find("<16 x float>"), std::string::npos);
    EXPECT_EQ(ir.find("<8 x double>"), std::string::npos);
  }
}
