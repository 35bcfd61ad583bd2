// `odec simulate` end to end: numbers against an independent reference, output formats,
// determinism and the errors a user meets.
#include "RunOdec.h"

#include <cmath>

#include "io/Csv.h"

#include <Eigen/Dense>
#include <gtest/gtest.h>

using odec::CsvTable;

namespace {

// N steps of classical RK4 on ddt(x) = A x is x_N = R(hA)^N x0, R(Z) = I + Z + Z²/2 + Z³/6 + Z⁴/24.
Eigen::Vector2d rk4Linear(const Eigen::Matrix2d &A, double h, int N, Eigen::Vector2d x) {
  Eigen::Matrix2d Z = h * A, I = Eigen::Matrix2d::Identity();
  Eigen::Matrix2d R = I + Z + Z * Z / 2 + Z * Z * Z / 6 + Z * Z * Z * Z / 24;
  for (int n = 0; n < N; ++n)
    x = R * x;
  return x;
}

} // namespace

TEST(Simulate, OscillatorMatchesExactDiscreteSolution) {
  TempDir tmp;
  std::string params = tmp.file("p.json", R"({"k": 1.5})");
  auto r = runOdec("simulate " + example("oscillator.node") +
                   " --tableau RK4 --step 0.1 --steps 30 --x0 1,0.25 --params " + params);
  ASSERT_EQ(r.status, 0) << r.err;
  CsvTable t = odec::parseCsv(r.out, "stdout");
  ASSERT_EQ(t.columns, (std::vector<std::string>{"t", "q[1]", "p[1]"}));
  ASSERT_EQ(t.rows(), 31u);
  Eigen::Matrix2d A;
  A << 0, 1, -1.5, -0.1; // ddt(q) = p, ddt(p) = -k q - damping p
  for (int n : {0, 1, 7, 30}) {
    Eigen::Vector2d ref = rk4Linear(A, 0.1, n, Eigen::Vector2d(1, 0.25));
    EXPECT_DOUBLE_EQ(t.at(size_t(n), 0), n * 0.1);
    EXPECT_NEAR(t.at(size_t(n), 1), ref(0), 1e-13);
    EXPECT_NEAR(t.at(size_t(n), 2), ref(1), 1e-13);
  }
}

TEST(Simulate, BatchFromCsvHasTrajColumn) {
  TempDir tmp;
  std::string x0 = tmp.file("x0.csv", "q[1],p[1]\n1,0\n0,1\n");
  std::string out = tmp.file("traj.csv");
  auto r = runOdec("simulate " + example("oscillator.node") +
                   " --tableau Euler --step 0.5 --steps 2 --seed 1 --batch-x0 " + x0 + " --out " + out);
  ASSERT_EQ(r.status, 0) << r.err;
  CsvTable t = odec::loadCsv(out);
  ASSERT_EQ(t.columns, (std::vector<std::string>{"traj", "t", "q[1]", "p[1]"}));
  ASSERT_EQ(t.rows(), 6u);
  EXPECT_EQ(t.at(3, 0), 2);
  EXPECT_EQ(t.at(3, 2), 0); // trajectory 2 starts at (0, 1)
  EXPECT_EQ(t.at(3, 3), 1);
  EXPECT_EQ(t.at(4, 2), 0.5); // one Euler step: q += h p
}

TEST(Simulate, SameSeedSameBits) {
  std::string cmd = "simulate " + example("spiral.node") +
                    " --tableau RK4 --step 0.1 --steps 20 --x0 1,0 --seed 11";
  auto a = runOdec(cmd), b = runOdec(cmd), c = runOdec(cmd + "1");
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out, c.out);
}

TEST(Simulate, ThreadsGiveTheSameBitsAsOne) {
  // 100 trajectories: three 32-trajectory slices plus a remainder of 4 in the last, each run by
  // the full-width code at the lanes it has in one call, so every thread count agrees exactly.
  TempDir tmp;
  std::string rows = "x[1],x[2]\n";
  for (int b = 0; b < 100; ++b)
    rows += std::to_string(std::cos(b)) + "," + std::to_string(std::sin(0.7 * b)) + "\n";
  std::string x0 = tmp.file("x0.csv", rows);
  std::string cmd = "simulate " + example("spiral.node") +
                    " --tableau RK4 --step 0.1 --steps 30 --seed 4 --batch-x0 " + x0;
  auto one = runOdec(cmd + " --threads 1");
  ASSERT_EQ(one.status, 0) << one.err;
  for (const char *k : {"2", "3", "16"})
    EXPECT_EQ(runOdec(cmd + " --threads " + k).out, one.out) << k;
  // The default (all cores) too, and generate the same way.
  EXPECT_EQ(runOdec(cmd).out, one.out);
  std::string params = tmp.file("p.json");
  ASSERT_EQ(runOdec("init " + example("spiral.node") + " --seed 1 --out " + params).status, 0);
  std::string gen = "generate " + example("spiral.node") + " --params " + params +
                    " --tableau RK4 --step 0.1 --steps 10 --trajectories 70 --seed 2";
  auto g1 = runOdec(gen + " --threads 1");
  ASSERT_EQ(g1.status, 0) << g1.err;
  EXPECT_EQ(runOdec(gen + " --threads 3").out, g1.out);
  auto zero = runOdec(cmd + " --threads 0");
  EXPECT_EQ(zero.status, 1);
  EXPECT_EQ(zero.err, "odec: error: --threads must be at least 1\n");
}

