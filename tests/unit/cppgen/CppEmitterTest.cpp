// odec emit-cpp: the generated header compiles warning-free with g++ and clang++ and computes
// what the JIT computes (trajectories, loss, gradients) for every example model; identifiers
// that are C++ keywords or not ASCII are mangled.
#include "../RelativeError.h"
#include "codegen/CppNames.h"
#include "odec/odec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>
#include <sstream>

namespace fs = std::filesystem;
using odec::codegen::cppIdentifier;

namespace {

TEST(CppNames, KeywordsAndNonAsciiBecomeValidIdentifiers) {
  EXPECT_EQ(cppIdentifier("double"), "double_");
  EXPECT_EQ(cppIdentifier("class"), "class_");
  EXPECT_EQ(cppIdentifier("W1"), "W1");
  EXPECT_EQ(cppIdentifier("θ"), "theta");
  EXPECT_EQ(cppIdentifier("Δx"), "Delta_x");
  EXPECT_EQ(cppIdentifier("aθ2"), "a_theta_2");
  EXPECT_EQ(cppIdentifier("θ_1"), "theta_1");
  EXPECT_EQ(cppIdentifier("∂"), "u2202");
  EXPECT_EQ(cppIdentifier("_x"), "v_x");   // a leading _ is reserved with a capital
  EXPECT_EQ(cppIdentifier("x__y"), "x_y"); // __ is reserved anywhere
}

TEST(CppNames, ScopeNeverHandsOutANameTwice) {
  odec::codegen::CppNameScope scope;
  EXPECT_EQ(scope.claim("x"), "x");
  EXPECT_EQ(scope.claim("x"), "x_2");
  EXPECT_EQ(scope.claim("double"), "double_");
  EXPECT_EQ(scope.claim("double_"), "double__2");
}

std::string readFile(const fs::path &p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path scratchDir(const std::string &name) {
  fs::path dir = fs::temp_directory_path() / ("odec_cppgen_" + std::to_string(::getpid()) + "_" + name);
  fs::create_directories(dir);
  return dir;
}

/// Runs a shell command; returns its exit status, with stdout+stderr in `output`.
int shell(const std::string &command, const fs::path &log, std::string &output) {
  const int rc = std::system((command + " > " + log.string() + " 2>&1").c_str());
  output = readFile(log);
  return rc;
}

std::string list(const std::vector<double> &v) {
  std::ostringstream s;
  s.precision(17);
  for (size_t i = 0; i < v.size(); ++i)
    s << (i ? ", " : "") << v[i];
  return "{" + s.str() + "}";
}

using odec::test::relativeError;

struct Problem {
  int64_t batch = 3, steps = 7;
  double h = 0.05;
  std::vector<int64_t> targetSteps = {0, 3, 7};
  std::vector<double> params, x0, targets;
};

Problem makeProblem(const odec::Model &m, unsigned seed) {
  Problem p;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  p.params = m.sampleParams(seed);
  for (double &v : p.params) // priors like Zeros() would leave terms untested
    v += 0.3 * u(rng);
  for (int64_t i = 0; i < p.batch * m.stateDim(); ++i)
    p.x0.push_back(u(rng));
  for (int64_t i = 0; i < p.batch * int64_t(p.targetSteps.size()) * m.stateDim(); ++i)
    p.targets.push_back(u(rng));
  return p;
}

/// A program around the header that prints simulate's trajectory, then the loss, the
/// parameter gradient and the x0 gradient of lossGrad, and the largest difference between
/// jacobian() and central differences of field() at the first x0, one number a line.
std::string driver(const std::string &ns, const Problem &p, int64_t D) {
  const double w = 1.0 / double(int64_t(p.targetSteps.size()) * p.batch * D);
  std::ostringstream s;
  s.precision(17);
  s << "#include \"model.hpp\"\n#include <cstdio>\n#include <vector>\nnamespace m = " << ns
    << ";\nint main() {\n  const std::vector<m::Real> flat = " << list(p.params)
    << ", x0 = " << list(p.x0) << ", targets = " << list(p.targets)
    << ";\n  const std::vector<m::Real> weights(" << p.targetSteps.size() << ", m::Real(" << w
    << "));\n  const std::vector<std::int64_t> targetSteps = {";
  for (size_t t = 0; t < p.targetSteps.size(); ++t)
    s << (t ? ", " : "") << p.targetSteps[t];
  s << "};\n  const std::int64_t B = " << p.batch << ", N = " << p.steps
    << ";\n  const m::Real h = m::Real(" << p.h << ");\n"
    << R"(  const m::Params params = m::unflatten(flat.data());
  std::vector<m::Real> traj(std::size_t(B * (N + 1) * m::kStateDim)), traj2(traj.size());
  std::vector<m::Real> gradX0(std::size_t(B * m::kStateDim)), gradFlat(m::kParamCount + 1);
  m::simulate(params, x0.data(), traj.data(), B, N, h);
  m::Params grad;
  const m::Real loss = m::lossGrad(params, x0.data(), B, N, h, std::int64_t(targetSteps.size()),
                                   targetSteps.data(), weights.data(), targets.data(),
                                   traj2.data(), grad, gradX0.data());
  m::flatten(grad, gradFlat.data());
  for (m::Real v : traj) std::printf("%.17g\n", double(v));
  std::printf("%.17g\n", double(loss));
  for (int i = 0; i < m::kParamCount; ++i) std::printf("%.17g\n", double(gradFlat[std::size_t(i)]));
  for (m::Real v : gradX0) std::printf("%.17g\n", double(v));
  m::Real J[m::kStateDim * m::kStateDim];
  m::jacobian(params, x0.data(), J);
  double worst = 0;
  for (int j = 0; j < m::kStateDim; ++j) {
    m::State up, down, fUp, fDown;
    for (int d = 0; d < m::kStateDim; ++d) up[std::size_t(d)] = down[std::size_t(d)] = x0[std::size_t(d)];
    up[std::size_t(j)] += m::Real(1e-6);
    down[std::size_t(j)] -= m::Real(1e-6);
    m::field(params, up.data(), fUp.data());
    m::field(params, down.data(), fDown.data());
    for (int i = 0; i < m::kStateDim; ++i) {
      const double fd = double(fUp[std::size_t(i)] - fDown[std::size_t(i)]) / 2e-6;
      const double diff = fd - double(J[i * m::kStateDim + j]);
      worst = diff > worst ? diff : (-diff > worst ? -diff : worst);
    }
  }
  std::printf("%.17g\n", worst);
}
)";
  return s.str();
}

