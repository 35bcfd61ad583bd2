// `odec grad` end to end: its gradient against central finite differences of the loss,
// computed here from the host API's forward simulation (independent of the adjoint code).
#include "RunOdec.h"

#include "odec/odec.h"

#include <cmath>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

// Mean over target rows and components of (x_n − y)², x from a forward simulation.
double mseLoss(const odec::Simulator &sim, const std::vector<double> &theta,
               const std::vector<double> &x0, int steps, double h,
               const std::vector<int> &targetSteps, const std::vector<double> &targets) {
  std::vector<double> traj = sim.simulate(theta, x0, 1, steps, h);
  size_t D = x0.size();
  double sum = 0;
  for (size_t t = 0; t < targetSteps.size(); ++t)
    for (size_t d = 0; d < D; ++d) {
      double e = traj[size_t(targetSteps[t]) * D + d] - targets[t * D + d];
      sum += e * e;
    }
  return sum / double(targetSteps.size() * D);
}

} // namespace

TEST(Grad, MatchesFiniteDifferencesOfTheSolve) {
  TempDir tmp;
  odec::Model model = odec::Program::fromFile(example("spiral.node")).model();
  std::vector<double> theta = model.sampleParams(5);
  std::string params = tmp.file("p.json", model.paramsToJson(theta));
  // Targets at steps 0, 4 and 10 (out of order in the file: the loss must not care).
  std::vector<int> steps = {10, 0, 4};
  std::vector<double> targets = {0.3, -0.2, 1.0, 0.0, 0.5, 0.5};
  std::string csv = "t,x[1],x[2]\n1,0.3,-0.2\n0,1,0\n0.4,0.5,0.5\n";
  std::string target = tmp.file("target.csv", csv);
  auto r = runOdec("grad " + example("spiral.node") + " --tableau Ralston --step 0.1 --steps 10 " +
                   "--x0 0.9,0.1 --params " + params + " --target " + target + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  auto doc = nlohmann::json::parse(r.out);

  odec::Simulator sim = model.simulator("Ralston");
  std::vector<double> x0 = {0.9, 0.1};
  double loss = mseLoss(sim, theta, x0, 10, 0.1, steps, targets);
  EXPECT_NEAR(doc["loss"].get<double>(), loss, 1e-14 * loss);

  // Parameter gradient: W1 (16x2), then the others; compare every entry of W1 and b2.
  const double eps = 1e-6;
  auto fd = [&](std::vector<double> &v, size_t i) {
    double keep = v[i];
    v[i] = keep + eps;
    double up = mseLoss(sim, theta, x0, 10, 0.1, steps, targets);
    v[i] = keep - eps;
    double down = mseLoss(sim, theta, x0, 10, 0.1, steps, targets);
    v[i] = keep;
    return (up - down) / (2 * eps);
  };
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 2; ++j) {
      double g = doc["gradients"]["W1"][i][j].get<double>();
      EXPECT_NEAR(g, fd(theta, size_t(2 * i + j)), 1e-7 * std::max(1.0, std::abs(g)));
    }
  const odec::TensorInfo &b2 = model.params()[3];
  for (int i = 0; i < 2; ++i)
    EXPECT_NEAR(doc["gradients"]["b2"][i].get<double>(), fd(theta, size_t(b2.offset + i)), 1e-7);
  for (size_t d = 0; d < 2; ++d)
    EXPECT_NEAR(doc["x0_gradient"][d].get<double>(), fd(x0, d), 1e-7);
}

TEST(Grad, ContinuousAdjointApproachesDiscrete) {
  TempDir tmp;
  std::string target = tmp.file("target.csv", "t,q[1],p[1]\n1,0.5,0.5\n");
  auto grad = [&](const std::string &kind, double h, int n) {
    auto r = runOdec("grad " + example("oscillator.node") + " --tableau RK4 --step " +
                     std::to_string(h) + " --steps " + std::to_string(n) + " --x0 1,0 --seed 3" +
                     " --target " + target + " --adjoint " + kind + " --json");
    EXPECT_EQ(r.status, 0) << r.err;
    return nlohmann::json::parse(r.out)["gradients"]["k"].get<double>();
  };
  double coarse = std::abs(grad("continuous", 0.1, 10) - grad("discrete", 0.1, 10));
  double fine = std::abs(grad("continuous", 0.05, 20) - grad("discrete", 0.05, 20));
  EXPECT_GT(coarse, 0);
  EXPECT_LT(fine, coarse / 8); // RK4: the gap shrinks like h^4 (16x); 8x leaves room
}

