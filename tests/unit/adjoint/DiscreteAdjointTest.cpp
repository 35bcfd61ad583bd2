// The fused discrete adjoint against central finite differences of the discrete loss
// computed with the forward solver alone, for every explicit prelude tableau, three fields
// (an MLP; a Hamiltonian network whose adjoint needs second derivatives; a matrix state with
// a weight used twice), full and partial
// SIMD chunks and targets at step 0, in the middle, duplicated and at the end.
#include "AdjointTestSupport.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace odec;
using namespace odec::testing;

namespace {

/// Central differences of the loss (forward solver only) w.r.t. every parameter and x0 entry.
struct FiniteDifferenceGradient {
  std::vector<double> params, x0;
};

FiniteDifferenceGradient finiteDifferences(const jit::CompiledSimulator &sim, LossProblem p,
                                           std::vector<double> params) {
  auto loss = [&] { return p.loss(simulate(sim, params, p.x0, p.batch, p.steps, p.h, p.D)); };
  auto central = [&](double &v) {
    const double saved = v, eps = 1e-6 * std::max(1.0, std::fabs(v));
    v = saved + eps;
    const double up = loss();
    v = saved - eps;
    const double down = loss();
    v = saved;
    return (up - down) / (2 * eps);
  };
  FiniteDifferenceGradient g;
  for (double &v : params)
    g.params.push_back(central(v));
  for (double &v : p.x0)
    g.x0.push_back(central(v));
  return g;
}

void expectGradientsMatchFiniteDifferences(const ir::ModelIR &model, unsigned seed,
                                           const std::vector<ButcherTableau> &tableaux,
                                           const jit::CompileOptions &options = {}) {
  const std::vector<double> params = randomVector(size_t(model.paramCount()), seed, 0.8);
  for (const ButcherTableau &tableau : tableaux) {
    auto sim = jit::compileSimulator(model, tableau, options);
    auto lossGrad = jit::compileLossGrad(model, tableau, options);
    for (int batch : {1, 5}) {
      SCOPED_TRACE(model.name + ", " + tableau.name + ", W=" +
                   std::to_string(options.vectorWidth) + ", batch " + std::to_string(batch));
      const LossProblem p =
          makeProblem(batch, 13, 0.08, model.stateDim(), {0, 3, 3, 7, 12}, seed + unsigned(batch));
      const LossAndGradient r = runAdjoint(*lossGrad, p, params);
      const std::vector<double> traj = simulate(*sim, params, p.x0, p.batch, p.steps, p.h, p.D);
      for (size_t i = 0; i < traj.size(); ++i)
        ASSERT_EQ(r.traj[i], traj[i]) << "the stored trajectory is the forward solver's";
      EXPECT_NEAR(r.loss, p.loss(traj), 1e-14 * p.loss(traj));
      const FiniteDifferenceGradient fd = finiteDifferences(*sim, p, params);
      EXPECT_LE(relativeError(r.gradParams, r.gradX0, fd.params, fd.x0), 1e-7);
    }
  }
}

/// ddt(X) = A * tanh.(A * X) * B with an n×m matrix state (2×3 unless given): A is used twice,
/// so θ̄_A is a sum of two products, and the products' inner dimensions (n, m) are not 1, so
/// their factors are matrices rather than a vector and a transposed vector (the adjoint's
/// deferred products).
ir::ModelIR sharedWeightModel(int n = 2, int m = 3) {
  ir::ModelIR model;
  model.name = "SharedWeight" + std::to_string(n) + "x" + std::to_string(m);
  model.states = {slot("X", ir::VarRole::State, 0, Shape::matrix(n, m), 0)};
  model.params = {slot("A", ir::VarRole::Param, 0, Shape::matrix(n, n), 0),
                  slot("B", ir::VarRole::Param, 1, Shape::matrix(m, m), n * n)};
  const ir::Expr &A = model.params[0].var;
  ir::Expr inner = ir::unary(ir::Op::Tanh, ir::matmul(A, model.states[0].var));
  model.ddt = {ir::matmul(ir::matmul(A, inner), model.params[1].var)};
  return model;
}

std::vector<ButcherTableau> preludeTableaux() {
  std::vector<ButcherTableau> out;
  for (const NamedTableau &nt : explicitTableaux())
    out.push_back(nt.tableau);
  return out;
}

} // namespace