std::vector<double> readNumbers(const std::string &text) {
  std::vector<double> v;
  std::istringstream in(text);
  for (double x; in >> x;)
    v.push_back(x);
  return v;
}

struct Case {
  std::string file, model, ns, tableau;
};

/// Emits the header, compiles it with `compiler` and checks every result against the JIT.
void checkAgainstJit(const Case &c, const std::string &compiler, unsigned seed) {
  SCOPED_TRACE(c.model + " with " + c.tableau + ", " + compiler);
  odec::Model m = odec::Program::fromFile(std::string(ODEC_SOURCE_DIR) + "/" + c.file).model(c.model);
  const Problem p = makeProblem(m, seed);
  const fs::path dir = scratchDir(c.ns + "_" + c.tableau + "_" + compiler.substr(0, 3));
  std::ofstream(dir / "model.hpp") << m.cppHeader(c.tableau, {{}, false, false, c.file});
  std::ofstream(dir / "driver.cpp") << driver(c.ns, p, m.stateDim());
  std::string out;
  ASSERT_EQ(shell(compiler + " -std=c++17 -Wall -Wextra -Werror -pedantic -O1 -o " +
                      (dir / "driver").string() + " " + (dir / "driver.cpp").string(),
                  dir / "compile.log", out),
            0)
      << out;
  ASSERT_EQ(shell((dir / "driver").string(), dir / "run.log", out), 0) << out;
  const std::vector<double> got = readNumbers(out);

  const std::vector<double> traj =
      m.simulator(c.tableau).simulate(p.params, p.x0, p.batch, p.steps, p.h);
  const odec::LossGradient::Result ref = m.lossGradient(c.tableau).meanSquaredError(
      p.params, p.x0, p.batch, p.steps, p.h, p.targetSteps, p.targets);
  const size_t T = traj.size(), P = ref.gradParams.size(), X = ref.gradX0.size();
  ASSERT_EQ(got.size(), T + 1 + P + X + 1);
  auto part = [&](size_t from, size_t n) {
    return std::vector<double>(got.begin() + long(from), got.begin() + long(from + n));
  };
  EXPECT_LE(relativeError(part(0, T), traj), 1e-12);
  EXPECT_LE(relativeError(part(T, 1), {ref.loss}), 1e-12);
  if (P > 0) {
    EXPECT_LE(relativeError(part(T + 1, P), ref.gradParams), 1e-12);
  }
  EXPECT_LE(relativeError(part(T + 1 + P, X), ref.gradX0), 1e-12);
  EXPECT_LT(got.back(), 1e-6) << "jacobian() disagrees with differences of field()";
  EXPECT_GT(ref.loss, 0);
  fs::remove_all(dir);
}