TEST(Grad, TargetErrors) {
  TempDir tmp;
  std::string osc = example("oscillator.node");
  std::string late = tmp.file("a.csv", "t,q[1],p[1]\n0.25,1,0\n0.75,1,0\n");
  auto r = runOdec("grad " + osc + " --tableau RK4 --step 0.1 --steps 5 --x0 1,0 --seed 1 --target " + late);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, late + ": error: row 3: t = 0.75 is outside the solve, t0 + N·h = 0.5 "
                          "(h = 0.1, N = 5)\n");
  std::string twice = tmp.file("c.csv", "t,q[1],p[1]\n0.25,1,0\n0.25,1,0\n");
  r = runOdec("grad " + osc + " --tableau RK4 --step 0.1 --steps 5 --x0 1,0 --seed 1 --target " + twice);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, twice + ": error: row 3: t = 0.25 repeats the time of row 2\n");
  std::string start = tmp.file("d.csv", "t,q[1],p[1]\n0,1,0\n0.25,1,\n");
  r = runOdec("grad " + osc + " --tableau RK4 --step 0.1 --steps 5 --x0 1,0 --seed 1 --target " + start);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, start + ": error: row 2: t = 0 is the start t0: with observation times off the "
                           "grid, missing values or outputs, targets must come after the start\n");
  r = runOdec("grad " + osc + " --tableau RK4 --step 0.1 --steps 5 --x0 1,0 --seed 1 --adjoint "
              "continuous --target " + tmp.file("e.csv", "t,q[1],p[1]\n0.25,1,0\n"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--adjoint continuous needs targets at the steps t0 + n·h"), std::string::npos)
      << r.err;
  std::string badHeader = tmp.file("b.csv", "t,x,y\n0,1,0\n");
  r = runOdec("grad " + osc + " --tableau RK4 --step 0.1 --steps 5 --x0 1,0 --seed 1 --target " + badHeader);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind(badHeader + ":1:1: error: expected the header 't,q[1],p[1]'", 0), 0u) << r.err;
}

TEST(Grad, SummaryByDefaultJsonOnRequest) {
  TempDir tmp;
  odec::Model model = odec::Program::fromFile(example("spiral.node")).model();
  std::string params = tmp.file("p.json", model.paramsToJson(model.sampleParams(2)));
  std::string target = tmp.file("target.csv", "t,x[1],x[2]\n0.5,0.3,-0.2\n");
  const std::string args = "grad " + example("spiral.node") +
                           " --tableau RK4 --step 0.1 --steps 5 --x0 1,0 --params " + params +
                           " --target " + target;
  auto json = runOdec(args + " --json");
  ASSERT_EQ(json.status, 0) << json.err;
  auto doc = nlohmann::json::parse(json.out);

  // The summary: the loss and one line per parameter with the Euclidean norm of its gradient,
  // the norms recomputed here from the JSON's entries.
  auto text = runOdec(args);
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_LT(std::count(text.out.begin(), text.out.end(), '\n'), 12) << text.out;
  EXPECT_NE(text.out.find("gradient norms (--json or --out G.json for every entry):"),
            std::string::npos)
      << text.out;
  for (const odec::TensorInfo &p : model.params()) {
    double sq = 0;
    for (const auto &row : doc["gradients"][p.name])
      for (const auto &v : row.is_array() ? row : nlohmann::json::array({row}))
        sq += v.get<double>() * v.get<double>();
    const size_t at = text.out.find("\n  " + p.name + " ");
    ASSERT_NE(at, std::string::npos) << p.name << "\n" << text.out;
    const std::string line = text.out.substr(at + 1, text.out.find('\n', at + 1) - at - 1);
    const double printed = std::stod(line.substr(2 + p.name.size()));
    EXPECT_NEAR(printed, std::sqrt(sq), 1e-15 * std::sqrt(sq) + 1e-300) << line;
  }

  // --out writes the JSON and prints nothing.
  std::string out = tmp.file("g.json");
  auto file = runOdec(args + " --out " + out);
  ASSERT_EQ(file.status, 0) << file.err;
  EXPECT_EQ(file.out, "");
  EXPECT_EQ(nlohmann::json::parse(slurp(out)), doc);
}