TEST(DiscreteAdjoint, SpiralMlpMatchesFiniteDifferences) {
  expectGradientsMatchFiniteDifferences(spiralModel(), 31, preludeTableaux());
}

TEST(DiscreteAdjoint, HamiltonianNetworkMatchesFiniteDifferences) {
  expectGradientsMatchFiniteDifferences(hamiltonianModel(), 47, preludeTableaux());
}

TEST(DiscreteAdjoint, SharedWeightMatrixStateMatchesFiniteDifferences) {
  expectGradientsMatchFiniteDifferences(sharedWeightModel(), 53, preludeTableaux());
}

TEST(DiscreteAdjoint, SixStageTableauxMatchFiniteDifferences) {
  // Fehlberg's six stages with its fifth-order weights (b_2 = 0, stage 2 feeds later ones) and
  // with its fourth-order weights (b_6 = 0: stage 6 is dead): more stages than straight-line
  // loops unroll (codegen/Loops.h), in one-lane code (straight-line stages) and in 8-lane code
  // (rolled stages).
  using R = Rational;
  const std::vector<std::vector<Rational>> A = {
      {0, 0, 0, 0, 0, 0},
      {R(1, 4), 0, 0, 0, 0, 0},
      {R(3, 32), R(9, 32), 0, 0, 0, 0},
      {R(1932, 2197), R(-7200, 2197), R(7296, 2197), 0, 0, 0},
      {R(439, 216), -8, R(3680, 513), R(-845, 4104), 0, 0},
      {R(-8, 27), 2, R(-3544, 2565), R(1859, 4104), R(-11, 40), 0}};
  const std::vector<ButcherTableau> fehlberg = {
      makeTableau("Fehlberg5", A, {R(16, 135), 0, R(6656, 12825), R(28561, 56430), R(-9, 50),
                                   R(2, 55)}),
      makeTableau("Fehlberg4", A, {R(25, 216), 0, R(1408, 2565), R(2197, 4104), R(-1, 5), 0})};
  for (int width : {1, 8}) {
    jit::CompileOptions options;
    options.vectorWidth = width;
    expectGradientsMatchFiniteDifferences(spiralModel(), 61, fehlberg, options);
  }
}

TEST(DiscreteAdjoint, VectorWidthOnlyChangesTheSummationOrder) {
  // Every chunk width the host API may pick for a batch (1, 2, 4, 8, 16), 11 trajectories (a
  // partial chunk at each width), 9 steps: Euler flushes its deferred θ̄ products every 4
  // steps and Midpoint every 2, so the last flush is partial for both; 3 steps: Euler's only
  // flush is partial, in every chunk.
  const ir::ModelIR m = spiralModel();
  const std::vector<double> params = randomVector(size_t(m.paramCount()), 5, 0.8);
  for (const LossProblem &p : {makeProblem(11, 9, 0.1, m.stateDim(), {2, 9}, 8),
                               makeProblem(11, 3, 0.1, m.stateDim(), {1, 3}, 9)})
  for (size_t t : {0u, 1u, 6u}) {
    const ButcherTableau tableau = explicitTableaux()[t].tableau;
    const LossAndGradient ref = runAdjoint(*jit::compileLossGrad(m, tableau), p, params);
    for (jit::CompileOptions opt : {jit::CompileOptions{0, 4}, jit::CompileOptions{2, 1},
                                    jit::CompileOptions{2, 2}, jit::CompileOptions{3, 8},
                                    jit::CompileOptions{2, 16}}) {
      SCOPED_TRACE(tableau.name + " O" + std::to_string(opt.optLevel) +
                   " W=" + std::to_string(opt.vectorWidth));
      const LossAndGradient r = runAdjoint(*jit::compileLossGrad(m, tableau, opt), p, params);
      EXPECT_NEAR(r.loss, ref.loss, 1e-13 * ref.loss);
      EXPECT_LE(relativeError(r.gradParams, r.gradX0, ref.gradParams, ref.gradX0), 1e-13);
    }
  }
}

