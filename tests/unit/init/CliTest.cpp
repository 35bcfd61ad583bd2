// `odec init` (and the eigenvalue markers of `odec stability`) end to end through the binary.
#include "../cli/RunOdec.h"
#include "Models.h"

#include <nlohmann/json.hpp>

using namespace odec;
using namespace odec::inittest;

TEST(InitCommand, JsonReportAndParamsFile) {
  TempDir tmp;
  std::string out = tmp.file("params.json");
  auto r = runOdec("init " + example("spiral.node") + " --seed 3 --out " + out + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  for (const char *key : {"tries", "strategy", "eigenvalues", "scaled_eigenvalues", "max_abs_R",
                          "acceptance_rate", "solver", "step", "margin"})
    EXPECT_TRUE(doc.contains(key)) << key;
  EXPECT_EQ(doc["strategy"], "rejection");
  EXPECT_EQ(doc["solver"], "RK4");
  EXPECT_EQ(doc["step"], 0.1);
  EXPECT_EQ(doc["margin"], 0.9);

  // The file holds exactly the host API's result for the same seed.
  Model m = Program::fromFile(example("spiral.node")).model("Spiral");
  InitResult api = m.initialize(3);
  EXPECT_EQ(m.loadParams(out), api.params);
  EXPECT_EQ(doc["tries"], api.tries);
  EXPECT_EQ(doc["max_abs_R"].get<double>(), api.maxAbsR);

  // λ and hλ, and max |R(hλ)| recomputed from the listed hλ with RK4's polynomial.
  ASSERT_EQ(doc["eigenvalues"].size(), 2u);
  double worst = 0;
  for (size_t k = 0; k < 2; ++k) {
    Complex l(doc["eigenvalues"][k][0].get<double>(), doc["eigenvalues"][k][1].get<double>());
    Complex hl(doc["scaled_eigenvalues"][k][0].get<double>(),
               doc["scaled_eigenvalues"][k][1].get<double>());
    EXPECT_EQ(hl, 0.1 * l);
    worst = std::max(worst, absR(4, hl));
  }
  EXPECT_NEAR(worst, doc["max_abs_R"].get<double>(), 1e-12);
  EXPECT_LE(worst, 0.9);
  // Only the parameter file was written (no temporary left behind).
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(tmp.path),
                          std::filesystem::directory_iterator()),
            1);
}

TEST(InitCommand, HumanReport) {
  TempDir tmp;
  std::string out = tmp.file("p.json");
  auto r = runOdec("init " + example("spiral.node") + " --seed 3 --out " + out);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("initialized Spiral for RK4 (step 0.1, margin 0.9) by rejection"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("tries: "), std::string::npos);
  EXPECT_NE(r.out.find("eigenvalues hλ: "), std::string::npos);
  EXPECT_NE(r.out.find("max |R(hλ)|: "), std::string::npos);
}

TEST(InitCommand, PlacementStrategyFromTheInitBlock) {
  TempDir tmp;
  std::string src = spiralSource();
  src.replace(src.find("rejection(max_tries = 10_000)"),
              std::string("rejection(max_tries = 10_000)").size(), "placement()");
  std::string file = tmp.file("placed.node", src), out = tmp.file("p.json");
  auto r = runOdec("init " + file + " --seed 4 --out " + out + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["strategy"], "placement");
  EXPECT_EQ(doc["placed_parameter"], "W2");
  EXPECT_EQ(doc["target_eigenvalues"].size(), 2u);
}

TEST(InitCommand, FailureExitsOneAndLeavesTheOldFile) {
  TempDir tmp;
  std::string file = tmp.file("linear.node", kImpossible);
  std::string out = tmp.file("p.json", "old contents\n");
  auto r = runOdec("init " + file + " --seed 1 --out " + out);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("odec: error: no parameter draw put every eigenvalue"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("try strategy = placement() or a smaller step"), std::string::npos);
  EXPECT_EQ(slurp(out), "old contents\n");
}

