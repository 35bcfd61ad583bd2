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
  double worst = 0;
  const Eigen::EigenSolver<Eigen::Matrix2d> solver(J); // eigenvalues() refers into it
  for (auto l : solver.eigenvalues())
    worst = std::max(worst, std::abs(1.0 + h * l));
  return worst;
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
