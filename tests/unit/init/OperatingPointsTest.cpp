// Several operating points: repeated `at` lines and `odec init --at-file` each constrain the
// Jacobian at every point, re-checked here with finite differences of the simulated field.
#include "../cli/RunOdec.h"
#include "Models.h"

#include <Eigen/Eigenvalues>
#include <nlohmann/json.hpp>

using namespace odec;
using namespace odec::inittest;

namespace {

const char *kTwoPoints = R"(model Net
    state x::Vector{2}
    param W1::Matrix{8,2} ~ Normal(0, 1)
    param b1::Vector{8}   ~ Normal(0, 1)
    param W2::Matrix{2,8} ~ Normal(0, 1)
    ddt(x) = W2 * tanh.(W1 * x .+ b1) .- x
end

init Net
    solver = Euler
    step = 0.2
    at x = [0.5, -0.5]
    at x = [-1.0, 2.0]
    require eigvals(step * jacobian(ddt(x), x)) in stability(Euler, margin = 0.95)
    strategy = rejection(max_tries = 20_000)
end
)";

// max |1 + hλ| over the eigenvalues λ of J.
double maxAbsREuler(const Eigen::Matrix2d &J, double h) {
  double worst = 0;
  const Eigen::EigenSolver<Eigen::Matrix2d> solver(J); // eigenvalues() refers into it
  for (auto l : solver.eigenvalues())
    worst = std::max(worst, std::abs(1.0 + h * l));
  return worst;
}

// max |1 + hλ| over the eigenvalues of the Jacobian at x, the Jacobian by central differences
// of one Euler step (x1 = x + h f(x), so f = (x1 − x)/h).
double maxAbsREuler(const Model &m, const std::vector<double> &theta, std::vector<double> x, double h) {
  Simulator euler = m.simulator("Euler");
  auto field = [&](const std::vector<double> &at) {
    std::vector<double> traj = euler.simulate(theta, at, 1, 1, 1.0);
    return std::vector<double>{traj[2] - at[0], traj[3] - at[1]};
  };
  Eigen::Matrix2d J;
  for (int j = 0; j < 2; ++j) {
    const double eps = 1e-6;
    std::vector<double> up = x, down = x;
    up[size_t(j)] += eps;
    down[size_t(j)] -= eps;
    auto fu = field(up), fd = field(down);
    for (int i = 0; i < 2; ++i)
      J(i, j) = (fu[size_t(i)] - fd[size_t(i)]) / (2 * eps);
  }
  return maxAbsREuler(J, h);
}

} // namespace

TEST(OperatingPoints, RepeatedAtLinesAreSeveralPoints) {
  TempDir tmp;
  std::string src = tmp.file("net.node", kTwoPoints);
  std::string out = tmp.file("p.json");
  auto r = runOdec("init " + src + " --seed 4 --out " + out + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["operating_points"], 2);
  EXPECT_EQ(doc["eigenvalues"].size(), 4u);
  Model m = Program::fromFile(src).model();
  std::vector<double> theta = m.loadParams(out);
  EXPECT_LE(maxAbsREuler(m, theta, {0.5, -0.5}, 0.2), 0.95 + 1e-6);
  EXPECT_LE(maxAbsREuler(m, theta, {-1.0, 2.0}, 0.2), 0.95 + 1e-6);
}

TEST(OperatingPoints, AtFileReplacesTheBlocksPoints) {
  TempDir tmp;
  std::string src = tmp.file("net.node", kTwoPoints);
  std::string points = tmp.file("points.csv", "x[1],x[2]\n0,0\n1,1\n-2,0.5\n");
  std::string out = tmp.file("p.json");
  auto r = runOdec("init " + src + " --seed 9 --out " + out + " --json --at-file " + points);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["operating_points"], 3);
  Model m = Program::fromFile(src).model();
  std::vector<double> theta = m.loadParams(out);
  for (std::vector<double> x : {std::vector<double>{0, 0}, {1, 1}, {-2, 0.5}})
    EXPECT_LE(maxAbsREuler(m, theta, x, 0.2), 0.95 + 1e-6);

  std::string bad = tmp.file("bad.csv", "a,b\n0,0\n");
  r = runOdec("init " + src + " --seed 9 --out " + out + " --at-file " + bad);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind(bad + ":1:1: error: expected the header 'x[1],x[2]'", 0), 0u) << r.err;
}

