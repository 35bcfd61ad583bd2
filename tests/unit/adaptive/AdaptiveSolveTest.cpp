// Adaptive steps (AdaptiveSolver): the fused solver against an independent implementation of
// the same pair, controller and dense output written here; dense output that leaves the steps
// alone; the global error against the exact solution of a linear system as the tolerance
// shrinks; lanes independent of each other; bad input refused.
#include "../ErrorOf.h"
#include "odec/odec.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <unsupported/Eigen/MatrixFunctions>

#include <array>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

namespace {

using odec::test::errorOf;

const char *kModels = R"(
model VanDerPol
    state x::Vector{2}
    param mu::Real ~ Constant(2.0)
    ddt(x) = [x[2]; mu * (1 - x[1]^2) * x[2] - x[1]]
end

model Linear
    state x::Vector{2}
    param A::Matrix{2,2} ~ Constant(0.0)
    ddt(x) = A * x
end

model Blowup
    state x::Real
    ddt(x) = x^2
end

model Observed
    state x::Vector{2}
    param mu::Real ~ Constant(2.0)
    param c::Vector{2} ~ Constant(0.5)
    ddt(x) = [x[2]; mu * (1 - x[1]^2) * x[2] - x[1]]
    output y = c' * x
end
)";

using State = std::array<double, 2>;
using Field = std::function<State(const State &)>;

// Dormand–Prince 5(4), written out here (not read from odec's prelude).
const double kC[7] = {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1};
const double kA[7][6] = {{0, 0, 0, 0, 0, 0},
                         {1.0 / 5, 0, 0, 0, 0, 0},
                         {3.0 / 40, 9.0 / 40, 0, 0, 0, 0},
                         {44.0 / 45, -56.0 / 15, 32.0 / 9, 0, 0, 0},
                         {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729, 0, 0},
                         {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656, 0},
                         {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84}};
const double kB[7] = {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0};
const double kE[7] = {35.0 / 384 - 5179.0 / 57600,      0,
                      500.0 / 1113 - 7571.0 / 16695,    125.0 / 192 - 393.0 / 640,
                      -2187.0 / 6784 + 92097.0 / 339200, 11.0 / 84 - 187.0 / 2100,
                      -1.0 / 40};

// Shampine's continuous extension as Hairer's dopri5 writes it (CONTD5), in its nested form:
// x(θ) = x_n + θ (Δ + (1 − θ)(s + θ (c3 + (1 − θ) c4))) with Δ = x_{n+1} − x_n, s = h K1 − Δ,
// c3 = Δ − h K7 − s and c4 = h Σ d_i K_i.
const double kD[7] = {-12715105075.0 / 11282082432, 0, 87487479700.0 / 32700410799,
                      -10690763975.0 / 1880347072, 701980252875.0 / 199316789632,
                      -1453857185.0 / 822651844, 69997945.0 / 29380423};

struct Reference {
  std::vector<State> states; // at each output time
  int accepted = 0, rejected = 0;
  std::vector<std::pair<double, bool>> taken; // accepted steps: length, ended on its limit
};

struct Step {
  State y, e;
  State K[7];
};

// One Dormand–Prince step of length h from x: the new state, the error estimate, the slopes.
Step dopri5Step(const Field &f, const State &x, double hs) {
  Step s;
  for (int i = 0; i < 7; ++i) {
    State xi = x;
    for (int j = 0; j < i; ++j)
      for (int d = 0; d < 2; ++d)
        xi[d] += hs * kA[i][j] * s.K[j][d];
    s.K[i] = f(xi);
  }
  s.y = x;
  s.e = {0, 0};
  for (int d = 0; d < 2; ++d)
    for (int i = 0; i < 7; ++i) {
      s.y[d] += hs * kB[i] * s.K[i][d];
      s.e[d] += hs * kE[i] * s.K[i][d];
    }
  return s;
}

State dense(const State &x, const Step &s, double hs, double theta) {
  State out;
  for (int d = 0; d < 2; ++d) {
    const double delta = s.y[d] - x[d], spline = hs * s.K[0][d] - delta;
    const double c3 = delta - hs * s.K[6][d] - spline;
    double c4 = 0;
    for (int i = 0; i < 7; ++i)
      c4 += hs * kD[i] * s.K[i][d];
    out[d] = x[d] + theta * (delta + (1 - theta) * (spline + theta * (c3 + (1 - theta) * c4)));
  }
  return out;
}