// A driven model: grad takes --t0 and --inputs like simulate, target times count from t0, and
// the gradient equals central differences of the driven solve.
TEST(Grad, DrivenModelTakesT0AndInputs) {
  TempDir tmp;
  const std::string model = tmp.file("d.node", R"(
model D
    state x::Real
    input u::Real ~ Linear()
    param a::Real ~ Constant(0.5)
    ddt(x) = -a * x + u * sin(t)
end
)");
  const std::string inputs = tmp.file("u.csv", "t,u\n0.5,1\n1.0,-2\n1.5,0.5\n2.0,3\n");
  const std::string target = tmp.file("y.csv", "t,x\n1.0,0.4\n1.5,0.1\n");
  const std::string params = tmp.file("p.json", R"({"a": 0.5})");
  auto r = runOdec("grad " + model + " --tableau RK4 --step 0.1 --steps 10 --x0 0.3 --t0 0.5 "
                   "--inputs " + inputs + " --target " + target + " --params " + params +
                   " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  const odec::Model m = odec::Program::fromFile(model).model();
  odec::Drive drive;
  drive.t0 = {0.5};
  drive.inputs = {{{0.5, 1.0, 1.5, 2.0}, {1, -2, 0.5, 3}}};
  auto loss = [&](double a) {
    const std::vector<double> traj = m.simulator("RK4").simulate({a}, {0.3}, 1, 10, 0.1, drive);
    return ((traj[5] - 0.4) * (traj[5] - 0.4) + (traj[10] - 0.1) * (traj[10] - 0.1)) / 2;
  };
  EXPECT_NEAR(doc["loss"].get<double>(), loss(0.5), 1e-14);
  const double fd = (loss(0.5 + 1e-6) - loss(0.5 - 1e-6)) / 2e-6;
  EXPECT_NEAR(doc["gradients"]["a"].get<double>(), fd, 1e-7);
  // Times count from t0.
  r = runOdec("grad " + model + " --tableau RK4 --step 0.1 --steps 10 --x0 0.3 --t0 0.5 "
              "--inputs " + inputs + " --target " + tmp.file("z.csv", "t,x\n0.25,0\n") +
              " --params " + params);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("row 2: t = 0.25 is outside the solve, t0 = 0.5 to t0 + N·h = 1.5 "
                       "(h = 0.1, N = 10)"),
            std::string::npos)
      << r.err;
}

// Targets off the step grid, a missing value and an output with its own parameter: grad solves
// to the observation times (steps shortened to end on them) and its gradient equals central
// differences of the loss of ObservedSolver::predict (forward solves only).
// A driven model observed through an output: the observation-time tests' model.
const char *kObserved = R"(
model O
    state x::Vector{2}
    input u::Real ~ Hold()
    param A::Matrix{2,2} ~ Constant(0.0)
    param c::Vector{2} ~ Constant(0.0)
    ddt(x) = A * x .+ [u; 0.0]
    output y = c' * x + 0.5 * u
end
)";

// kObserved's files: the model, a held input from t = 0.2, targets of its output off the grid
// (one missing), and parameters.
struct ObservedFiles {
  TempDir tmp;
  std::string model = tmp.file("o.node", kObserved);
  std::string inputs = tmp.file("u.csv", "t,u\n0.2,1\n0.55,-1\n0.9,0.5\n");
  std::string target = tmp.file("y.csv", "t,y\n0.43,0.2\n0.71,\n0.77,-0.1\n0.2333,0.3\n");
  std::vector<double> theta = {-0.5, 1.0, -1.2, -0.3, 0.7, -0.4};
  odec::Model m = odec::Program::fromFile(model).model();
  std::string params = tmp.file("p.json", m.paramsToJson(theta));
};

TEST(Grad, ObservationsOffTheGridMissingValuesAndOutputs) {
  const ObservedFiles f;
  auto r = runOdec("grad " + f.model + " --tableau Kutta3 --step 0.1 --steps 6 --x0 0.3,-0.2 "
                   "--t0 0.2 --inputs " + f.inputs + " --target " + f.target + " --params " +
                   f.params + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);

  odec::Drive drive;
  drive.t0 = {0.2};
  drive.inputs = {{{0.2, 0.55, 0.9}, {1, -1, 0.5}}};
  const odec::ObservedSolver solver = f.m.observedSolver("Kutta3");
  const std::vector<double> times = {0.2333, 0.43, 0.71, 0.77}, y = {0.3, 0.2, NAN, -0.1};
  auto loss = [&](const std::vector<double> &p, const std::vector<double> &x0) {
    const auto pred = solver.predict(p, x0, 0.1, {{times, {}}}, drive);
    double sum = 0;
    for (size_t k = 0; k < times.size(); ++k)
      if (!std::isnan(y[k]))
        sum += (pred.observed[k] - y[k]) * (pred.observed[k] - y[k]);
    return sum / 3;
  };
  const std::vector<double> x0 = {0.3, -0.2};
  EXPECT_NEAR(doc["loss"].get<double>(), loss(f.theta, x0), 1e-14);
  std::vector<double> grad;
  for (const auto &row : doc["gradients"]["A"])
    for (double v : row)
      grad.push_back(v);
  for (double v : doc["gradients"]["c"])
    grad.push_back(v);
  ASSERT_EQ(grad.size(), f.theta.size());
  for (size_t i = 0; i < f.theta.size(); ++i) {
    std::vector<double> up = f.theta, down = f.theta;
    up[i] += 1e-6;
    down[i] -= 1e-6;
    const double fd = (loss(up, x0) - loss(down, x0)) / 2e-6;
    EXPECT_NEAR(grad[i], fd, 1e-6 * std::max(1.0, std::abs(fd))) << "parameter " << i;
  }
  for (size_t d = 0; d < 2; ++d) {
    std::vector<double> up = x0, down = x0;
    up[d] += 1e-6;
    down[d] -= 1e-6;
    const double fd = (loss(f.theta, up) - loss(f.theta, down)) / 2e-6;
    EXPECT_NEAR(doc["x0_gradient"][d].get<double>(), fd, 1e-6 * std::max(1.0, std::abs(fd)));
  }
  // The summary says how the loss was taken; a header of the state is refused for a f.model
  // with outputs.
  r = runOdec("grad " + f.model + " --tableau Kutta3 --step 0.1 --steps 6 --x0 0.3,-0.2 --t0 0.2 "
              "--inputs " + f.inputs + " --target " + f.target + " --params " + f.params);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("loss (mean squared error over 3 observed values at 4 times, steps "
                       "shortened to end on them, discrete adjoint): "),
            std::string::npos)
      << r.out;
  const std::string states = f.tmp.file("s.csv", "t,x[1],x[2]\n0.43,0,0\n");
  r = runOdec("grad " + f.model + " --tableau Kutta3 --step 0.1 --steps 6 --x0 0.3,-0.2 --t0 0.2 "
              "--inputs " + f.inputs + " --target " + states + " --params " + f.params);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind(states + ":1:1: error: expected the header 't,y' (t and the model's "
                                 "outputs)",
                        0),
            0u)
      << r.err;
}

