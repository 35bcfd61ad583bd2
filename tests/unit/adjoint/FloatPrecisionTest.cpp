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
#include "../RelativeError.h"
#include "AdjointTestSupport.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace odec;
using namespace odec::testing;

namespace {

constexpr double kFloatTolerance = 2e-6;

jit::CompileOptions floatOptions() {
  jit::CompileOptions o;
  o.precision = jit::Precision::Float;
  return o;
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
    const double forward = odec::test::relativeError(trajF, trajD);
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
  jit::CompileOptions avx512 = floatOptions(); // written, not run: any machine may emit it
  avx512.cpu = "x86-64-v4";
  for (const std::string &ir : {jit::emitSimulatorLLVM(spiralModel(), rk4, avx512),
                                jit::emitLossGradLLVM(spiralModel(), rk4, avx512)}) {
    EXPECT_NE(ir.find("<16 x float>"), std::string::npos);
    EXPECT_EQ(ir.find("<8 x double>"), std::string::npos);
  }
}