// The states at the output times of the accepted steps `taken` (each ending on its limit or
// not: the next output time stepping to times, else the last), replayed from x with f, the
// outputs between step ends from the dense output.
std::vector<State> replay(const Field &f, State x,
                          const std::vector<std::pair<double, bool>> &taken,
                          const std::vector<double> &times, bool stepToTimes) {
  std::vector<State> out{x};
  double t = times[0];
  size_t k = 1;
  for (const auto &[h, hits] : taken) {
    const Step s = dopri5Step(f, x, h);
    const double tNew = hits ? (stepToTimes ? times[k] : times.back()) : t + h;
    for (; k < times.size() && times[k] <= tNew; ++k)
      out.push_back(times[k] == tNew ? s.y : dense(x, s, h, (times[k] - t) / h));
    x = s.y;
    t = tNew;
  }
  return out;
}

// The controller AdaptiveSolver documents: RMS error in weights atol + rtol·max(|x|, |x_new|),
// accept at err ≤ 1; after an accepted step the factor 0.9·err^(−α)·err_prev^β within [0.2, 10]
// (α = 1/5 − 0.75 β, err_prev the last accepted error, at least 1e-4, initially 1e-4), after a
// rejection 0.9·err^(−α) within [0.2, 1]. Steps end on the last time (or, stepping to times, on
// each output time); outputs between come from the dense output; after a step shortened to end
// on its limit the proposal before it is kept when larger.
Reference dopri5(const Field &f, State x, const std::vector<double> &times, double h,
                 double rtol, double atol, double beta = 0.04, bool stepToTimes = false) {
  Reference r;
  r.states.push_back(x);
  double t = times[0], errPrev = 1e-4;
  const double alpha = 0.2 - 0.75 * beta;
  for (size_t k = 1; k < times.size();) {
    const double limit = stepToTimes ? times[k] : times.back();
    const bool hits = h >= limit - t;
    const double hs = hits ? limit - t : h;
    const Step s = dopri5Step(f, x, hs);
    double sum = 0;
    for (int d = 0; d < 2; ++d) {
      const double r2 = s.e[d] / (atol + rtol * std::max(std::abs(x[d]), std::abs(s.y[d])));
      sum += r2 * r2;
    }
    const double err = std::sqrt(sum / 2);
    if (err <= 1) {
      ++r.accepted;
      r.taken.push_back({hs, hits});
      const double tNew = hits ? limit : t + hs;
      for (; k < times.size() && times[k] <= tNew; ++k)
        r.states.push_back(times[k] == tNew ? s.y : dense(x, s, hs, (times[k] - t) / hs));
      const double factor =
          std::min(10.0, std::max(0.2, 0.9 * std::pow(err, -alpha) * std::pow(errPrev, beta)));
      errPrev = std::max(err, 1e-4);
      x = s.y;
      t = tNew;
      h = hits ? std::max(hs * factor, h) : hs * factor;
    } else {
      ++r.rejected;
      h = hs * std::min(1.0, std::max(0.2, 0.9 * std::pow(err, -alpha)));
    }
  }
  return r;
}

double relErr(double a, double b) { return std::abs(a - b) / std::max(1.0, std::abs(b)); }

TEST(AdaptiveSolve, DormandPrince5MatchesAnIndependentImplementation) {
  const odec::Model m = odec::Program::fromString(kModels, "a.node").model("VanDerPol");
  const odec::AdaptiveSolver solver = m.adaptiveSolver("DormandPrince5");
  const std::vector<double> times = {0.0, 0.7, 1.3, 2.0, 4.5, 8.0};
  const std::vector<double> x0 = {2.0, 0.0, -1.0, 1.5, 0.3, -0.2};
  const Field vdp = [](const State &x) { return State{x[1], 2.0 * (1 - x[0] * x[0]) * x[1] - x[0]}; };
  for (bool stepToTimes : {false, true})
    for (double beta : {0.04, 0.0})
      for (double tol : {1e-4, 1e-7, 1e-10}) {
        odec::AdaptiveSettings s;
        s.rtol = s.atol = tol;
        s.firstStep = 0.01;
        s.beta = beta;
        s.stepToTimes = stepToTimes;
        const odec::AdaptiveSolver::Result r = solver.solve({2.0}, x0, times, s);
        ASSERT_EQ(r.states.size(), 3 * times.size() * 2);
        int64_t nfe = 0;
        for (int b = 0; b < 3; ++b) {
          const std::string where = "trajectory " + std::to_string(b) + ", tol " +
                                    std::to_string(tol) + ", beta " + std::to_string(beta) +
                                    (stepToTimes ? ", stepping to times" : ", dense output");
          const Reference ref = dopri5(vdp, {x0[size_t(2 * b)], x0[size_t(2 * b + 1)]}, times,
                                       0.01, tol, tol, beta, stepToTimes);
          EXPECT_EQ(r.accepted[size_t(b)], ref.accepted) << where;
          EXPECT_EQ(r.rejected[size_t(b)], ref.rejected) << where;
          // FSAL: the first slope once, then six new stages a step, accepted or not.
          nfe += 1 + 6 * (ref.accepted + ref.rejected);
          for (size_t k = 0; k < times.size(); ++k)
            for (size_t d = 0; d < 2; ++d)
              EXPECT_LT(relErr(r.states[(size_t(b) * times.size() + k) * 2 + d], ref.states[k][d]),
                        1e-12)
                  << where << ", time " << times[k];
        }
        EXPECT_EQ(r.nfe, nfe);
      }
}