namespace {

// ∂f/∂x = diag(u) W + sin(t) I: the Jacobian depends on the input and the time, so the
// points `at u = …` / `at t = …` name are checked against that formula, not the compiled one.
const char *kDriven = R"(model Plant
    state x::Vector{2}
    input u::Vector{2} ~ Hold()
    param W::Matrix{2,2} ~ Normal(0, 1)
    ddt(x) = u .* (W * x) .+ sin(t) .* x
end

init Plant
    solver = Euler
    step = 0.2
    at u = [2.0, 0.5]
    at u = [1.0, 1.0]
    at t = 0.3
    require eigvals(step * jacobian(ddt(x), x)) in stability(Euler, margin = 0.95)
end
)";

double maxAbsREulerDriven(const std::vector<double> &W, double u1, double u2, double t, double h) {
  Eigen::Matrix2d J;
  J << u1 * W[0], u1 * W[1], u2 * W[2], u2 * W[3];
  J += std::sin(t) * Eigen::Matrix2d::Identity();
  return maxAbsREuler(J, h);
}

} // namespace

TEST(OperatingPoints, DrivenModelIsLinearizedAtTheInputsAndTimesNamed) {
  TempDir tmp;
  std::string src = tmp.file("plant.node", kDriven);
  Model m = Program::fromFile(src).model();
  const InitSettings s = m.initSettings();
  EXPECT_EQ(s.operatingPoints, (std::vector<std::vector<double>>{{0, 0}, {0, 0}}));
  EXPECT_EQ(s.operatingInputs, (std::vector<std::vector<double>>{{0, 2.0, 0.5}, {0.3, 1, 1}}));

  std::string out = tmp.file("p.json");
  auto r = runOdec("init " + src + " --seed 5 --out " + out + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["operating_points"], 2);
  const std::vector<double> W = m.loadParams(out);
  EXPECT_LE(maxAbsREulerDriven(W, 2.0, 0.5, 0.0, 0.2), 0.95 + 1e-12);
  EXPECT_LE(maxAbsREulerDriven(W, 1.0, 1.0, 0.3, 0.2), 0.95 + 1e-12);

  // Model::eigenvalues at explicit inputs: λ(diag(u) W + sin(t) I) for W = [[1, 0], [0, -3]].
  const auto lambda = m.eigenvalues({1, 0, 0, -3}, {{0, 0}, {0, 0}}, {{0, 2, 0.5}, {0.3, 1, 1}});
  ASSERT_EQ(lambda.size(), 2u);
  auto reals = [](std::vector<std::complex<double>> l) {
    std::vector<double> re{l[0].real(), l[1].real()};
    std::sort(re.begin(), re.end());
    return re;
  };
  EXPECT_NEAR(reals(lambda[0])[0], -1.5, 1e-12);
  EXPECT_NEAR(reals(lambda[0])[1], 2.0, 1e-12);
  EXPECT_NEAR(reals(lambda[1])[0], -3 + std::sin(0.3), 1e-12);
  EXPECT_NEAR(reals(lambda[1])[1], 1 + std::sin(0.3), 1e-12);
  try {
    m.eigenvalues({1, 0, 0, -3}, {{0, 0}}, {{0, 2}});
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument &e) {
    EXPECT_NE(std::string(e.what()).find("the time and inputs of an operating point"),
              std::string::npos)
        << e.what();
  }

  // --at-file with t and the input columns replaces the block's points.
  std::string points = tmp.file("points.csv", "x[1],x[2],t,u[1],u[2]\n0,0,0,1.5,1.5\n1,0,0.2,0.5,1\n");
  r = runOdec("init " + src + " --seed 6 --out " + out + " --json --at-file " + points);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["operating_points"], 2);
  const std::vector<double> W2 = m.loadParams(out);
  EXPECT_LE(maxAbsREulerDriven(W2, 1.5, 1.5, 0.0, 0.2), 0.95 + 1e-12);
  EXPECT_LE(maxAbsREulerDriven(W2, 0.5, 1.0, 0.2, 0.2), 0.95 + 1e-12);
  std::string bad = tmp.file("bad.csv", "x[1],x[2],u[1],u[2]\n0,0,1,1\n");
  r = runOdec("init " + src + " --seed 6 --out " + out + " --at-file " + bad);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind(bad + ":1:1: error: expected the header 'x[1],x[2]' or "
                              "'x[1],x[2],t,u[1],u[2]'",
                        0),
            0u)
      << r.err;
}