TEST(Simulate, TimesAreDecimalMultiplesOfTheStep) {
  // t = n·h computed so that 3 × 0.1 is 0.3, not 0.30000000000000004.
  auto r = runOdec("simulate " + example("oscillator.node") +
                   " --tableau Euler --step 0.1 --steps 7 --x0 1,0 --seed 1");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("\n0.3,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n0.7,"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("0000000"), std::string::npos) << r.out;
}

TEST(Simulate, JsonOutput) {
  auto r = runOdec("simulate " + example("oscillator.node") +
                   " --tableau Heun --step 0.1 --steps 1 --x0 1,0 --seed 2 --json");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find(R"("columns":["t","q[1]","p[1]"])"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"("rows":[[0.0,1.0,0.0],)"), std::string::npos) << r.out;
}

TEST(Simulate, UserErrors) {
  std::string osc = example("oscillator.node");
  auto r = runOdec("simulate nope.node --tableau RK4 --step 0.1 --steps 3 --x0 1,0 --seed 1");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "odec: error: cannot open 'nope.node': No such file or directory\n");

  r = runOdec("simulate " + osc + " --tableau RK4 --step 0.1 --steps 3 --x0 1,0,2 --seed 1");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "odec: error: --x0 has 3 values; model Oscillator has 2 state components (q[1],p[1])\n");

  r = runOdec("simulate " + osc + " --tableau RK4 --step 0.1 --steps 3 --x0 1,abc --seed 1");
  EXPECT_EQ(r.err, "odec: error: --x0: expected a comma-separated list of numbers, got 'abc'\n");

  r = runOdec("simulate " + osc + " --tableau RK5 --step 0.1 --steps 3 --x0 1,0 --seed 1");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind("odec: error: unknown tableau 'RK5' (known: Euler, Midpoint, ", 0), 0u) << r.err;

  r = runOdec("simulate " + osc + " --tableau RK4 --step -0.1 --steps 3 --x0 1,0 --seed 1");
  EXPECT_EQ(r.err, "odec: error: --step must be a positive finite number\n");

  r = runOdec("simulate " + osc + " --tableau RK4 --step 0.1 --steps 3 --x0 1,0");
  EXPECT_EQ(r.err, "odec: error: give the parameters with --params P.json, or --seed S to sample "
                   "them from their priors\n");

  r = runOdec("simulate " + osc + " --tableau RK4 --step 0.1 --steps 3 --x0 1,0 --seed 1 --params p.json");
  EXPECT_EQ(r.status, 2); // usage: the two are exclusive
}

TEST(Simulate, BadParamsFileIsLocated) {
  TempDir tmp;
  std::string params = tmp.file("p.json", "{\"k\": 1.5,\n \"k2\": }");
  auto r = runOdec("simulate " + example("oscillator.node") +
                   " --tableau RK4 --step 0.1 --steps 3 --x0 1,0 --params " + params);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind(params + ":2:8: error: invalid JSON", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("\n     \"k2\": }\n           ^\n"), std::string::npos) << r.err;
}

TEST(Check, ExamplesAreClean) {
  auto r = runOdec("check " + example("oscillator.node"));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
}