// Dense output: the steps do not depend on where the outputs are, and what is output between
// step ends is as accurate as the step ends are (the pairs' own extensions and the Hermite
// interpolant, FSAL or not).
TEST(AdaptiveSolve, OutputTimesDoNotChangeTheSteps) {
  const odec::Model m = odec::Program::fromString(kModels, "a.node").model("Linear");
  const std::vector<double> A = {-0.1, -2, 2, -0.1};
  Eigen::Matrix2d Am;
  Am << A[0], A[1], A[2], A[3];
  std::vector<double> many;
  for (int k = 0; k <= 200; ++k)
    many.push_back(0.05 * k);
  for (const char *pair : {"DormandPrince5", "Tsit5", "BogackiShampine3", "CashKarp45"}) {
    const odec::AdaptiveSolver solver = m.adaptiveSolver(pair);
    odec::AdaptiveSettings s;
    s.rtol = s.atol = 1e-8;
    const auto ends = solver.solve(A, {1.0, 0.5}, {0.0, 10.0}, s);
    const auto dense = solver.solve(A, {1.0, 0.5}, many, s);
    EXPECT_EQ(dense.accepted[0], ends.accepted[0]) << pair;
    EXPECT_EQ(dense.rejected[0], ends.rejected[0]) << pair;
    EXPECT_EQ(dense.nfe, ends.nfe) << pair;
    EXPECT_EQ(dense.states[many.size() * 2 - 2], ends.states[2]) << pair;
    EXPECT_EQ(dense.states[many.size() * 2 - 1], ends.states[3]) << pair;
    double worst = 0;
    for (size_t k = 0; k < many.size(); ++k) {
      const Eigen::Vector2d exact = (Am * many[k]).exp() * Eigen::Vector2d(1.0, 0.5);
      worst = std::max(worst, std::hypot(dense.states[2 * k] - exact(0),
                                         dense.states[2 * k + 1] - exact(1)));
    }
    const Eigen::Vector2d last = (Am * 10.0).exp() * Eigen::Vector2d(1.0, 0.5);
    const double endErr = std::hypot(ends.states[2] - last(0), ends.states[3] - last(1));
    EXPECT_LT(worst, 1e-6) << pair;
    EXPECT_LT(worst, 20 * std::max(endErr, 1e-9)) << pair;
    // Stepping to the times instead takes more steps (about one for each output time).
    s.stepToTimes = true;
    const auto stepped = solver.solve(A, {1.0, 0.5}, many, s);
    EXPECT_GT(stepped.accepted[0], ends.accepted[0] + 100) << pair;
  }
}

// Van der Pol's loss problem of the gradient tests: two trajectories observed at three times,
// batch x 3 times x 2 values, one missing.
const std::vector<double> kLossTimes = {0.0, 0.7, 1.3, 2.4}, kLossX0 = {2.0, 0.0, -1.0, 1.5};
const std::vector<double> kLossValues = {1.5, -0.5, 1.0, std::nan(""), 0.2, -1.0,
                                         -1.5, 0.3, -0.4, 1.1, 0.9, 0.8};