TEST(DiscreteAdjoint, LaneSummedWeightGradientsMatchOneLane) {
  // Products whose θ̄ would take ≥ 16 KiB per lane are summed over the lanes as they are
  // flushed, by blocks of out's rows × columns (codegen/LaneSumProduct.h), and so are the
  // biases' gradients, from the same slots. Models past that size at every width, with every
  // kind of block: 16×64 and 64×16 weights (4×4 blocks; at 16 lanes two register parts per
  // lane vector), 5×131 and 131×5 (blocks of one column or one row), and a 16×24 matrix
  // state, whose products have inner dimensions 16 and 24 (matrix factors). Against one
  // lane, 7 trajectories (a partial chunk), 6 steps (a partial flush for Euler).
  for (const ir::ModelIR &m :
       {mlpModel(16, 64, "Mlp16x64"), mlpModel(5, 131, "Mlp5x131"), sharedWeightModel(16, 24)}) {
    const std::vector<double> params = randomVector(size_t(m.paramCount()), 9, 0.3);
    const LossProblem p = makeProblem(7, 6, 0.05, m.stateDim(), {3, 6}, 10);
    for (size_t t : {0u, 6u}) {
      const ButcherTableau tableau = explicitTableaux()[t].tableau;
      const LossAndGradient ref =
          runAdjoint(*jit::compileLossGrad(m, tableau, jit::CompileOptions{2, 1}), p, params);
      for (int width : {2, 4, 16}) {
        SCOPED_TRACE(m.name + " " + tableau.name + " W=" + std::to_string(width));
        const LossAndGradient r = runAdjoint(
            *jit::compileLossGrad(m, tableau, jit::CompileOptions{2, width}), p, params);
        EXPECT_LE(relativeError(r.gradParams, r.gradX0, ref.gradParams, ref.gradX0), 1e-13);
      }
    }
  }
}

TEST(DiscreteAdjoint, LanesPastTheBatchAddNothingEvenWhereTheFieldIsNotFinite) {
  // ddt(x) = W2 * tanh.(W1 * (1 ./ x) .+ b1) is NaN at x = 0, which is what the lanes past
  // the batch hold: their tanh.(…), kept per stage and read by the lane-summed θ̄ products
  // where it is (stage slots), must count as zeros. 5 trajectories at 16 lanes: 11
  // such lanes; x0 is away from 0 (|x0| ≥ 0.5), so the batch's own values are finite.
  ir::ModelIR m = mlpModel(16, 64, "Reciprocal");
  const ir::Expr &x = m.states[0].var;
  ir::Expr h = ir::unary(ir::Op::Tanh, ir::add(ir::matmul(m.params[0].var,
                                                          ir::div(ir::fill(x->shape, 1.0), x)),
                                               m.params[1].var));
  m.ddt = {ir::add(ir::matmul(m.params[2].var, h), m.params[3].var)};
  const std::vector<double> params = randomVector(size_t(m.paramCount()), 21, 0.05);
  LossProblem p = makeProblem(5, 6, 0.05, m.stateDim(), {6}, 22);
  for (double &v : p.x0)
    v = v < 0 ? v - 0.5 : v + 0.5;
  for (size_t t : {0u, 6u}) { // Euler (a period of 4 steps, 6 steps: the last partial), RK4
    const ButcherTableau tableau = explicitTableaux()[t].tableau;
    SCOPED_TRACE(tableau.name);
    const LossAndGradient ref =
        runAdjoint(*jit::compileLossGrad(m, tableau, jit::CompileOptions{2, 1}), p, params);
    for (double g : ref.gradParams)
      ASSERT_TRUE(std::isfinite(g));
    const LossAndGradient r =
        runAdjoint(*jit::compileLossGrad(m, tableau, jit::CompileOptions{2, 16}), p, params);
    EXPECT_LE(relativeError(r.gradParams, r.gradX0, ref.gradParams, ref.gradX0), 1e-13);
  }
}