TEST(InitCommand, ReportsTheRegionAndTheTimeScales) {
  TempDir tmp;
  std::string src = spiralSource();
  auto replace = [&](const std::string &from, const std::string &to) {
    src.replace(src.find(from), from.size(), to);
  };
  replace("rejection(max_tries = 10_000)", "placement(real = (-0.3, -0.05), imag = (-0.2, 0.2))");
  replace("stability(RK4, margin = 0.9)", "stability(Euler, margin = 1.05)");
  std::string file = tmp.file("region.node", src), out = tmp.file("p.json");
  auto text = runOdec("init " + file + " --seed 1 --out " + out);
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("initialized Spiral for RK4 (step 0.1, margin 1.05) by placement\n"
                          "  note: the constraint is stability(Euler), not the solver RK4: "
                          "|R(hλ)| is Euler's\n"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("  placement region (z = hλ): real = (-0.3, -0.05), imag = (-0.2, 0.2)"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("  time scales of λ (time units; the step is 0.1): "), std::string::npos);

  auto r = runOdec("init " + file + " --seed 1 --out " + out + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["solver"], "RK4");
  EXPECT_EQ(doc["region"], "Euler");
  EXPECT_EQ(doc["margin"], 1.05);
  EXPECT_EQ(doc["placement_region"]["real"], nlohmann::json({-0.3, -0.05}));
  EXPECT_TRUE(doc["placement_region"]["radius"].is_null());
  // One conjugate pair: one time scale, decay 1/|Re λ| and period 2π/|Im λ|, and max |R| is
  // Euler's |1 + hλ|.
  ASSERT_EQ(doc["time_scales"].size(), 1u);
  Complex l(doc["time_scales"][0]["eigenvalue"][0].get<double>(),
            doc["time_scales"][0]["eigenvalue"][1].get<double>());
  EXPECT_GT(l.imag(), 0);
  EXPECT_DOUBLE_EQ(doc["time_scales"][0]["decay_time"].get<double>(), 1 / std::abs(l.real()));
  EXPECT_DOUBLE_EQ(doc["time_scales"][0]["period"].get<double>(), 2 * M_PI / l.imag());
  EXPECT_NEAR(doc["max_abs_R"].get<double>(), std::abs(1.0 + 0.1 * l), 1e-12);
  EXPECT_GE(0.1 * l.real(), -0.3);
  EXPECT_LE(0.1 * l.real(), -0.05);
}

TEST(InitCommand, NoInitBlock) {
  TempDir tmp;
  auto r = runOdec("init " + example("oscillator.node") + " --seed 1 --out " + tmp.file("p.json"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("no init block for model Oscillator"), std::string::npos) << r.err;
}

namespace {
size_t count(const std::string &text, const std::string &what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}
} // namespace

TEST(StabilityCommand, DrawsTheModelsScaledEigenvalues) {
  TempDir tmp;
  std::string params = tmp.file("p.json"), svg = tmp.file("plot.svg");
  ASSERT_EQ(runOdec("init " + example("spiral.node") + " --seed 3 --out " + params).status, 0);
  // Markers are drawn as "l8 8M" paths: one per point plus the legend's.
  for (const char *step : {"0.1", "10"}) { // at h = 10, hλ ≈ −12: the window must grow
    auto r = runOdec("stability RK4 --file " + example("spiral.node") +
                     " --model Spiral --params " + params + " --step " + step + " --svg " + svg);
    ASSERT_EQ(r.status, 0) << r.err;
    std::string text = slurp(svg);
    EXPECT_EQ(count(text, "l8 8M"), 3u) << step;
    EXPECT_NE(text.find(">hλ</text>"), std::string::npos);
  }
  auto plain = runOdec("stability RK4 --svg " + svg);
  ASSERT_EQ(plain.status, 0) << plain.err;
  EXPECT_EQ(count(slurp(svg), "l8 8M"), 0u);
  auto noStep = runOdec("stability RK4 --file " + example("spiral.node") + " --params " + params +
                        " --svg " + svg);
  EXPECT_EQ(noStep.status, 2) << noStep.err; // usage: --params needs --step
}

TEST(InitCommand, DataTimeScalesBesideTheInitializedOnes) {
  // Data from ddt(x) = A x with A's eigenvalues −0.1 ± i: the linear fit recovers them (to the
  // O(Δt²) of the midpoint differences), and poles placed up to |Im z| = 3 (|λ| ≈ 17) are
  // flagged as far faster than the data.
  TempDir tmp;
  auto model = [&](const std::string &imag) {
    return tmp.file("lin" + std::to_string(imag.size()) + ".node",
                    "model Linear\n"
                    "    state x::Vector{2}\n"
                    "    param A::Matrix{2,2} ~ Normal(0, 0.1)\n"
                    "    ddt(x) = A * x\n"
                    "end\n"
                    "init Linear\n"
                    "    solver = RK4\n"
                    "    step = 0.1\n"
                    "    require eigvals(step * jacobian(ddt(x), x)) in stability(RK4, margin = 0.9)\n"
                    "    strategy = placement(real = (-0.5, -0.01), imag = " + imag + ")\n"
                    "end\n");
  };
  std::string wide = model("(-3, 3)"), narrow = model("(-0.15, 0.15)");
  std::string teacher = tmp.file("teacher.json", R"({"A": [[-0.1, 1], [-1, -0.1]]})");
  std::string data = tmp.file("d.csv"), out = tmp.file("p.json");
  ASSERT_EQ(runOdec("generate " + wide + " --params " + teacher +
                    " --tableau RK4 --step 0.1 --steps 60 --trajectories 4 --seed 1 --out " + data)
                .status,
            0);
  auto r = runOdec("init " + wide + " --seed 1 --out " + out + " --data " + data + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["data_eigenvalues"].size(), 2u);
  for (const auto &l : doc["data_eigenvalues"]) {
    EXPECT_NEAR(l[0].get<double>(), -0.1, 2e-3);
    EXPECT_NEAR(std::abs(l[1].get<double>()), 1.0, 2e-3);
  }
  ASSERT_TRUE(doc["warning"].is_string());
  EXPECT_NE(doc["warning"].get<std::string>().find("times faster than the data's linearization"),
            std::string::npos);
  auto text = runOdec("init " + wide + " --seed 1 --out " + out + " --data " + data);
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("  the data's linearization: λ = "), std::string::npos) << text.out;
  EXPECT_NE(text.err.find("odec: warning: the initialized eigenvalues are "), std::string::npos)
      << text.err;
  // Poles within the data's time scale: no warning.
  auto calm = runOdec("init " + narrow + " --seed 1 --out " + out + " --data " + data + " --json");
  ASSERT_EQ(calm.status, 0) << calm.err;
  EXPECT_TRUE(nlohmann::json::parse(calm.out)["warning"].is_null()) << calm.out;
}