// The gradient holds the accepted steps fixed: central differences of the loss of the
// reference's accepted steps replayed with perturbed parameters and initial states. The loss
// compares the dense output between step ends (odec differentiates it through the stages it
// weighs, the FSAL stage's weight through the next step's first stage), or with stepToTimes
// the ends of steps shortened to the times.
TEST(AdaptiveSolve, GradientIsTheDiscreteAdjointOfTheAcceptedSteps) {
  const odec::Model m = odec::Program::fromString(kModels, "a.node").model("VanDerPol");
  const odec::AdaptiveSolver solver = m.adaptiveSolver("DormandPrince5");
  const std::vector<double> &times = kLossTimes, &x0 = kLossX0, &values = kLossValues;
  const double mu = 2.0;
  auto field = [](double mu) {
    return Field([mu](const State &x) { return State{x[1], mu * (1 - x[0] * x[0]) * x[1] - x[0]}; });
  };
  for (bool stepToTimes : {false, true}) {
    SCOPED_TRACE(stepToTimes ? "stepping to the times" : "dense output");
    odec::AdaptiveSettings s;
    s.rtol = s.atol = 1e-6;
    s.firstStep = 0.05;
    s.stepToTimes = stepToTimes;
    const odec::AdaptiveSolver::Loss g = solver.loss({mu}, x0, times, values, s);
    EXPECT_EQ(g.count, 11);
    std::vector<std::vector<std::pair<double, bool>>> taken;
    for (int b = 0; b < 2; ++b) {
      const Reference ref = dopri5(field(mu), {x0[size_t(2 * b)], x0[size_t(2 * b + 1)]}, times,
                                   0.05, 1e-6, 1e-6, 0.04, stepToTimes);
      EXPECT_EQ(g.accepted[size_t(b)], ref.accepted);
      taken.push_back(ref.taken);
    }
    // Outputs inside steps (the case the dense gradient is for): stepping to them takes more.
    if (!stepToTimes) {
      odec::AdaptiveSettings stepped = s;
      stepped.stepToTimes = true;
      const odec::AdaptiveSolver::Loss ends = solver.loss({mu}, x0, times, values, stepped);
      EXPECT_LT(g.accepted[0] + g.accepted[1], ends.accepted[0] + ends.accepted[1]);
      EXPECT_NE(g.loss, ends.loss);
    }
    auto loss = [&](double mu, const std::vector<double> &x) {
      double sum = 0;
      for (size_t b = 0; b < 2; ++b) {
        const auto out = replay(field(mu), {x[2 * b], x[2 * b + 1]}, taken[b], times, stepToTimes);
        for (size_t k = 1; k < times.size(); ++k)
          for (size_t d = 0; d < 2; ++d) {
            const double v = values[(b * 3 + k - 1) * 2 + d];
            if (!std::isnan(v))
              sum += (out[k][d] - v) * (out[k][d] - v);
          }
      }
      return sum / 11;
    };
    EXPECT_LT(relErr(g.loss, loss(mu, x0)), 1e-12);
    const double eps = 1e-6;
    const double dmu = (loss(mu + eps, x0) - loss(mu - eps, x0)) / (2 * eps);
    EXPECT_NEAR(g.gradParams[0], dmu, 1e-6 * std::max(1.0, std::abs(dmu)));
    for (size_t i = 0; i < 4; ++i) {
      std::vector<double> up = x0, down = x0;
      up[i] += eps;
      down[i] -= eps;
      const double fd = (loss(mu, up) - loss(mu, down)) / (2 * eps);
      EXPECT_NEAR(g.gradX0[i], fd, 1e-6 * std::max(1.0, std::abs(fd))) << "x0[" << i << "]";
    }
    // A solve of more steps than the first guess of room for them records them all.
    s.rtol = s.atol = 1e-12;
    const odec::AdaptiveSolver::Loss fine = solver.loss({mu}, x0, times, values, s);
    EXPECT_GT(fine.accepted[0], 64 * 3);
    EXPECT_NEAR(fine.loss, g.loss, 1e-4 * g.loss);
    // The room follows the last loss (now the fine one's: ample); the results do not.
    s.rtol = s.atol = 1e-6;
    const odec::AdaptiveSolver::Loss again = solver.loss({mu}, x0, times, values, s);
    EXPECT_EQ(again.loss, g.loss);
    EXPECT_EQ(again.gradParams, g.gradParams);
    EXPECT_EQ(again.gradX0, g.gradX0);
    EXPECT_EQ(again.accepted, g.accepted);
  }
}