TEST(DiscreteAdjoint, FullChunksMoveRowsAsTransposedPieces) {
  // With 8 | W and 8 | D, a full chunk's rows go to and from the trajectory as 8 × 8 pieces
  // transposed in registers (codegen/BatchChunks.cpp); a partial chunk gathers and scatters.
  // D = 16, batch 37: 4 or 2 full chunks and a partial one at W = 8 and 16, against one lane.
  const ir::ModelIR m = mlpModel(16, 24, "Pieces");
  const std::vector<double> params = randomVector(size_t(m.paramCount()), 31, 0.3);
  const LossProblem p = makeProblem(37, 5, 0.05, m.stateDim(), {0, 2, 5}, 32);
  const ButcherTableau rk4 = explicitTableaux()[6].tableau;
  const jit::CompileOptions one{2, 1};
  const std::vector<double> refTraj =
      simulate(*jit::compileSimulator(m, rk4, one), params, p.x0, p.batch, p.steps, p.h, p.D);
  const LossAndGradient ref = runAdjoint(*jit::compileLossGrad(m, rk4, one), p, params);
  for (int width : {8, 16}) {
    SCOPED_TRACE("W=" + std::to_string(width));
    const jit::CompileOptions opt{2, width};
    const std::vector<double> traj =
        simulate(*jit::compileSimulator(m, rk4, opt), params, p.x0, p.batch, p.steps, p.h, p.D);
    ASSERT_EQ(traj.size(), refTraj.size());
    double worst = 0;
    for (size_t i = 0; i < traj.size(); ++i)
      worst = std::max(worst, std::abs(traj[i] - refTraj[i]));
    EXPECT_LE(worst, 1e-14);
    const LossAndGradient r = runAdjoint(*jit::compileLossGrad(m, rk4, opt), p, params);
    EXPECT_EQ(r.traj, traj);
    EXPECT_LE(relativeError(r.gradParams, r.gradX0, ref.gradParams, ref.gradX0), 1e-13);
  }
  // Float code converts each piece on its way (16 and 32 lanes per chunk).
  for (int width : {8, 16}) {
    SCOPED_TRACE("float, W=" + std::to_string(width));
    jit::CompileOptions opt{2, width};
    opt.precision = jit::Precision::Float;
    const LossAndGradient r = runAdjoint(*jit::compileLossGrad(m, rk4, opt), p, params);
    EXPECT_LE(relativeError(r.gradParams, r.gradX0, ref.gradParams, ref.gradX0), 2e-6);
  }
}

TEST(DiscreteAdjoint, DeadStageChangesNothing) {
  // Heun with a third stage that no weight reaches (b_3 = 0): its slope is computed and
  // thrown away, so loss and gradient are Heun's, in straight-line stages (W = 1) and in a
  // rolled stage loop, whose VJP loop skips the dead stage by a table of live ones.
  using R = Rational;
  const ButcherTableau heun = explicitTableaux()[2].tableau;
  const ButcherTableau dead = makeTableau("HeunDead", {{0, 0, 0}, {1, 0, 0}, {R(1, 2), R(1, 2), 0}},
                                          {R(1, 2), R(1, 2), 0});
  const ir::ModelIR m = spiralModel();
  const std::vector<double> params = randomVector(size_t(m.paramCount()), 9, 0.8);
  const LossProblem p = makeProblem(5, 7, 0.1, m.stateDim(), {3, 7}, 10);
  for (int width : {1, 8}) {
    SCOPED_TRACE("W=" + std::to_string(width));
    jit::CompileOptions opt;
    opt.vectorWidth = width;
    const LossAndGradient ref = runAdjoint(*jit::compileLossGrad(m, heun, opt), p, params);
    const LossAndGradient r = runAdjoint(*jit::compileLossGrad(m, dead, opt), p, params);
    EXPECT_EQ(r.loss, ref.loss);
    EXPECT_LE(relativeError(r.gradParams, r.gradX0, ref.gradParams, ref.gradX0), 1e-15);
  }
}

TEST(DiscreteAdjoint, SolversCompiledTogetherAreTheSeparateOnes) {
  // compileSolvers' forward solver and adjoint (one module) against compileSimulator's and
  // compileLossGrad's, to the bit, at a width with rolled stages and at one with straight-line
  // ones.
  const ir::ModelIR m = hamiltonianModel();
  const std::vector<double> params = randomVector(size_t(m.paramCount()), 4, 0.8);
  const LossProblem p = makeProblem(6, 5, 0.1, m.stateDim(), {1, 5}, 6);
  const ButcherTableau rk4 = explicitTableaux()[6].tableau;
  for (int width : {1, 4}) {
    SCOPED_TRACE("W=" + std::to_string(width));
    jit::CompileOptions opt;
    opt.vectorWidth = width;
    const jit::CompiledSolvers both = jit::compileSolvers(m, rk4, opt);
    EXPECT_EQ(simulate(*both.simulator, params, p.x0, p.batch, p.steps, p.h, p.D),
              simulate(*jit::compileSimulator(m, rk4, opt), params, p.x0, p.batch, p.steps, p.h,
                       p.D));
    const LossAndGradient together = runAdjoint(*both.lossGrad, p, params);
    const LossAndGradient alone = runAdjoint(*jit::compileLossGrad(m, rk4, opt), p, params);
    EXPECT_EQ(together.loss, alone.loss);
    EXPECT_EQ(together.gradParams, alone.gradParams);
    EXPECT_EQ(together.gradX0, alone.gradX0);
  }
}

