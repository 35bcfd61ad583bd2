// Implicit tableaux through the command line: `odec simulate` prints exactly what the host
// API computes plus one Newton note on stderr, `odec grad` agrees with the host API's
// discrete adjoint, `odec train` lowers the loss, and Newton failures reach the user.
#include "RunOdec.h"

#include "io/Csv.h"
#include "odec/odec.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>

namespace {

TEST(ImplicitCli, SimulateMatchesHostApi) {
  TempDir tmp;
  std::string params = tmp.file("p.json", R"({"k": 1.5})");
  OdecResult r = runOdec("simulate " + example("oscillator.node") +
                         " --tableau ImplicitMidpoint --step 0.1 --steps 30 --x0 1,0.25 --params " +
                         params);
  ASSERT_EQ(r.status, 0) << r.err;
  odec::CsvTable t = odec::parseCsv(r.out, "stdout");
  ASSERT_EQ(t.rows(), 31u);
  odec::Model m = odec::Program::fromFile(example("oscillator.node")).model();
  std::vector<double> ref = m.simulator("ImplicitMidpoint").simulate({1.5}, {1, 0.25}, 1, 30, 0.1);
  for (size_t n = 0; n <= 30; ++n)
    for (size_t d = 0; d < 2; ++d)
      EXPECT_EQ(t.at(n, d + 1), ref[n * 2 + d]) << n << "," << d; // shortest round-trip CSV
  // A linear field: one exact Newton update plus the one that confirms it.
  EXPECT_TRUE(std::regex_match(r.err, std::regex("note: Newton: ≤2 iterations per step, max "
                                                 "residual [0-9]\\.[0-9]e[-+][0-9]+\n")))
      << r.err;
}

TEST(ImplicitCli, NoWarningsSilencesTheNewtonNote) {
  OdecResult r = runOdec("-w simulate " + example("oscillator.node") +
                         " --tableau RadauIIA5 --step 0.1 --steps 3 --x0 1,0 --seed 1");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 5); // header + 4 rows
}

TEST(ImplicitCli, GradMatchesHostApi) {
  TempDir tmp;
  std::string params = tmp.file("p.json", R"({"k": 1.5})");
  std::string target = tmp.file("y.csv", "t,q[1],p[1]\n0.5,0.3,-0.2\n1.0,0.1,0.4\n");
  OdecResult r = runOdec("grad " + example("oscillator.node") +
                         " --tableau GaussLegendre3 --step 0.1 --steps 10 --x0 1,0.25 --json"
                         " --params " + params + " --target " + target);
  ASSERT_EQ(r.status, 0) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  odec::Model m = odec::Program::fromFile(example("oscillator.node")).model();
  odec::LossGradient::Result ref = m.lossGradient("GaussLegendre3")
                                       .meanSquaredError({1.5}, {1, 0.25}, 1, 10, 0.1, {5, 10},
                                                         {0.3, -0.2, 0.1, 0.4});
  EXPECT_DOUBLE_EQ(doc["loss"].get<double>(), ref.loss);
  EXPECT_DOUBLE_EQ(doc["gradients"]["k"].get<double>(), ref.gradParams[0]);
  EXPECT_DOUBLE_EQ(doc["x0_gradient"][0].get<double>(), ref.gradX0[0]);
  EXPECT_DOUBLE_EQ(doc["x0_gradient"][1].get<double>(), ref.gradX0[1]);
}

TEST(ImplicitCli, TrainLowersTheLoss) {
  TempDir tmp;
  std::string node = tmp.file("lin.node", "model Linear\n"
                                          "    state x::Vector{2}\n"
                                          "    param A::Matrix{2,2} ~ Normal(0, 0.1)\n"
                                          "    ddt(x) = A * x\n"
                                          "end\n");
  std::string teacher = tmp.file("teacher.json", R"({"A": [[-0.1, 1], [-1, -0.1]]})");
  std::string data = tmp.file("d.csv");
  OdecResult g = runOdec("generate " + node + " --params " + teacher +
                         " --tableau GaussLegendre2 --step 0.1 --steps 30 --trajectories 4"
                         " --seed 1 --x0-range=-2,2 --out " + data);
  ASSERT_EQ(g.status, 0) << g.err;
  OdecResult r = runOdec("train " + node + " --tableau ImplicitMidpoint --step 0.1 --data " +
                         data + " --lr 0.05 --batch 8 --seed 3 --epochs 3 --horizon 5 --json"
                         " --out " + tmp.file("run"));
  ASSERT_EQ(r.status, 0) << r.err;
  std::stringstream lines(r.out);
  std::vector<double> losses;
  for (std::string line; std::getline(lines, line);)
    losses.push_back(nlohmann::json::parse(line)["train_loss"].get<double>());
  ASSERT_EQ(losses.size(), 3u);
  EXPECT_LT(losses[2], 0.5 * losses[0]);
}

TEST(ImplicitCli, NewtonFailureIsAUserError) {
  TempDir tmp;
  std::string node = tmp.file("blow.node", "model Blow\n"
                                           "    state x::Vector{1}\n"
                                           "    param a::Real ~ Ones()\n"
                                           "    ddt(x) = a .* x .* x\n"
                                           "end\n");
  OdecResult r = runOdec("simulate " + node +
                         " --tableau BackwardEuler --step 1 --steps 10 --x0 0.1 --seed 1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("Newton's method did not converge at step 6 of trajectory 1 (tableau "
                       "BackwardEuler, 20 iterations, residual "),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("); reduce the step h"), std::string::npos) << r.err;
}

TEST(ImplicitCli, EmitLlvmStillNeedsAnExplicitTableau) {
  OdecResult r = runOdec("emit-llvm " + example("oscillator.node") + " --tableau GaussLegendre2");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("tableau 'GaussLegendre2' is implicit; the fused solvers need an explicit "
                       "tableau (strictly lower-triangular A)"),
            std::string::npos)
      << r.err;
}

} // namespace