// The dense output's gradient for every built-in pair (its own extension, FSAL or not, and
// the Hermite interpolant), observed in the states and through an output line: central
// differences of the loss at a tolerance where the step sizes' own dependence on the
// parameters is below the test's (the exact check of the stage cotangents, with the steps
// frozen, is GradientIsTheDiscreteAdjointOfTheAcceptedSteps). Eleven trajectories of different step counts, so the
// replay groups them (chunks of 2, 4 or 8 lanes by the level).
TEST(AdaptiveSolve, DenseOutputGradientOfEveryPairMatchesFiniteDifferences) {
  const odec::Program program = odec::Program::fromString(kModels, "a.node");
  const std::vector<double> times = {0.0, 0.3, 0.8, 1.1, 1.9, 2.4};
  std::vector<double> x0;
  for (int b = 0; b < 11; ++b)
    x0.insert(x0.end(), {0.3 * b - 1.45, b % 3 == 0 ? 2.5 : 0.2 * b - 1.1});
  for (const char *name : {"VanDerPol", "Observed"}) {
    const odec::Model m = program.model(name);
    const std::vector<double> params =
        std::string(name) == "Observed" ? std::vector<double>{2.0, 0.7, -0.4}
                                        : std::vector<double>{2.0};
    const int64_t O = std::string(name) == "Observed" ? 1 : 2, K = int64_t(times.size()) - 1;
    std::vector<double> values;
    for (int64_t i = 0; i < 11 * K * O; ++i)
      values.push_back(i == 7 ? std::nan("") : std::sin(0.7 * double(i)));
    for (const char *pair :
         {"DormandPrince5", "Tsit5", "BogackiShampine3", "CashKarp45", "Fehlberg45"}) {
      SCOPED_TRACE(std::string(name) + ", " + pair);
      const odec::AdaptiveSolver solver = m.adaptiveSolver(pair);
      odec::AdaptiveSettings s;
      // CashKarp45's Hermite output moves with its steps by 5e-6 relative at 1e-10.
      s.rtol = s.atol = 1e-11;
      const odec::AdaptiveSolver::Loss g = solver.loss(params, x0, times, values, s);
      ASSERT_EQ(g.count, 11 * K * O - 1);
      EXPECT_GT(*std::max_element(g.accepted.begin(), g.accepted.end()),
                *std::min_element(g.accepted.begin(), g.accepted.end()));
      // The loss compares the dense output solve() gives (the states, for VanDerPol).
      if (O == 2) {
        const auto solved = solver.solve(params, x0, times, s);
        double sum = 0;
        for (int64_t b = 0; b < 11; ++b)
          for (int64_t k = 1; k <= K; ++k)
            for (int64_t d = 0; d < 2; ++d) {
              const double v = values[size_t((b * K + k - 1) * 2 + d)];
              const double x = solved.states[size_t((b * (K + 1) + k) * 2 + d)];
              sum += std::isnan(v) ? 0 : (x - v) * (x - v);
            }
        EXPECT_LT(relErr(g.loss, sum / double(g.count)), 1e-14);
      }
      const double eps = 1e-6;
      auto central = [&](const std::vector<double> &p, const std::vector<double> &x, double *at) {
        const double saved = *at;
        *at = saved + eps;
        const auto up = solver.loss(p, x, times, values, s);
        *at = saved - eps;
        const auto down = solver.loss(p, x, times, values, s);
        EXPECT_EQ(up.accepted, down.accepted); // the same steps either side
        return (up.loss - down.loss) / (2 * eps);
      };
      for (size_t i = 0; i < params.size(); ++i) {
        std::vector<double> p = params;
        const double fd = central(p, x0, &p[i]);
        EXPECT_NEAR(g.gradParams[i], fd, 1e-6 * std::max(1.0, std::abs(fd))) << "param " << i;
      }
      for (size_t i : {0, 1, 10, 21}) {
        std::vector<double> x = x0;
        const double fd = central(params, x, &x[i]);
        EXPECT_NEAR(g.gradX0[i], fd, 1e-6 * std::max(1.0, std::abs(fd))) << "x0[" << i << "]";
      }
    }
  }
}

