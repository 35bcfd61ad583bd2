// The runtime's building blocks on their own: Haar-orthogonal factors, real matrices with
// given eigenvalues, poles sampled inside a stability region, problem validation.
#include "InitTestSupport.h"

#include "init/DataSpectrum.h"
#include "init/HaarOrthogonal.h"
#include "init/InitProblem.h"
#include "init/TargetSpectrum.h"
#include "tableau/StabilityFunction.h"

using namespace odec;
using namespace odec::inittest;

namespace {
StabilityFunction stabilityOf(const std::string &name) {
  auto c = Compilation::fromText("<empty>", "");
  return stabilityFunction(c->tableau(name));
}
} // namespace

TEST(HaarOrthogonal, IsOrthogonalAndSeeded) {
  Random a(3), b(3), c(4);
  Eigen::MatrixXd Q = haarOrthogonal(5, a);
  EXPECT_LT((Q.transpose() * Q - Eigen::MatrixXd::Identity(5, 5)).norm(), 1e-13);
  EXPECT_EQ(Q, haarOrthogonal(5, b));
  EXPECT_NE(Q, haarOrthogonal(5, c));
}

TEST(HaarOrthogonal, FirstEntryIsSymmetricAroundZero) {
  // Without the sign correction, Q(0,0) = G(0,0)/|G.col(0)| · sign would be biased: with
  // Householder QR, R(0,0) = −sign(G(0,0))|G.col(0)|, making Q(0,0) always negative.
  Random rng(1);
  int positive = 0;
  for (int i = 0; i < 2000; ++i)
    positive += haarOrthogonal(3, rng)(0, 0) > 0;
  EXPECT_GT(positive, 900);
  EXPECT_LT(positive, 1100);
}

TEST(TargetSpectrum, RealMatrixHasTheEigenvalues) {
  Random rng(8);
  std::vector<Complex> want = {{-1, 2}, {-1, -2}, {-0.5, 0}, {-3, 0.25}, {-3, -0.25}};
  Eigen::MatrixXd J = realMatrixWithEigenvalues(want, haarOrthogonal(5, rng));
  EXPECT_LT(worstMiss(want, eigenvaluesOf(J)), 1e-12);
  EXPECT_THROW(realMatrixWithEigenvalues({{-1, 2}, {-1, 2}}, Eigen::MatrixXd::Identity(2, 2)),
               std::invalid_argument);
}

TEST(TargetSpectrum, PolesLieInsideWithTheMargin) {
  for (auto [name, order] : {std::pair<const char *, int>{"Euler", 1}, {"RK4", 4}}) {
    StabilityFunction R = stabilityOf(name);
    Random rng(2);
    for (int n : {1, 4, 7}) {
      std::vector<Complex> z = sampleStablePoles(R, 0.8, PoleRegion{}, 0.1, n, rng);
      ASSERT_EQ(z.size(), size_t(n));
      for (size_t k = 0; k + 1 < z.size(); k += 2)
        EXPECT_EQ(z[k + 1], std::conj(z[k]));
      EXPECT_EQ(z.back().imag() == 0, n % 2 == 1) << name << " " << n;
      for (Complex p : z) {
        EXPECT_LE(absR(order, p), 0.8 * 0.999) << name;
        EXPECT_LT(p.real(), 0);
      }
    }
  }
}

TEST(TargetSpectrum, PolesCoverTheRegionsHeight) {
  // RK4's region reaches |Im z| ≈ 2.83 near the imaginary axis, and well above 2 with margin
  // 0.9: the sampling box must be found tall enough to draw poles up there.
  StabilityFunction R = stabilityOf("RK4");
  Random rng(5);
  double top = 0;
  for (Complex p : sampleStablePoles(R, 0.9, PoleRegion{}, 0.1, 400, rng))
    top = std::max(top, std::abs(p.imag()));
  EXPECT_GT(top, 2.0);
}

TEST(TargetSpectrum, PolesStayInTheirRegion) {
  // real/imag bound z = hλ; radius/frequency bound |λ| and |Im λ| (h = 0.2 here).
  StabilityFunction R = stabilityOf("RK4");
  PoleRegion box;
  box.real = std::pair(-0.4, -0.1);
  box.imag = std::pair(-0.3, 0.3);
  PoleRegion scales;
  scales.radius = std::pair(0.5, 2.0);
  scales.frequency = std::pair(0.0, 1.0);
  Random rng(4);
  for (Complex z : sampleStablePoles(R, 1, box, 0.2, 301, rng)) {
    EXPECT_GE(z.real(), -0.4);
    EXPECT_LE(z.real(), -0.1);
    EXPECT_LE(std::abs(z.imag()), 0.3);
    EXPECT_LE(absR(4, z), 0.999);
  }
  for (Complex z : sampleStablePoles(R, 1, scales, 0.2, 301, rng)) {
    const Complex l = z / 0.2;
    EXPECT_GE(std::abs(l), 0.5 * (1 - 1e-12));
    EXPECT_LE(std::abs(l), 2.0 * (1 + 1e-12));
    EXPECT_LE(std::abs(l.imag()), 1.0 * (1 + 1e-12));
    EXPECT_LE(absR(4, z), 0.999);
  }
  // The defaults: decay within 2 to 100 steps, at most half a radian per step.
  for (Complex z : sampleStablePoles(R, 0.9, PoleRegion::defaults(), 0.1, 100, rng)) {
    EXPECT_GE(z.real(), -0.5);
    EXPECT_LE(z.real(), -0.01);
    EXPECT_LE(std::abs(z.imag()), 0.5);
  }
}