const std::vector<Case> kCases = {
    {"examples/spiral.node", "Spiral", "Spiral", "RK4"},
    {"examples/spiral.node", "Spiral", "Spiral", "Kutta3"},
    {"examples/oscillator.node", "Oscillator", "Oscillator", "RK38"},
    {"tests/golden/derive_hamiltonian.node", "HamiltonianNet", "HamiltonianNet", "SSPRK3"},
    {"tests/unit/cppgen/mangling.node", "Weird", "Weird", "Midpoint"},
    {"tests/unit/cppgen/slices.node", "Sliced", "Sliced", "Ralston"},
};

TEST(CppEmitter, GccBuildsItWarningFreeAndItMatchesTheJit) {
  unsigned seed = 11;
  for (const Case &c : kCases)
    checkAgainstJit(c, "g++", seed++);
}

TEST(CppEmitter, ClangBuildsItWarningFreeAndItMatchesTheJit) {
  unsigned seed = 31;
  for (const Case &c : kCases)
    checkAgainstJit(c, "clang++-14", seed++);
}

TEST(CppEmitter, HeaderNamesItsSourceAndUsesTheModelsIdentifiers) {
  odec::Model m =
      odec::Program::fromFile(std::string(ODEC_SOURCE_DIR) + "/tests/unit/cppgen/mangling.node")
          .model("Weird");
  const std::string h = m.cppHeader("RK4", {{}, false, false, "mangling.node"});
  EXPECT_NE(h.find("generated by odec"), std::string::npos);
  EXPECT_NE(h.find("from mangling.node"), std::string::npos);
  EXPECT_NE(h.find("namespace Weird {"), std::string::npos);
  EXPECT_NE(h.find("Real class_ = "), std::string::npos);
  EXPECT_NE(h.find("const Real *theta = state;"), std::string::npos);
  EXPECT_NE(h.find("const Real *double_ = state + 2;"), std::string::npos);
}

TEST(CppEmitter, ParamsFileValuesBecomeTheDefaults) {
  odec::Model m =
      odec::Program::fromFile(std::string(ODEC_SOURCE_DIR) + "/examples/oscillator.node").model();
  const std::string h = m.cppHeader("RK4", {{1.25}, false, false, "oscillator.node"});
  EXPECT_NE(h.find("Real k = Real(1.25);"), std::string::npos) << h;
  EXPECT_THROW(m.cppHeader("RK4", {{1.0, 2.0}, false, false, ""}), std::invalid_argument);
  EXPECT_THROW(m.cppHeader("BackwardEuler"), std::invalid_argument);
}