// A driven model from the CLI: --t0 and --inputs (a held input sampled every other step), Euler
// against its exact discrete recursion x_{n+1} = x_n + h (−a x_n + u(t_n)), and the located
// errors for inputs that are missing or do not fit.
TEST(Simulate, DrivenModelReadsItsInputsFromACsv) {
  TempDir tmp;
  const std::string model = tmp.file("d.node", R"(
model D
    state x::Real
    input u::Real ~ Hold()
    param a::Real ~ Constant(0.5)
    ddt(x) = -a * x + u
end
)");
  const std::string inputs = tmp.file("u.csv", "t,u\n1.0,2\n1.2,-1\n1.4,0.5\n1.6,3\n");
  auto r = runOdec("simulate " + model + " --seed 1 --tableau Euler --step 0.1 --steps 8 --x0 1 --t0 1 "
                   "--inputs " + inputs);
  ASSERT_EQ(r.status, 0) << r.err;
  CsvTable t = odec::parseCsv(r.out, "stdout");
  ASSERT_EQ(t.columns, (std::vector<std::string>{"t", "x"}));
  ASSERT_EQ(t.rows(), 9u);
  const double u[] = {2, 2, -1, -1, 0.5, 0.5, 3, 3};
  double x = 1;
  for (int n = 0; n < 8; ++n) {
    x += 0.1 * (-0.5 * x + u[n]);
    EXPECT_NEAR(t.at(size_t(n + 1), 0), 1.0 + 0.1 * (n + 1), 1e-15);
    EXPECT_NEAR(t.at(size_t(n + 1), 1), x, 1e-14) << "step " << n + 1;
  }
  r = runOdec("simulate " + model + " --seed 1 --tableau Euler --step 0.1 --steps 8 --x0 1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("model D has inputs: give their samples with --inputs FILE.csv "
                       "(columns t,u)"),
            std::string::npos)
      << r.err;
  const std::string wrong = tmp.file("w.csv", "t,v\n0,1\n");
  r = runOdec("simulate " + model + " --seed 1 --tableau Euler --step 0.1 --steps 8 --x0 1 --inputs " +
              wrong);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find(wrong + ":1:1: error: no column 'u' (the inputs of model D need t,u)"),
            std::string::npos)
      << r.err;
  r = runOdec("simulate " + model + " --seed 1 --tableau Euler --step 0.1 --steps 8 --x0 1 --t0 0.5 "
              "--inputs " + inputs);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("input 'u' (Hold) is sampled on [1, 1.6], but trajectory 0 is solved on "
                       "[0.5, 1.3]"),
            std::string::npos)
      << r.err;
  r = runOdec("simulate " + example("oscillator.node") +
              " --seed 1 --tableau RK4 --step 0.1 --steps 3 --x0 1,0 --t0 1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("reads neither t nor inputs"), std::string::npos) << r.err;
}

// --times: the states (and outputs) at requested times off the grid, each step that would cross
// one shortened to end on it: Euler against its recursion with those step lengths, the held
// input read at each step's start.
TEST(Simulate, TimesOffTheGridShortenTheCrossingStep) {
  TempDir tmp;
  const std::string model = tmp.file("d.node", R"(
model D
    state x::Real
    input u::Real ~ Hold()
    param a::Real ~ Constant(0.5)
    ddt(x) = -a * x + u
    output y = 2 * x + u
end
)");
  const std::string inputs = tmp.file("u.csv", "t,u\n1.0,2\n1.2,-1\n1.4,0.5\n1.6,3\n1.8,0\n");
  const std::string base = "simulate " + model + " --seed 1 --tableau Euler --step 0.1 --x0 1 "
                           "--t0 1 --inputs " + inputs;
  auto r = runOdec(base + " --times 1.25,1.5,1.73");
  ASSERT_EQ(r.status, 0) << r.err;
  CsvTable t = odec::parseCsv(r.out, "stdout");
  ASSERT_EQ(t.columns, (std::vector<std::string>{"t", "x", "y"}));
  ASSERT_EQ(t.rows(), 3u);
  // (step start, length, u there), and after which step each time is reached.
  const double steps[][3] = {{1.0, 0.1, 2},   {1.1, 0.1, 2},   {1.2, 0.05, -1},
                             {1.25, 0.1, -1}, {1.35, 0.1, -1}, {1.45, 0.05, 0.5},
                             {1.5, 0.1, 0.5}, {1.6, 0.1, 3},   {1.7, 0.03, 3}};
  const int reached[] = {3, 6, 9};
  const double uAt[] = {-1, 0.5, 3};
  double x = 1;
  int row = 0;
  for (int n = 0; n < 9; ++n) {
    x += steps[n][1] * (-0.5 * x + steps[n][2]);
    if (n + 1 == reached[row]) {
      EXPECT_NEAR(t.at(size_t(row), 1), x, 1e-14) << "row " << row;
      EXPECT_NEAR(t.at(size_t(row), 2), 2 * x + uAt[row], 1e-14) << "row " << row;
      ++row;
    }
  }
  EXPECT_EQ(t.at(0, 0), 1.25);
  // A file with a t column works the same.
  const std::string times = tmp.file("times.csv", "t\n1.25\n1.5\n1.73\n");
  auto f = runOdec(base + " --times " + times);
  ASSERT_EQ(f.status, 0) << f.err;
  EXPECT_EQ(f.out, r.out);

  r = runOdec(base + " --times 1.25 --steps 3");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--steps and --times exclude each other"), std::string::npos) << r.err;
  r = runOdec(base);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("give --steps N, or the times to report with --times"), std::string::npos)
      << r.err;
  r = runOdec(base + " --times 1.5,1.5");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("observation time 1 (1.5) is not after the previous one (1.5)"),
            std::string::npos)
      << r.err;
  const std::string noT = tmp.file("not.csv", "time\n1.5\n");
  r = runOdec(base + " --times " + noT);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find(noT + ":1:1: error: no column 't'"), std::string::npos) << r.err;
  // An autonomous model takes --t0 with --times: the times are absolute.
  r = runOdec("simulate " + example("oscillator.node") +
              " --seed 1 --tableau RK4 --step 0.1 --x0 1,0 --t0 5 --times 5.3");
  ASSERT_EQ(r.status, 0) << r.err;
  auto g = runOdec("simulate " + example("oscillator.node") +
                   " --seed 1 --tableau RK4 --step 0.1 --x0 1,0 --steps 3");
  ASSERT_EQ(g.status, 0) << g.err;
  CsvTable a = odec::parseCsv(r.out, "stdout"), b = odec::parseCsv(g.out, "stdout");
  EXPECT_NEAR(a.at(0, 1), b.at(3, 1), 1e-14);
  EXPECT_NEAR(a.at(0, 2), b.at(3, 2), 1e-14);
}

