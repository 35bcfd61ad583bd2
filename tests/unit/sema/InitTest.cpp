// Init blocks: settings, operating points, the stability constraint, strategies.
#include "SemaTestUtil.h"

using namespace odec::test;
using Errors = std::vector<std::string>;

namespace {
const char *kModel = "model M\n"                // 1
                     "    state x::Vector{2}\n" // 2
                     "    state s::Real\n"      // 3
                     "    ddt(x) = -x\n"        // 4
                     "    ddt(s) = s\n"         // 5
                     "end\n";                   // 6

/// kModel plus `init M` whose statements start on line 8.
std::unique_ptr<SemaRun> init(const std::string &body) {
  return runSema(std::string(kModel) + "init M\n" + body + "end\n");
}
} // namespace

TEST(SemaInit, Settings) {
  auto r =
      init("    solver = Kutta3\n"
           "    step = 1//20\n"
           "    at x = [1, 2]\n"
           "    at s = 3\n"
           "    require eigvals(step * jacobian(ddt(x), x)) in stability(Kutta3, margin = 0.5)\n"
           "    strategy = rejection(max_tries = 50)\n");
  ASSERT_TRUE(r->ok) << r->diags.formatAll();
  ASSERT_EQ(r->checked.inits.size(), 1u);
  const auto &i = r->checked.inits[0];
  EXPECT_EQ(i.model, "M");
  EXPECT_EQ(i.solver, "Kutta3");
  EXPECT_EQ(i.step, 0.05);
  ASSERT_EQ(i.operatingPoints.size(), 2u);
  EXPECT_EQ(i.operatingPoints[0].first, "x");
  EXPECT_EQ(i.operatingPoints[0].second, (std::vector<double>{1, 2}));
  EXPECT_EQ(i.operatingPoints[1].second, (std::vector<double>{3}));
  EXPECT_EQ(i.margin, 0.5);
  EXPECT_EQ(i.strategy, odec::sema::CheckedInit::Strategy::Rejection);
  EXPECT_EQ(i.maxTries, 50);
}

TEST(SemaInit, Placement) {
  auto r = init("    solver = RK4\n"
                "    strategy = placement()\n");
  ASSERT_TRUE(r->ok) << r->diags.formatAll();
  EXPECT_EQ(r->checked.inits[0].strategy, odec::sema::CheckedInit::Strategy::Placement);
  EXPECT_TRUE(r->checked.inits[0].placement.empty());
}

TEST(SemaInit, PlacementBounds) {
  using Pair = std::pair<double, double>;
  auto r = init("    solver = RK4\n"
                "    strategy = placement(real = (-3, -1//10), imag = [-3, 3], radius = (0.5, 2),\n"
                "                         frequency = (0, 1.5))\n");
  ASSERT_TRUE(r->ok) << r->diags.formatAll();
  const odec::PoleRegion &p = r->checked.inits[0].placement;
  EXPECT_EQ(p.real, Pair(-3, -0.1));
  EXPECT_EQ(p.imag, Pair(-3, 3));
  EXPECT_EQ(p.radius, Pair(0.5, 2));
  EXPECT_EQ(p.frequency, Pair(0, 1.5));

  EXPECT_EQ(init("    solver = RK4\n    strategy = placement(real = (-0.1, -3))\n")->errors(),
            Errors{"t.node:9:33: error: real must be (lo, hi) with lo < hi, got (-0.1, -3)"});
  EXPECT_EQ(init("    solver = RK4\n    strategy = placement(imag = 3)\n")->errors(),
            Errors{"t.node:9:33: error: imag must be a pair (lo, hi) of numbers"});
  EXPECT_EQ(init("    solver = RK4\n    strategy = placement(radius = (-1, 2))\n")->errors(),
            Errors{"t.node:9:35: error: radius bounds |λ| or |Im λ|, so it must be >= 0, got "
                   "(-1, 2)"});
  EXPECT_EQ(init("    solver = RK4\n    strategy = placement(speed = (1, 2))\n")->errors(),
            Errors{"t.node:9:26: error: unknown keyword 'speed' for placement; expected real, "
                   "imag, radius or frequency"});
  EXPECT_EQ(init("    solver = RK4\n    strategy = placement(real = (-1, 0, 1))\n")->errors(),
            Errors{"t.node:9:33: error: real must be a pair (lo, hi) of numbers"});
}

TEST(SemaInit, TupleOutsidePlacement) {
  auto r = runSema("model M\n    state x::Vector{2}\n    ddt(x) = (1, 2)\nend\n");
  EXPECT_EQ(r->errors(), Errors{"t.node:3:14: error: a tuple (a, b) is only allowed as a bound "
                                "of placement(); write a vector as [a, b]"});
}

TEST(SemaInit, RegionIsTheStabilityTableau) {
  auto r = init("    solver = RK4\n    step = 0.1\n"
                "    require eigvals(step * jacobian(ddt(x), x)) in stability(Euler, margin = 1.2)\n");
  ASSERT_TRUE(r->ok) << r->diags.formatAll();
  EXPECT_EQ(r->checked.inits[0].solver, "RK4");
  EXPECT_EQ(r->checked.inits[0].region, "Euler");
  EXPECT_EQ(r->checked.inits[0].margin, 1.2); // a relaxed region
}