// The continuous adjoint (backward adaptive integration of [x, λ, θ̄]) approaches the discrete
// gradient as the tolerance shrinks, for the parameters and x0.
TEST(AdaptiveSolve, ContinuousAdjointConvergesToTheDiscreteGradient) {
  const odec::Model m = odec::Program::fromString(kModels, "a.node").model("VanDerPol");
  const odec::AdaptiveSolver solver = m.adaptiveSolver("DormandPrince5");
  const std::vector<double> &times = kLossTimes, &x0 = kLossX0, &values = kLossValues;
  odec::AdaptiveSettings s;
  s.rtol = s.atol = 1e-12;
  const odec::AdaptiveSolver::Loss exact = solver.loss({2.0}, x0, times, values, s);
  s.adjoint = odec::Adjoint::Continuous;
  double previous = INFINITY;
  for (double tol : {1e-4, 1e-6, 1e-8, 1e-10}) {
    s.rtol = s.atol = tol;
    const odec::AdaptiveSolver::Loss c = solver.loss({2.0}, x0, times, values, s);
    EXPECT_EQ(c.count, 11);
    EXPECT_NEAR(c.loss, exact.loss, 100 * tol);
    double err = std::abs(c.gradParams[0] - exact.gradParams[0]);
    for (size_t i = 0; i < 4; ++i)
      err = std::max(err, std::abs(c.gradX0[i] - exact.gradX0[i]));
    EXPECT_LT(err, 1000 * tol) << "tol " << tol;
    EXPECT_LT(err, previous) << "tol " << tol;
    previous = err;
  }
  EXPECT_LT(previous, 1e-7);
  // Driven models and outputs are for the discrete adjoint.
  const odec::Model driven =
      odec::Program::fromString("model F\n state x::Real\n ddt(x) = -x + sin(t)\nend\n", "f.node")
          .model("F");
  EXPECT_EQ(errorOf([&] { driven.adaptiveSolver("Tsit5").loss({}, {1}, {0, 1}, {0.5}, s); }),
            "the continuous adjoint needs an autonomous model; model 'F' reads the time or inputs "
            "(use the discrete adjoint)");
}

TEST(AdaptiveSolve, GlobalErrorTracksTheTolerance) {
  // ddt(x) = A x with A = [[-0.1, -2], [2, -0.1]]: x(t) = e^{At} x0 exactly.
  const odec::Model m = odec::Program::fromString(kModels, "a.node").model("Linear");
  const std::vector<double> A = {-0.1, -2, 2, -0.1};
  Eigen::Matrix2d Am;
  Am << A[0], A[1], A[2], A[3];
  const Eigen::Vector2d exact = (Am * 10.0).exp() * Eigen::Vector2d(1.0, 0.5);
  for (const char *pair :
       {"DormandPrince5", "Tsit5", "CashKarp45", "Fehlberg45", "BogackiShampine3"}) {
    const odec::AdaptiveSolver solver = m.adaptiveSolver(pair);
    double previousErr = INFINITY;
    int64_t previousSteps = 0;
    std::vector<double> logTol, logErr;
    for (double tol = 1e-3; tol >= 1e-10; tol /= 10) {
      odec::AdaptiveSettings s;
      s.rtol = s.atol = tol;
      const auto r = solver.solve(A, {1.0, 0.5}, {0.0, 10.0}, s);
      const double err =
          std::hypot(r.states[2] - exact(0), r.states[3] - exact(1)) / exact.norm();
      // Below the tolerance times a modest constant (Fehlberg45 propagates its order-4
      // solution, whose error the order-5 one estimates: the largest), shrinking with it,
      // with more steps.
      EXPECT_LT(err, 1000 * tol) << pair << " at tol " << tol;
      EXPECT_LT(err, previousErr) << pair << " at tol " << tol;
      EXPECT_GT(r.accepted[0], previousSteps) << pair << " at tol " << tol;
      previousErr = err;
      previousSteps = r.accepted[0];
      logTol.push_back(std::log10(tol));
      logErr.push_back(std::log10(err));
    }
    // Tolerance proportionality: the error falls about as fast as the tolerance (a slope of
    // about 1 on log axes; a fixed-step method's error would not follow it at all).
    const double n = double(logTol.size());
    double mx = 0, my = 0;
    for (size_t i = 0; i < logTol.size(); ++i)
      mx += logTol[i] / n, my += logErr[i] / n;
    double sxy = 0, sxx = 0;
    for (size_t i = 0; i < logTol.size(); ++i) {
      sxy += (logTol[i] - mx) * (logErr[i] - my);
      sxx += (logTol[i] - mx) * (logTol[i] - mx);
    }
    EXPECT_GT(sxy / sxx, 0.75) << pair;
    EXPECT_LT(sxy / sxx, 1.25) << pair;
  }
}