// A driven model with adaptive steps from the command line: ẋ = −x + u with u held at
// 1, −2, 0.5 from t = 0, 1, 2 (steps end on the jumps); x(t) in closed form.
TEST(Simulate, AdaptiveStepsOfADrivenModel) {
  TempDir tmp;
  const std::string model = tmp.file("held.node", R"(
model Held
    state x::Real
    input u::Real ~ Hold()
    ddt(x) = -x + u
end
)");
  const std::string inputs = tmp.file("u.csv", "t,u\n0,1\n1,-2\n2,0.5\n");
  auto r = runOdec("simulate " + model + " --tableau Tsit5 --rtol 1e-10 --atol 1e-12 --x0 0 "
                   "--seed 0 --inputs " + inputs + " --times 0.5,1,1.5,2,2.75");
  ASSERT_EQ(r.status, 0) << r.err;
  const CsvTable table = odec::parseCsv(r.out, "stdout");
  const double u[] = {1, -2, 0.5};
  double x = 0, start = 0;
  std::vector<double> exact;
  for (double t : {0.5, 1.0, 1.5, 2.0, 2.75}) {
    while (t > start + 1) { // through the jump at start + 1
      x = u[int(start)] + (x - u[int(start)]) * std::exp(-1.0);
      start += 1;
    }
    exact.push_back(u[int(start)] + (x - u[int(start)]) * std::exp(-(t - start)));
  }
  ASSERT_EQ(table.rows(), 5u);
  for (size_t k = 0; k < 5; ++k)
    EXPECT_NEAR(table.at(k, 1), exact[k], 1e-9) << k;
  // The inputs must cover the solve.
  r = runOdec("simulate " + model + " --tableau Tsit5 --rtol 1e-6 --x0 0 --seed 0 --t0 -1 " +
              "--inputs " + inputs + " --times 1");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "odec: error: input 'u' (Hold) is sampled on [0, 2], but trajectory 0 is "
                   "solved on [-1, 1]\n");
}

