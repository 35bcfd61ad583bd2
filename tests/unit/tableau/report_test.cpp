// The analysis record, its text form and its JSON form.
#include "TestTableaux.h"

#include "io/TableauJson.h"
#include "tableau/TableauReport.h"

#include <gtest/gtest.h>

namespace odec::test {
namespace {

TEST(TableauReport, CollectsEveryAnalysis) {
  TableauReport r = analyzeTableau(rk4());
  EXPECT_EQ(r.name, "RK4");
  EXPECT_EQ(r.stages, 4);
  EXPECT_TRUE(r.isExplicit);
  EXPECT_TRUE(r.exact);
  EXPECT_EQ(r.order.order, 4);
  EXPECT_TRUE(r.rowSumConsistent);
  EXPECT_NEAR(r.realInterval.left, -2.785293563405282, 1e-11);
  EXPECT_NEAR(r.imaginaryExtent, 2 * std::sqrt(2.0), 1e-9);
  EXPECT_FALSE(r.aStable);
  EXPECT_FALSE(r.symplectic);
}

TEST(TableauReport, TextForm) {
  std::string text = formatReport(analyzeTableau(rk4()));
  EXPECT_NE(text.find("tableau RK4: 4 stages, explicit, exact coefficients"), std::string::npos);
  EXPECT_NE(text.find("R(z) = 1 + z + 1//2 z^2 + 1//6 z^3 + 1//24 z^4\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("[-2.785293563, 0]"), std::string::npos) << text;
  EXPECT_NE(text.find("A-stable            no"), std::string::npos) << text;

  std::string im = formatReport(analyzeTableau(implicitMidpoint()));
  EXPECT_NE(im.find("R(z) = (1 + 1//2 z) / (1 - 1//2 z)"), std::string::npos) << im;
  EXPECT_NE(im.find("[-inf, 0]"), std::string::npos) << im;
  EXPECT_NE(im.find("symplectic          yes"), std::string::npos) << im;

  std::string broken = formatReport(analyzeTableau(rk4({Q(1, 6), Q(1, 6), Q(1, 2), Q(1, 6)})));
  EXPECT_NE(broken.find("order               2 (first failing condition: tree [[τ]] of order 3)"),
            std::string::npos)
      << broken;
}

TEST(TableauJson, ExactFunctionAndNullForInfinity) {
  nlohmann::ordered_json j = toJson(analyzeTableau(rk4()));
  EXPECT_EQ(j["name"], "RK4");
  EXPECT_EQ(j["stages"], 4);
  EXPECT_EQ(j["explicit"], true);
  EXPECT_EQ(j["order"], 4);
  EXPECT_EQ(j["stability_function"]["numerator_exact"],
            nlohmann::ordered_json({"1", "1", "1//2", "1//6", "1//24"}));
  EXPECT_EQ(j["stability_function"]["denominator"], nlohmann::ordered_json({1.0}));
  EXPECT_DOUBLE_EQ(j["stability_function"]["numerator"][3].get<double>(), 1.0 / 6);
  EXPECT_NEAR(j["real_interval"][0].get<double>(), -2.785293563405282, 1e-11);
  EXPECT_EQ(j["real_interval"][1], 0.0);
  EXPECT_EQ(j["a_stable"], false);
  EXPECT_EQ(j["symplectic"], false);

  nlohmann::ordered_json im = toJson(analyzeTableau(implicitMidpoint()));
  EXPECT_TRUE(im["real_interval"][0].is_null());
  EXPECT_TRUE(im["imaginary_extent"].is_null());
  EXPECT_EQ(im["a_stable"], true);
  EXPECT_EQ(im["stability_function"]["denominator_exact"], nlohmann::ordered_json({"1", "-1//2"}));

  nlohmann::ordered_json gl = toJson(analyzeTableau(gaussLegendre2()));
  EXPECT_FALSE(gl["stability_function"].contains("numerator_exact"));
  EXPECT_EQ(gl["order"], 4);
}

} // namespace
} // namespace odec::test