TEST(DiscreteAdjoint, NoTargetsGivesZeroLossAndGradient) {
  const ir::ModelIR m = hamiltonianModel();
  const std::vector<double> params = randomVector(size_t(m.paramCount()), 2, 0.8);
  const LossProblem p = makeProblem(3, 4, 0.1, m.stateDim(), {}, 3);
  const LossAndGradient r =
      runAdjoint(*jit::compileLossGrad(m, explicitTableaux()[1].tableau), p, params);
  EXPECT_EQ(r.loss, 0.0);
  for (double g : r.gradParams)
    EXPECT_EQ(g, 0.0);
  for (double g : r.gradX0)
    EXPECT_EQ(g, 0.0);
}

TEST(DiscreteAdjoint, LinearFieldGradientIsExact) {
  // One Euler step of x' = A x with a single target at step 1: x_1 = (I + hA) x0, so
  // ∂L/∂x0 = 2w (I + hA)ᵀ (x_1 − y) and ∂L/∂A = 2w h (x_1 − y) x0ᵀ, by hand.
  Eigen::MatrixXd A(2, 2);
  A << 0.3, -1.1, 0.7, -0.2;
  const ir::ModelIR m = linearModel(A, true);
  const std::vector<double> params = {0.3, -1.1, 0.7, -0.2};
  const LossProblem p = makeProblem(1, 1, 0.5, 2, {1}, 17);
  const LossAndGradient r =
      runAdjoint(*jit::compileLossGrad(m, explicitTableaux()[0].tableau), p, params);
  const Eigen::Vector2d x0(p.x0[0], p.x0[1]), y(p.targets[0], p.targets[1]);
  const Eigen::Matrix2d step = Eigen::Matrix2d::Identity() + p.h * A;
  const Eigen::Vector2d residual = step * x0 - y;
  const double w = p.weights[0];
  EXPECT_NEAR(r.loss, w * residual.squaredNorm(), 1e-15);
  const Eigen::Vector2d gx = 2 * w * step.transpose() * residual;
  const Eigen::Matrix2d gA = 2 * w * p.h * residual * x0.transpose();
  for (int i = 0; i < 2; ++i) {
    EXPECT_NEAR(r.gradX0[size_t(i)], gx(i), 1e-15);
    for (int j = 0; j < 2; ++j)
      EXPECT_NEAR(r.gradParams[size_t(2 * i + j)], gA(i, j), 1e-15);
  }
}

TEST(DiscreteAdjoint, EmitsTheLossGradAbiWithATapeOrCallingTheForwardSolver) {
  const std::string ir = jit::emitLossGradLLVM(spiralModel(), explicitTableaux()[6].tableau);
  // Batch code keeps the last steps' stage values in its own forward sweep (a tape) and
  // reads them back in the reverse sweep: no forward solver in the module.
  EXPECT_EQ(ir.find("@simulate_Spiral_RK4("), std::string::npos);
  // One-lane code recomputes every step: its forward sweep is a call of the forward solver,
  // whose body stays out of line.
  jit::CompileOptions oneLane;
  oneLane.vectorWidth = 1;
  const std::string scalar =
      jit::emitLossGradLLVM(spiralModel(), explicitTableaux()[6].tableau, oneLane);
  EXPECT_NE(scalar.find("define internal void @lossgrad_Spiral_RK4.forward("), std::string::npos);
  EXPECT_NE(scalar.find("call void @lossgrad_Spiral_RK4.forward("), std::string::npos);
  EXPECT_NE(ir.find("define double @lossgrad_Spiral_RK4(double* noalias nocapture readonly "
                    "%params, double* noalias nocapture readonly %x0, i64 %batch, i64 %steps, "
                    "double %h, i64 %numTargets"),
            std::string::npos)
      << ir.substr(0, 2000);
  // Each state element of a chunk is one vector of the default lane count.
  const std::string lanes = "<" + std::to_string(jit::CompileOptions{}.vectorWidth) + " x double>";
  EXPECT_NE(ir.find(lanes), std::string::npos) << lanes;
}
