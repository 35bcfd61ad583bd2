// The host API's tableau analysis and stability plots (Program::tableau, stabilityPlot): what
// `odec tableau` and `odec stability` print and draw.
#include "odec/odec.h"

#include <gtest/gtest.h>

#include <string>

// Program::tableau is `odec tableau`: the prelude's and a file's own tableaux, analysed.
TEST(HostTableau, ThePreludesAndTheFilesTableauxAnalysed) {
  const odec::Program prelude = odec::Program::fromString("", "<none>");
  const odec::TableauInfo rk4 = prelude.tableau("RK4");
  EXPECT_EQ(rk4.stages, 4);
  EXPECT_EQ(rk4.order, 4);
  EXPECT_TRUE(rk4.isExplicit);
  EXPECT_EQ(rk4.text.substr(0, rk4.text.find('\n')),
            "tableau RK4: 4 stages, explicit, exact coefficients");
  EXPECT_NE(rk4.json.find("\"name\": \"RK4\""), std::string::npos) << rk4.json;
  const odec::TableauInfo gauss = prelude.tableau("GaussLegendre2");
  EXPECT_EQ(gauss.stages, 2);
  EXPECT_EQ(gauss.order, 4);
  EXPECT_FALSE(gauss.isExplicit);
  // A tableau the file defines.
  const odec::Program file =
      odec::Program::fromFile(std::string(ODEC_SOURCE_DIR) + "/examples/spiral.node");
  EXPECT_EQ(file.tableau("Kutta3").order, 3);
  EXPECT_THROW(prelude.tableau("NoSuchTableau"), std::invalid_argument);
}

// Program::stabilityPlot is `odec stability`'s picture; bad requests are refused by name.
TEST(HostTableau, StabilityPlotDrawsTheNamedRegions) {
  const odec::Program prelude = odec::Program::fromString("", "<none>");
  const std::string svg = prelude.stabilityPlot({"RK4", "Euler"});
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  EXPECT_NE(svg.find(">RK4<"), std::string::npos);
  EXPECT_NE(svg.find(">Euler<"), std::string::npos);
  odec::StabilityPlotSettings inverted;
  inverted.real = std::pair{1.0, -1.0};
  EXPECT_THROW(prelude.stabilityPlot({"RK4"}, inverted), std::invalid_argument);
  EXPECT_THROW(prelude.stabilityPlot({"NoSuchTableau"}), std::invalid_argument);
  EXPECT_THROW(prelude.stabilityPlot({}), std::invalid_argument);
  // A pair shows both of its methods' regions.
  const std::string pair = prelude.stabilityPlot({"DormandPrince5"});
  EXPECT_NE(pair.find(">DormandPrince5<"), std::string::npos);
  EXPECT_NE(pair.find(">DormandPrince5 (embedded)<"), std::string::npos);
}