TEST(CppEmitter, SinglePrecisionHeaderCompilesAndStaysClose) {
  odec::Model m =
      odec::Program::fromFile(std::string(ODEC_SOURCE_DIR) + "/examples/spiral.node").model();
  const Problem p = makeProblem(m, 5);
  const fs::path dir = scratchDir("float");
  std::ofstream(dir / "model.hpp") << m.cppHeader("RK4", {{}, true, false, "spiral.node"});
  std::ofstream(dir / "driver.cpp") << driver("Spiral", p, m.stateDim());
  std::string out;
  ASSERT_EQ(shell("g++ -std=c++17 -Wall -Wextra -Werror -pedantic -o " + (dir / "driver").string() +
                      " " + (dir / "driver.cpp").string(),
                  dir / "compile.log", out),
            0)
      << out;
  ASSERT_EQ(shell((dir / "driver").string(), dir / "run.log", out), 0) << out;
  const std::vector<double> got = readNumbers(out);
  const std::vector<double> traj = m.simulator("RK4").simulate(p.params, p.x0, p.batch, p.steps, p.h);
  EXPECT_LE(relativeError(std::vector<double>(got.begin(), got.begin() + long(traj.size())), traj),
            1e-5);
  fs::remove_all(dir);
}

TEST(CppEmitter, MainPrintsTheTrajectoryLikeOdecSimulate) {
  const std::string file = std::string(ODEC_SOURCE_DIR) + "/examples/oscillator.node";
  const fs::path dir = scratchDir("main");
  std::string out;
  ASSERT_EQ(shell(std::string(ODEC_BINARY) + " emit-cpp " + file +
                      " --tableau RK4 --main -o " + (dir / "osc.cpp").string(),
                  dir / "emit.log", out),
            0)
      << out;
  ASSERT_EQ(shell("g++ -std=c++17 -Wall -Wextra -Werror -pedantic -o " + (dir / "osc").string() +
                      " " + (dir / "osc.cpp").string(),
                  dir / "compile.log", out),
            0)
      << out;
  // Params default to zeros without --params: k = 0, so only the damping acts.
  ASSERT_EQ(shell((dir / "osc").string() + " --step 0.1 --steps 3 --x0 1,0.5", dir / "run.log", out), 0)
      << out;
  ASSERT_EQ(out.substr(0, out.find('\n')), "t,q[1],p[1]");
  odec::Model m = odec::Program::fromFile(file).model();
  const std::vector<double> ref = m.simulator("RK4").simulate({0.0}, {1, 0.5}, 1, 3, 0.1);
  std::string body = out.substr(out.find('\n') + 1);
  for (char &ch : body)
    ch = ch == ',' ? ' ' : ch;
  const std::vector<double> got = readNumbers(body);
  std::vector<double> expected;
  for (int n = 0; n <= 3; ++n) {
    expected.push_back(0.1 * n);
    expected.push_back(ref[size_t(2 * n)]);
    expected.push_back(ref[size_t(2 * n + 1)]);
  }
  EXPECT_LE(relativeError(got, expected), 1e-15);
  EXPECT_NE(shell((dir / "osc").string() + " --steps 3", dir / "usage.log", out), 0);
  EXPECT_NE(out.find("usage:"), std::string::npos);
  fs::remove_all(dir);
}

