// `odec imde` end to end on a linear field f(x) = A x, where the series has
// closed forms: Euler's IMDE is ((e^{hA} − I)/h) x and its inverse (log(I +
// hA)/h) x, i.e. the terms h^k f_k = h^k A^{k+1}/(k+1)! x and h^k (−1)^k
// A^{k+1}/(k+1) x.
#include "../cli/RunOdec.h"

#include <cmath>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

// ddt(q) = p, ddt(p) = −k q − p/10 with k = 2: A = [0 1; −2 −0.1].
const char *kOscillator = R"(
model Oscillator
    state q::Real
    state p::Real
    param k::Real ~ Uniform(0.5, 2.0)
    ddt(q) = p
    ddt(p) = -k * q - 0.1 * p
end
)";

using Vec2 = std::array<double, 2>;
Vec2 applyA(Vec2 v) { return {v[1], -2 * v[0] - 0.1 * v[1]}; }

void expectTerms(const nlohmann::json &doc, bool invert, double h, Vec2 x) {
  ASSERT_EQ(doc["terms"].size(), 5u);
  Vec2 power = x; // A^{k+1} x
  Vec2 sum = {0, 0};
  for (int k = 0; k <= 4; ++k) {
    power = applyA(power);
    double c = std::pow(h, k) * (invert ? std::pow(-1, k) / (k + 1) : 1 / std::tgamma(k + 2));
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_NEAR(doc["terms"][size_t(k)][i].get<double>(), c * power[i], 1e-12) << k;
      sum[i] += c * power[i];
    }
  }
  for (size_t i = 0; i < 2; ++i)
    EXPECT_NEAR(doc["sum"][i].get<double>(), sum[i], 1e-12);
}

TEST(ImdeCommand, LinearEulerTermsAndInverse) {
  TempDir tmp;
  std::string file = tmp.file("osc.node", kOscillator);
  std::string params = tmp.file("p.json", R"({"k": 2.0})");
  for (bool invert : {false, true}) {
    auto r =
        runOdec("imde " + file + " --tableau Euler --step 0.2 --order 4 --at 0.5,-1 --params " +
                params + " --json" + (invert ? " --invert" : ""));
    ASSERT_EQ(r.status, 0) << r.err;
    auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["formulas"][1], invert ? "-1//2 f′f" : "1//2 f′f");
    expectTerms(doc, invert, 0.2, {0.5, -1});
  }
}

TEST(ImdeCommand, TextOutputNamesTermsAndEvaluates) {
  TempDir tmp;
  std::string file = tmp.file("osc.node", kOscillator);
  auto r = runOdec("imde " + file + " --tableau RK4 --step 0.1 --order 2 --at 1,0 --seed 3");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("# IMDE of Oscillator for RK4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("# f_1 = 0"), std::string::npos) << r.out; // RK4 has order 4
  EXPECT_NE(r.out.find("sum = ["), std::string::npos) << r.out;
}

TEST(ImdeCommand, ReportsUserErrors) {
  TempDir tmp;
  std::string file = tmp.file("osc.node", kOscillator);
  auto unknown = runOdec("imde " + file + " --tableau Nope --step 0.1 --order 2");
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.err.find("unknown tableau 'Nope'"), std::string::npos) << unknown.err;
  auto noParams = runOdec("imde " + file + " --tableau Euler --step 0.1 --order 2 --at 1,0");
  EXPECT_EQ(noParams.status, 1);
  EXPECT_NE(noParams.err.find("--params"), std::string::npos) << noParams.err;
  auto badPoint = runOdec("imde " + file + " --tableau Euler --step 0.1 --order 1 --at 1 --seed 1");
  EXPECT_EQ(badPoint.status, 1);
  EXPECT_EQ(runOdec("imde " + file + " --tableau Euler --step 0.1 --order 9").status, 2);
}

} // namespace