TEST(TargetSpectrum, MarginAboveOneRelaxesTheRegion) {
  // Euler: |1 + z| ≤ 1.2 reaches Re z up to 0.2; some poles grow (|R| > 1), none beyond 1.2.
  StabilityFunction R = stabilityOf("Euler");
  PoleRegion right;
  right.real = std::pair(-0.5, 0.5);
  right.imag = std::pair(-0.5, 0.5);
  Random rng(6);
  int growing = 0;
  for (Complex z : sampleStablePoles(R, 1.2, right, 0.1, 200, rng)) {
    EXPECT_LE(std::abs(1.0 + z), 1.2 * 0.999);
    growing += std::abs(1.0 + z) > 1;
  }
  EXPECT_GT(growing, 0);
}

TEST(TargetSpectrum, DisjointRegionIsAClearError) {
  // RK4 with margin 0.9 needs Re z < −0.1 near the origin: (−0.05, −0.01) has no such pole.
  StabilityFunction R = stabilityOf("RK4");
  PoleRegion thin;
  thin.real = std::pair(-0.05, -0.01);
  thin.imag = std::pair(-0.01, 0.01);
  Random rng(1);
  try {
    sampleStablePoles(R, 0.9, thin, 0.1, 2, rng);
    FAIL() << "expected InitFailure";
  } catch (const InitFailure &e) {
    EXPECT_NE(std::string(e.what()).find("do not overlap; widen placement(real = …, imag = …) "
                                         "or use a larger margin"),
              std::string::npos)
        << e.what();
  }
}

TEST(InitProblem, ValidateNamesTheProblem) {
  StabilityInitProblem p;
  p.stateDim = 2;
  p.step = 0.1;
  p.operatingPoints = {{0, 0}};
  p.jacobian = [](const double *, const double *, const double *, double *J) {
    J[0] = J[1] = J[2] = J[3] = 0;
  };
  EXPECT_NO_THROW(p.validate());
  auto message = [&p] {
    try {
      p.validate();
    } catch (const std::invalid_argument &e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  p.operatingPoints = {{0, 0, 0}};
  EXPECT_EQ(message(), "operating point 1 has 3 values; the state has 2");
  p.operatingPoints = {{0, 0}, {1, 1}};
  p.exoDim = 2;
  p.exogenous = {{0, 1}};
  EXPECT_EQ(message(), "time and inputs given for 1 of 2 operating points");
  p.exogenous = {{0, 1}, {0}};
  EXPECT_EQ(message(), "operating point 2 has 1 time and input values; the model has 2");
  p.exogenous = {{0, 1}, {0, NAN}};
  EXPECT_EQ(message(), "the time or inputs of operating point 2 are not finite");
  p.exogenous = {{0, 1}, {0, 2}};
  EXPECT_EQ(message(), "no error");
  p.operatingPoints = {};
  EXPECT_THROW(p.validate(), std::invalid_argument);
}

TEST(DataSpectrum, MidpointFitOfExactSamplesIsTheCayleyTransform) {
  // Exact samples of ddt(x) = A x, A = [[-0.1, 1], [-1, -0.1]] (λ = −0.1 ± i), every Δ = 0.2:
  // x_{k+1} = e^{AΔ} x_k, and the fit (x_{k+1} − x_k)/Δ = M (x_k + x_{k+1})/2 holds exactly for
  // M = (2/Δ) tanh(AΔ/2), so its eigenvalues are (2/Δ) tanh(λΔ/2) to rounding.
  const double dt = 0.2;
  TrajectoryData data;
  data.stateColumns = {"x[1]", "x[2]"};
  for (auto [id, a, b] : {std::tuple{1, 1.0, 0.0}, std::tuple{2, 0.3, -0.7}}) {
    Trajectory t{id, {}, {}, {}, {}};
    for (int k = 0; k <= 50; ++k) {
      const double time = k * dt, decay = std::exp(-0.1 * time);
      t.times.push_back(time);
      t.states.push_back(decay * (std::cos(time) * a + std::sin(time) * b));
      t.states.push_back(decay * (-std::sin(time) * a + std::cos(time) * b));
    }
    data.trajectories.push_back(t);
  }
  std::vector<Complex> got = linearizedDataSpectrum(data);
  ASSERT_EQ(got.size(), 2u);
  for (Complex want : {Complex(-0.1, -1), Complex(-0.1, 1)}) {
    Complex cayley = 2 / dt * std::tanh(want * dt / 2.0);
    double miss = std::min(std::abs(got[0] - cayley), std::abs(got[1] - cayley));
    EXPECT_LT(miss, 1e-10) << cayley;
  }
  // Too few intervals, or states on a line, determine no fit.
  TrajectoryData tiny = data;
  tiny.trajectories = {Trajectory{1, {0, 0.2}, {1, 0, 0.9, 0.1}, {}, {}}};
  EXPECT_THROW(linearizedDataSpectrum(tiny), std::invalid_argument);
  TrajectoryData line = data;
  line.trajectories = {Trajectory{1, {0, 1, 2, 3}, {1, 1, 2, 2, 3, 3, 4, 4}, {}, {}}};
  EXPECT_THROW(linearizedDataSpectrum(line), std::invalid_argument);
}