// A source path with a newline once ended the header's `//` comment and injected code (a
// static constructor ran when the library was loaded); a trailing backslash would have
// continued the comment over the next line. Names that are the header's own identifiers
// must not shadow them. The header compiles warning-free and its main() runs.
TEST(CppEmitter, UserTextNeverBecomesCode) {
  const std::string source =
      "evil\nstatic int injected = [] { return 1; }(); //\r\nint injected2;\\";
  odec::Model m =
      odec::Program::fromFile(std::string(ODEC_SOURCE_DIR) + "/tests/unit/cppgen/hostile.node")
          .model();
  const std::string h = m.cppHeader("RK4", {{}, false, true, source});
  EXPECT_NE(h.find("from evil\\x0astatic int injected = [] { return 1; }(); //\\x0d\\x0aint "
                   "injected2;\\\\.\n"),
            std::string::npos)
      << h.substr(0, 300);
  std::istringstream lines(h);
  for (std::string line; std::getline(lines, line);)
    if (line.find("injected") != std::string::npos) {
      EXPECT_EQ(line.rfind("//", 0), 0u) << line;
    }
  const fs::path dir = scratchDir("hostile");
  std::ofstream(dir / "hostile.cpp") << h;
  std::string out;
  ASSERT_EQ(shell("g++ -std=c++17 -Wall -Wextra -Werror -pedantic -o " + (dir / "h").string() +
                      " " + (dir / "hostile.cpp").string(),
                  dir / "compile.log", out),
            0)
      << out;
  ASSERT_EQ(shell((dir / "h").string() + " --step 0.5 --steps 1 --x0 1,2,3,4,5", dir / "run.log", out),
            0)
      << out;
  // Params are zeros: Real stays, State' = Heap − State = 1, Heap' = t − 3 = 2, t' = −t.
  const std::vector<double> ref = m.simulator("RK4").simulate(std::vector<double>(5, 0.0),
                                                              {1, 2, 3, 4, 5}, 1, 1, 0.5);
  EXPECT_EQ(out.substr(0, out.find('\n')), "t,Real[1],Real[2],State,Heap,t");
  std::string body = out.substr(out.find('\n') + 1);
  for (char &ch : body)
    ch = ch == ',' ? ' ' : ch;
  const std::vector<double> got = readNumbers(body);
  ASSERT_EQ(got.size(), 12u);
  EXPECT_LE(relativeError({got[7], got[8], got[9], got[10], got[11]},
                          {ref[5], ref[6], ref[7], ref[8], ref[9]}),
            1e-15);
  fs::remove_all(dir);
}

} // namespace

// A stage that reaches nothing (b_2 = 0 and no later stage reads it) gets no vector–Jacobian
// product in the emitted adjoint (SolverPlan's live stages), and both adjoints stay exact:
// the LLVM one against central differences, the C++ one against the LLVM one.
TEST(CppEmitter, DeadStagesGetNoAdjointAndTheGradientStaysExact) {
  const std::string src = "tableau Dead\n    c = [0, 1//2, 1]\n    A = [0 0 0\n"
                          "         1//2 0 0\n         1 0 0]\n    b = [1//2, 0, 1//2]\nend\n"
                          "model M\n    state x::Vector{2}\n    param W::Matrix{2,2} ~ Normal(0, 1)\n"
                          "    ddt(x) = tanh.(W * x)\nend\n";
  odec::Model m = odec::Program::fromString(src, "dead.node").model("M");
  const std::string h = m.cppHeader("Dead", {});
  EXPECT_NE(h.find("fieldVJP(p, s.state[0].data()"), std::string::npos);
  EXPECT_NE(h.find("fieldVJP(p, s.state[2].data()"), std::string::npos);
  EXPECT_EQ(h.find("fieldVJP(p, s.state[1].data()"), std::string::npos);

  const std::vector<double> W = {0.4, -1.1, 0.7, 0.2}, x0 = {0.5, -0.3};
  const std::vector<double> cot = {0, 0, 0, 0, 1.0, -0.5}; // on x_2 only
  const int64_t steps = 2;
  const double h0 = 0.2;
  odec::Vjp::Result r = m.vjp("Dead")(W, x0, 1, steps, h0, cot);
  auto loss = [&](const std::vector<double> &w) {
    std::vector<double> t = m.simulator("Dead").simulate(w, x0, 1, steps, h0);
    double s = 0;
    for (size_t i = 0; i < cot.size(); ++i)
      s += cot[i] * t[i];
    return s;
  };
  for (size_t k = 0; k < W.size(); ++k) {
    std::vector<double> up = W, down = W;
    up[k] += 1e-6;
    down[k] -= 1e-6;
    EXPECT_NEAR(r.gradParams[k], (loss(up) - loss(down)) / 2e-6, 1e-8) << k;
  }
}