// Adaptive steps from the command line: the states at --times against the exact solution of
// a linear system, the step counts in the JSON, and the option combinations refused.
TEST(Simulate, AdaptiveStepsReachTheTimesWithinTheTolerance) {
  TempDir tmp;
  const std::string model = tmp.file("lin.node", R"(
model Lin
    state x::Vector{2}
    param A::Matrix{2,2} ~ Constant(0.0)
    ddt(x) = A * x
end
)");
  const std::string params = tmp.file("p.json", R"({"A": [[-0.1, -2], [2, -0.1]]})");
  auto r = runOdec("simulate " + model + " --tableau DormandPrince5 --rtol 1e-10 --atol 1e-10 "
                   "--params " + params + " --x0 1,0.5 --times 1,3.5");
  ASSERT_EQ(r.status, 0) << r.err;
  const CsvTable t = odec::parseCsv(r.out, "stdout");
  ASSERT_EQ(t.columns, (std::vector<std::string>{"t", "x[1]", "x[2]"}));
  ASSERT_EQ(t.rows(), 2u);
  EXPECT_NE(r.err.find("note: DormandPrince5: "), std::string::npos) << r.err;
  // x(t) = e^{-0.1 t} R(2t) x0, R a rotation.
  for (size_t k = 0; k < 2; ++k) {
    const double time = t.at(k, 0), decay = std::exp(-0.1 * time);
    const double c = std::cos(2 * time), s = std::sin(2 * time);
    EXPECT_NEAR(t.at(k, 1), decay * (c * 1 - s * 0.5), 1e-8);
    EXPECT_NEAR(t.at(k, 2), decay * (s * 1 + c * 0.5), 1e-8);
  }
  r = runOdec("simulate " + model + " --tableau BogackiShampine3 --rtol 1e-5 --params " + params +
              " --x0 1,0.5 --times 2 --json");
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char *key : {"\"rtol\":1e-05", "\"atol\":1e-09", "\"step_to_times\":false",
                          "\"accepted\":", "\"rejected\":", "\"nfe\":"})
    EXPECT_NE(r.out.find(key), std::string::npos) << key << " in " << r.out;
  // Ten output times: interpolated by default (the steps of one output time), or each a step's
  // end with --step-to-times.
  std::string ten;
  for (int k = 1; k <= 10; ++k)
    ten += (k > 1 ? "," : "") + std::to_string(0.2 * k);
  auto accepted = [](const std::string &json) {
    const size_t at = json.find("\"accepted\":") + 11;
    return std::stol(json.substr(at));
  };
  const std::string tsit = "simulate " + model + " --tableau Tsit5 --rtol 1e-8 --params " +
                           params + " --x0 1,0.5 --json --times ";
  const auto one = runOdec(tsit + "2"), dense = runOdec(tsit + ten),
             stepped = runOdec(tsit + ten + " --step-to-times");
  ASSERT_EQ(dense.status, 0) << dense.err;
  ASSERT_EQ(stepped.status, 0) << stepped.err;
  EXPECT_EQ(accepted(dense.out), accepted(one.out));
  EXPECT_GE(accepted(stepped.out), 10);
  EXPECT_NE(stepped.out.find("\"step_to_times\":true"), std::string::npos);

  const std::string base = "simulate " + model + " --params " + params + " --x0 1,0.5 ";
  r = runOdec(base + "--tableau RK4 --rtol 1e-6 --times 1");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "odec: error: tableau 'RK4' has no embedded weights (bhat); adaptive steps "
                   "need a pair such as DormandPrince5, Tsit5, CashKarp45, Fehlberg45 or "
                   "BogackiShampine3\n");
  r = runOdec(base + "--tableau DormandPrince5 --rtol 1e-6 --steps 10");
  EXPECT_EQ(r.err, "odec: error: adaptive steps (--rtol/--atol) report at --times T1,T2,… (or a "
                   "file)\n");
  r = runOdec(base + "--tableau DormandPrince5 --rtol 1e-6 --step 0.1 --times 1");
  EXPECT_EQ(r.err, "odec: error: adaptive steps (--rtol/--atol) choose their own step: leave out "
                   "--step and --steps (--first-step sets the first one)\n");
  r = runOdec(base + "--tableau DormandPrince5 --rtol -1 --times 1");
  EXPECT_EQ(r.err, "odec: error: rtol must be a positive finite number, got -1\n");
  r = runOdec(base + "--tableau DormandPrince5 --atol 1e-12 --max-steps 3 --times 1,50");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind("odec: error: trajectory 0: 3 steps (max steps) reached at t = ", 0), 0u)
      << r.err;
  r = runOdec(base + "--tableau RK4 --step 0.1 --steps 3 --max-steps 10");
  EXPECT_EQ(r.err, "odec: error: --first-step, --max-steps, --pi-beta and --step-to-times are for "
                   "adaptive steps (--rtol/--atol)\n");
  r = runOdec(base + "--tableau RK4 --step 0.1 --steps 3 --step-to-times");
  EXPECT_EQ(r.status, 1);
  r = runOdec(base + "--tableau Tsit5 --rtol 1e-6 --pi-beta 0.5 --times 1");
  EXPECT_EQ(r.err, "odec: error: the PI controller's beta must be in [0, 0.2], got 0.5\n");
  r = runOdec(base + "--tableau RK4 --steps 3");
  EXPECT_EQ(r.err, "odec: error: give the step size with --step H (or adaptive steps with "
                   "--rtol/--atol)\n");
}