TEST(AdaptiveSolve, TrajectoriesStepIndependently) {
  // A batch whose trajectories need very different steps gives each what it gives alone, and
  // the first step chosen per trajectory (Hairer's selection) is part of that.
  const odec::Model m = odec::Program::fromString(kModels, "a.node").model("VanDerPol");
  const odec::AdaptiveSolver solver = m.adaptiveSolver("DormandPrince5");
  const std::vector<double> times = {0.0, 1.0, 3.0, 6.0};
  std::vector<double> x0;
  for (int b = 0; b < 11; ++b)
    x0.insert(x0.end(), {0.2 * b - 1.0, b % 3 == 0 ? 4.0 : 0.1 * b});
  odec::AdaptiveSettings s;
  s.rtol = 1e-8;
  s.atol = 1e-8;
  const auto all = solver.solve({2.0}, x0, times, s);
  for (size_t b = 0; b < 11; ++b) {
    const auto one = solver.solve({2.0}, {x0[2 * b], x0[2 * b + 1]}, times, s);
    EXPECT_EQ(all.accepted[b], one.accepted[0]) << b;
    EXPECT_EQ(all.rejected[b], one.rejected[0]) << b;
    for (size_t i = 0; i < times.size() * 2; ++i)
      EXPECT_LT(relErr(all.states[b * times.size() * 2 + i], one.states[i]), 1e-12) << b;
  }
}

// The emitted C++ (CodePath::Cpp: solveAdaptive in the header, compiled by Clang) steps as the
// LLVM code does: the same counts and the same states up to rounding, for an FSAL pair with its
// own dense output, a non-FSAL pair's Hermite output and stepping to the times; its gradient
// replays on the LLVM path.
TEST(AdaptiveSolve, EmittedCppStepsAsTheJitDoes) {
  const odec::Model m = odec::Program::fromString(kModels, "a.node").model("VanDerPol");
  odec::CompileOptions cpp;
  cpp.path = odec::CodePath::Cpp;
  std::vector<double> times;
  for (int k = 0; k <= 30; ++k)
    times.push_back(0.25 * k);
  const std::vector<double> x0 = {2.0, 0.0, -1.0, 1.5, 0.3, -0.2};
  for (const char *pair : {"DormandPrince5", "CashKarp45", "Tsit5"})
    for (bool stepToTimes : {false, true}) {
      SCOPED_TRACE(std::string(pair) + (stepToTimes ? ", stepping to times" : ", dense output"));
      odec::AdaptiveSettings s;
      s.rtol = s.atol = 1e-8;
      s.stepToTimes = stepToTimes;
      const auto jit = m.adaptiveSolver(pair).solve({2.0}, x0, times, s);
      const auto emitted = m.adaptiveSolver(pair, cpp).solve({2.0}, x0, times, s);
      EXPECT_EQ(emitted.accepted, jit.accepted);
      EXPECT_EQ(emitted.rejected, jit.rejected);
      EXPECT_EQ(emitted.nfe, jit.nfe);
      // Clang and the LLVM emitter round differently (FMA contraction); Van der Pol's growth
      // over 7.5 time units takes 1e-16 to a few 1e-12.
      for (size_t i = 0; i < jit.states.size(); ++i)
        EXPECT_LT(relErr(emitted.states[i], jit.states[i]), 1e-10) << i;
    }
  std::vector<double> values(3 * 30 * 2, 0.5);
  odec::AdaptiveSettings s;
  s.rtol = s.atol = 1e-8;
  const auto a = m.adaptiveSolver("DormandPrince5").loss({2.0}, x0, times, values, s);
  const auto b = m.adaptiveSolver("DormandPrince5", cpp).loss({2.0}, x0, times, values, s);
  EXPECT_LT(relErr(b.loss, a.loss), 1e-12);
  EXPECT_LT(relErr(b.gradParams[0], a.gradParams[0]), 1e-9);
  // A driven model's adaptive steps are LLVM's alone.
  const odec::Model driven =
      odec::Program::fromString("model F\n state x::Real\n ddt(x) = -x + sin(t)\nend\n", "f.node")
          .model("F");
  EXPECT_EQ(errorOf([&] { driven.adaptiveSolver("Tsit5", cpp); }),
            "the emitted C++ steps adaptively for autonomous models; model 'F' reads the time or "
            "inputs (use CodePath::LLVM)");
}