// A driven model's header: stageValues interpolates each input as odec's solvers do (Hold,
// Linear, CubicSpline written out in C++), and simulate and lossGrad take the stage values.
// Built warning-free by g++, everything equals the JIT's to 1e-12.
TEST(CppEmitter, DrivenHeaderInterpolatesItsInputsLikeTheJit) {
  const std::string file = std::string(ODEC_SOURCE_DIR) + "/tests/unit/cppgen/driven.node";
  odec::Model m = odec::Program::fromFile(file).model();
  const std::vector<double> params = m.sampleParams(5), x0 = {0.4, -0.2, -0.7, 0.1};
  const std::vector<double> t0 = {0.15, -0.4};
  const int64_t N = 11;
  const double h = 0.1;
  odec::Drive drive;
  drive.t0 = t0;
  for (int b = 0; b < 2; ++b) {
    odec::InputSamples in;
    for (int k = 0; k < 9; ++k) {
      in.times.push_back(-0.5 + 0.23 * k * k / 4 + 0.1 * k);
      for (double v : {std::sin(k + b), 0.5 * k - 1, std::cos(2.0 * k), 0.3 * k * (b + 1)})
        in.values.push_back(v);
    }
    drive.inputs.push_back(in);
  }
  std::ostringstream s;
  s.precision(17);
  s << "#include \"model.hpp\"\n#include <cstdio>\n#include <vector>\nnamespace m = Driven;\n"
    << "int main() {\n  const std::vector<m::Real> flat = " << list(params)
    << ", x0 = " << list(x0) << ";\n  const double t0[2] = {" << t0[0] << ", " << t0[1] << "};\n"
    << "  const std::int64_t N = " << N << ";\n  const double h = " << h << ";\n"
    << "  std::vector<m::Real> exo(std::size_t(2 * N * m::kStages * m::kExoDim));\n";
  // Per trajectory, per input (a: column 0, b: columns 1–2, c: column 3) its own arrays.
  const int first[] = {0, 1, 3}, width[] = {1, 2, 1};
  for (int b = 0; b < 2; ++b) {
    const odec::InputSamples &in = drive.inputs[size_t(b)];
    s << "  {\n    const std::vector<double> times = " << list(in.times) << ";\n";
    for (int k = 0; k < 3; ++k) {
      std::vector<double> v;
      for (size_t r = 0; r < in.times.size(); ++r)
        for (int j = 0; j < width[k]; ++j)
          v.push_back(in.values[r * 4 + size_t(first[k] + j)]);
      s << "    const std::vector<m::Real> v" << k << " = " << list(v) << ";\n";
    }
    s << "    const m::InputSamples inputs[3] = {{times.data(), v0.data(), 9}, {times.data(), "
         "v1.data(), 9}, {times.data(), v2.data(), 9}};\n"
      << "    if (!m::stageValues(t0[" << b << "], h, N, inputs, exo.data() + " << b
      << " * N * m::kStages * m::kExoDim))\n      return 1;\n  }\n";
  }
  s << R"(  const m::Params params = m::unflatten(flat.data());
  std::vector<m::Real> traj(std::size_t(2 * (N + 1) * m::kStateDim)), traj2(traj.size());
  m::simulate(params, x0.data(), traj.data(), 2, N, m::Real(h), exo.data());
  const std::int64_t targetSteps[2] = {4, N};
  const std::vector<m::Real> targets(8, m::Real(0.25)), weights(2, m::Real(0.125));
  std::vector<m::Real> gradX0(4), gradFlat(m::kParamCount);
  m::Params grad;
  const m::Real loss = m::lossGrad(params, x0.data(), 2, N, m::Real(h), 2, targetSteps,
                                   weights.data(), targets.data(), traj2.data(), grad,
                                   gradX0.data(), exo.data());
  m::flatten(grad, gradFlat.data());
  for (m::Real v : traj) std::printf("%.17g\n", double(v));
  std::printf("%.17g\n", double(loss));
  for (m::Real v : gradFlat) std::printf("%.17g\n", double(v));
  for (m::Real v : gradX0) std::printf("%.17g\n", double(v));
  // Before the first sample nothing is defined: refused.
  const double early[1] = {1.0};
  const m::Real one[2] = {1, 1};
  const m::InputSamples late[3] = {{early, one, 1}, {early, one, 1}, {early, one, 1}};
  return m::stageValues(0.0, h, 1, late, exo.data()) ? 2 : 0;
}
)";
  const fs::path dir = scratchDir("driven");
  std::ofstream(dir / "model.hpp") << m.cppHeader("RK4", {{}, false, false, file});
  std::ofstream(dir / "driver.cpp") << s.str();
  std::string out;
  ASSERT_EQ(shell("g++ -std=c++17 -Wall -Wextra -Werror -pedantic -O1 -o " +
                      (dir / "driver").string() + " " + (dir / "driver.cpp").string(),
                  dir / "compile.log", out),
            0)
      << out;
  ASSERT_EQ(shell((dir / "driver").string(), dir / "run.log", out), 0) << out;
  const std::vector<double> got = readNumbers(out);
  const std::vector<double> traj = m.simulator("RK4").simulate(params, x0, 2, N, h, drive);
  const odec::LossGradient::Result ref = m.lossGradient("RK4").meanSquaredError(
      params, x0, 2, N, h, {4, N}, std::vector<double>(8, 0.25), drive);
  const size_t T = traj.size(), P = ref.gradParams.size();
  ASSERT_EQ(got.size(), T + 1 + P + 4);
  auto part = [&](size_t from, size_t n) {
    return std::vector<double>(got.begin() + long(from), got.begin() + long(from + n));
  };
  EXPECT_LE(relativeError(part(0, T), traj), 1e-12);
  EXPECT_LE(relativeError(part(T, 1), {ref.loss}), 1e-12);
  EXPECT_LE(relativeError(part(T + 1, P), ref.gradParams), 1e-12);
  EXPECT_LE(relativeError(part(T + 1 + P, 4), ref.gradX0), 1e-12);
  // A command line cannot give inputs: --main refuses a model with inputs, and says why.
  try {
    m.cppHeader("RK4", {{}, false, true, file});
    ADD_FAILURE() << "--main accepted a model with inputs";
  } catch (const std::invalid_argument &e) {
    EXPECT_NE(std::string(e.what()).find("has inputs, which its command line cannot take"),
              std::string::npos)
        << e.what();
  }
  fs::remove_all(dir);
}