TEST(SemaInit, UnknownModelAndSolver) {
  auto r = runSema(std::string(kModel) + "init N\n    solver = RK5\nend\n");
  EXPECT_EQ(r->errors(), Errors{"t.node:7:6: error: unknown model 'N'"});
  EXPECT_EQ(init("    solver = RK5\n")->errors(),
            Errors{"t.node:8:14: error: unknown tableau 'RK5'; did you mean 'RK4'?"});
  EXPECT_EQ(init("    step = 0.1\n")->errors(),
            Errors{"t.node:7:6: error: init block for 'M' sets no solver"});
}

TEST(SemaInit, BadSettings) {
  EXPECT_EQ(init("    solver = RK4\n    tol = 1\n")->errors(),
            Errors{"t.node:9:5: error: unknown init setting 'tol'; known settings are solver, step "
                   "and strategy (and the statements at and require)"});
  EXPECT_EQ(init("    solver = RK4\n    step = -0.1\n")->errors(),
            Errors{"t.node:9:12: error: step must be positive, got -0.1"});
  EXPECT_EQ(init("    solver = RK4\n    solver = Euler\n")->errors(),
            Errors{"t.node:9:5: error: duplicate setting 'solver' (first set at line 8)"});
  EXPECT_EQ(init("    solver = RK4\n    strategy = random()\n")->errors(),
            Errors{"t.node:9:16: error: unknown strategy; expected rejection(max_tries = n) or "
                   "placement(real = (a, b), imag = (c, d))"});
  EXPECT_EQ(init("    solver = RK4\n    strategy = rejection(max_tries = 0)\n")->errors(),
            Errors{"t.node:9:38: error: max_tries must be positive, got 0"});
}

TEST(SemaInit, OperatingPoints) {
  EXPECT_EQ(init("    solver = RK4\n    at y = 1\n")->errors(),
            Errors{"t.node:9:8: error: 'y' is neither a state nor an input of model 'M'"});
  EXPECT_EQ(init("    solver = RK4\n    at x = zeros(3)\n")->errors(),
            Errors{"t.node:9:12: error: the operating point of 'x' is Vector{3}, but the state is "
                   "Vector{2}"});
  EXPECT_EQ(init("    solver = RK4\n    at t = 1\n")->errors(),
            Errors{"t.node:9:8: error: model 'M' reads neither the time t nor inputs, so its "
                   "Jacobian does not depend on t"});
}

TEST(SemaInit, OperatingPointsOfADrivenModel) {
  const std::string driven = "model D\n"                         // 1
                             "    state x::Real\n"              // 2
                             "    input u::Vector{2} ~ Hold()\n" // 3
                             "    ddt(x) = -x + u[1]\n"         // 4
                             "end\n"                            // 5
                             "init D\n"                         // 6
                             "    solver = RK4\n";               // 7
  auto r = runSema(driven + "    at u = [1, 2]\n    at t = 0.5\n    at x = 3\nend\n");
  ASSERT_TRUE(r->ok) << r->diags.formatAll();
  const auto &points = r->checked.inits.at(0).operatingPoints;
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(points[0], (std::pair<std::string, std::vector<double>>{"u", {1, 2}}));
  EXPECT_EQ(points[1], (std::pair<std::string, std::vector<double>>{"t", {0.5}}));
  EXPECT_EQ(runSema(driven + "    at u = [1, 2, 3]\nend\n")->errors(),
            Errors{"t.node:8:12: error: the operating point of 'u' is Vector{3}, but the input is "
                   "Vector{2}"});
  EXPECT_EQ(runSema(driven + "    at t = [1, 2]\nend\n")->errors(),
            Errors{"t.node:8:12: error: the operating point of 't' is Vector{2}, but the time is "
                   "Real"});
}

TEST(SemaInit, Require) {
  const std::string head = "    solver = RK4\n    step = 0.1\n";
  EXPECT_EQ(
      init(head +
           "    require eigvals(step * jacobian(ddt(x), x)) in stability(RK4, margin = -0.5)\n")
          ->errors(),
      Errors{"t.node:10:76: error: margin must be a positive number (|R(hλ)| <= margin; below 1 "
             "demands damping, above 1 relaxes the region), got -0.5"});
  EXPECT_EQ(
      init(head + "    require eigvals(step * jacobian(ddt(x), s)) in stability(RK4)\n")->errors(),
      Errors{"t.node:10:45: error: the jacobian must be of ddt(x) with respect to 'x'"});
  EXPECT_EQ(init(head + "    require eigvals(jacobian(ddt(x), x)) in stability(RK4)\n")->errors(),
            Errors{"t.node:10:21: error: require must read: eigvals(step * jacobian(ddt(x), x)) in "
                   "stability(T, margin = m)"});
  EXPECT_EQ(
      init(head + "    require eigvals(step * jacobian(ddt(s), s)) in stability(RK4)\n")->errors(),
      Errors{"t.node:10:41: error: the jacobian needs a Vector state; 's' is Real"});
  EXPECT_EQ(
      init(head + "    require eigvals(step * jacobian(ddt(x), x)) in stability(RK9)\n")->errors(),
      Errors{"t.node:10:62: error: unknown tableau 'RK9'; did you mean 'RK4'?"});
}