TEST(AdaptiveSolve, FloatCodeFollowsDoubleWithinItsTolerance) {
  const odec::Model m = odec::Program::fromString(kModels, "a.node").model("VanDerPol");
  odec::CompileOptions single;
  single.precision = odec::Precision::Float;
  odec::AdaptiveSettings s;
  s.rtol = s.atol = 1e-5;
  const std::vector<double> times = {0.0, 1.0, 2.5}, x0 = {2.0, 0.0, -0.5, 1.0};
  const auto f = m.adaptiveSolver("DormandPrince5", single).solve({2.0}, x0, times, s);
  s.rtol = s.atol = 1e-11;
  const auto d = m.adaptiveSolver("DormandPrince5").solve({2.0}, x0, times, s);
  for (size_t i = 0; i < d.states.size(); ++i)
    EXPECT_LT(relErr(f.states[i], d.states[i]), 1e-3) << i;
  // The loss and its gradient too: the float solve's dense output, replayed in float.
  const std::vector<double> values = {1.0, 0.5, -1.0, 0.2, 0.3, -0.4, 0.8, 0.1};
  s.rtol = s.atol = 1e-5;
  const auto lf = m.adaptiveSolver("DormandPrince5", single).loss({2.0}, x0, times, values, s);
  s.rtol = s.atol = 1e-11;
  const auto ld = m.adaptiveSolver("DormandPrince5").loss({2.0}, x0, times, values, s);
  EXPECT_LT(relErr(lf.loss, ld.loss), 1e-3);
  EXPECT_LT(relErr(lf.gradParams[0], ld.gradParams[0]), 1e-3);
  for (size_t i = 0; i < x0.size(); ++i)
    EXPECT_LT(relErr(lf.gradX0[i], ld.gradX0[i]), 1e-3) << i;
}

TEST(AdaptiveSolve, BadInputIsRefusedByName) {
  const odec::Program p = odec::Program::fromString(kModels, "a.node");
  const odec::Model vdp = p.model("VanDerPol");
  EXPECT_EQ(errorOf([&] { vdp.adaptiveSolver("RK4"); }),
            "tableau 'RK4' has no embedded weights (bhat); adaptive steps need a pair such as "
            "DormandPrince5, Tsit5, CashKarp45, Fehlberg45 or BogackiShampine3");
  const odec::AdaptiveSolver solver = vdp.adaptiveSolver("BogackiShampine3");
  odec::AdaptiveSettings s;
  s.rtol = 0;
  EXPECT_EQ(errorOf([&] { solver.solve({2.0}, {1, 0}, {0, 1}, s); }),
            "rtol must be a positive finite number, got 0");
  s = {};
  s.beta = 0.3;
  EXPECT_EQ(errorOf([&] { solver.solve({2.0}, {1, 0}, {0, 1}, s); }),
            "the PI controller's beta must be in [0, 0.2], got 0.3");
  EXPECT_EQ(errorOf([&] { solver.solve({2.0}, {1, 0}, {0, 1, 1}); }),
            "times must be strictly increasing: time 2 = 1 after 1");
  EXPECT_EQ(errorOf([&] { solver.solve({2.0}, {1, 0, 3}, {0, 1}); }),
            "x0 has 3 values; expected a positive multiple of the state's 2");
  s = {};
  s.maxSteps = 5;
  EXPECT_EQ(errorOf([&] { solver.solve({2.0}, {1, 0, 2, 0}, {0, 1, 20}, s); })
                .rfind("trajectory 0: 5 steps (max steps) reached at t = ", 0),
            0u);
  // ddt(x) = x² from x = 1 blows up at t = 1: the step size underflows just before.
  const odec::AdaptiveSolver blowup = p.model("Blowup").adaptiveSolver("DormandPrince5");
  const std::string msg = errorOf([&] { blowup.solve({}, {1.0}, {0.0, 2.0}); });
  const std::string head = "trajectory 0: the step size underflowed at t = ";
  ASSERT_EQ(msg.rfind(head, 0), 0u) << msg;
  EXPECT_NEAR(std::stod(msg.substr(head.size())), 1.0, 1e-3) << msg;
  EXPECT_NE(msg.find("; the solution is stiff or blows up there)"), std::string::npos) << msg;
  // A field that is not finite (the square root of a negative number) is named as such, with
  // the time and the last step tried.
  const odec::Model nan = odec::Program::fromString(
      "model N\n state x::Real\n ddt(x) = sqrt(x - 2)\nend\n", "n.node").model("N");
  const std::string bad =
      errorOf([&] { nan.adaptiveSolver("DormandPrince5").solve({}, {0.0}, {1, 3}); });
  ASSERT_EQ(bad.rfind("trajectory 0: the field is not finite at t = 1 (", 0), 0u) << bad;
  EXPECT_NE(bad.find("(NaN or infinite values at every step size tried, down to "),
            std::string::npos)
      << bad;
}

} // namespace