// A model that reads only t: main() takes --t0 and prints times from there, like
// `odec simulate --t0`.
TEST(CppEmitter, MainOfATimeDependentModelTakesT0) {
  const fs::path dir = scratchDir("forced");
  const std::string file = (dir / "forced.node").string();
  std::ofstream(file) << "model Forced\n    state x::Real\n    param k::Real ~ Constant(1)\n"
                         "    ddt(x) = -k * x + sin(t)\nend\n";
  const std::string params = (dir / "p.json").string();
  std::ofstream(params) << "{\"k\": 0.7}";
  std::string out;
  ASSERT_EQ(shell(std::string(ODEC_BINARY) + " emit-cpp " + file + " --params " + params +
                      " --tableau RK4 --main -o " + (dir / "f.cpp").string(),
                  dir / "emit.log", out),
            0)
      << out;
  ASSERT_EQ(shell("g++ -std=c++17 -Wall -Wextra -Werror -pedantic -o " + (dir / "f").string() +
                      " " + (dir / "f.cpp").string(),
                  dir / "compile.log", out),
            0)
      << out;
  ASSERT_EQ(shell((dir / "f").string() + " --step 0.1 --steps 4 --t0 0.5 --x0 0.3", dir / "run.log",
                  out),
            0)
      << out;
  std::string ref;
  ASSERT_EQ(shell(std::string(ODEC_BINARY) + " simulate " + file +
                      " --params " + params + " --tableau RK4 --step 0.1 --steps 4 --t0 0.5 --x0 0.3",
                  dir / "ref.log", ref),
            0)
      << ref;
  for (std::string *text : {&out, &ref})
    for (char &ch : *text)
      ch = ch == ',' ? ' ' : ch;
  const std::vector<double> got = readNumbers(out.substr(out.find('\n') + 1)),
                            want = readNumbers(ref.substr(ref.find('\n') + 1));
  ASSERT_EQ(got.size(), want.size());
  EXPECT_LE(relativeError(got, want), 1e-14);
  fs::remove_all(dir);
}