// Adaptive steps to the target times: what the host API's AdaptiveSolver::loss gives for the
// same drive (a held input, an output, a missing value), a loss that the fine fixed-step
// observation solver confirms, and the option combinations refused by name.
TEST(Grad, AdaptiveStepsToTheTargetTimes) {
  const ObservedFiles f;
  const std::string base = "grad " + f.model + " --x0 0.3,-0.2 --t0 0.2 --inputs " + f.inputs +
                           " --target " + f.target + " --params " + f.params + " ";
  auto r = runOdec(base + "--tableau DormandPrince5 --rtol 1e-11 --atol 1e-12 --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);

  odec::AdaptiveSettings s;
  s.rtol = 1e-11;
  s.atol = 1e-12;
  const odec::Drive drive{{}, {{{0.2, 0.55, 0.9}, {1, -1, 0.5}}}};
  const odec::AdaptiveSolver::Loss g =
      f.m.adaptiveSolver("DormandPrince5")
          .loss(f.theta, {0.3, -0.2}, {0.2, 0.2333, 0.43, 0.71, 0.77}, {0.3, 0.2, NAN, -0.1}, s,
                drive);
  EXPECT_EQ(doc["loss"].get<double>(), g.loss);
  EXPECT_EQ(doc["gradients"]["A"][1][0].get<double>(), g.gradParams[2]);
  EXPECT_EQ(doc["x0_gradient"][1].get<double>(), g.gradX0[1]);
  const odec::Drive fixed{{0.2}, drive.inputs};
  const auto pred = f.m.observedSolver("RK4").predict(
      f.theta, {0.3, -0.2}, 1e-3, {{{0.2333, 0.43, 0.71, 0.77}, {}}}, fixed);
  const double y[] = {0.3, 0.2, NAN, -0.1};
  double sum = 0;
  for (size_t k = 0; k < 4; ++k)
    if (!std::isnan(y[k]))
      sum += (pred.observed[k] - y[k]) * (pred.observed[k] - y[k]);
  EXPECT_NEAR(g.loss, sum / 3, 1e-10);

  r = runOdec(base + "--tableau DormandPrince5 --rtol 1e-6 --step 0.1 --steps 6");
  EXPECT_EQ(r.err, "odec: error: adaptive steps (--rtol/--atol) choose their own step: leave out "
                   "--step and --steps\n");
  r = runOdec(base + "--tableau DormandPrince5");
  EXPECT_EQ(r.err, "odec: error: give --step H and --steps N (or adaptive steps with "
                   "--rtol/--atol)\n");
  r = runOdec(base + "--tableau RK4 --rtol 1e-6");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("tableau 'RK4' has no embedded weights (bhat)"), std::string::npos) << r.err;
  const std::string early = f.tmp.file("early.csv", "t,y\n0.1,0.2\n");
  r = runOdec("grad " + f.model + " --x0 0.3,-0.2 --t0 0.2 --inputs " + f.inputs + " --target " +
              early + " --params " + f.params + " --tableau Tsit5 --rtol 1e-6");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("row 2: t = 0.1 is not after the start t0 = 0.2 (adaptive steps: every "
                       "target comes after it)"),
            std::string::npos)
      << r.err;
}
