// The SVG stability plot: well-formed, one region path per tableau, boundary where the
// stability function says.
#include "TestTableaux.h"

#include "io/StabilityPlot.h"

#include <gtest/gtest.h>

#include <regex>

namespace odec::test {
namespace {

// A tiny XML well-formedness check: tags balance and nest; returns the first problem or "".
std::string checkTags(const std::string &xml) {
  std::vector<std::string> open;
  size_t pos = 0;
  while ((pos = xml.find('<', pos)) != std::string::npos) {
    size_t end = xml.find('>', pos);
    if (end == std::string::npos)
      return "unterminated tag at " + std::to_string(pos);
    std::string tag = xml.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    if (tag.starts_with("?") || tag.starts_with("!"))
      continue;
    if (tag.starts_with("/")) {
      std::string name = tag.substr(1);
      if (open.empty() || open.back() != name)
        return "unbalanced </" + name + ">";
      open.pop_back();
      continue;
    }
    std::string name = tag.substr(0, tag.find_first_of(" \t\n/"));
    if (!tag.ends_with("/"))
      open.push_back(name);
  }
  return open.empty() ? "" : "unclosed <" + open.back() + ">";
}

size_t count(const std::string &s, const std::string &what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1))
    ++n;
  return n;
}

std::vector<PlotRegion> regions(const std::vector<ButcherTableau> &ts) {
  std::vector<PlotRegion> out;
  for (const ButcherTableau &t : ts)
    out.push_back({t.name, stabilityFunction(t)});
  return out;
}

TEST(StabilityPlot, WellFormedWithOnePathPairPerTableau) {
  StabilityPlotOptions o;
  o.points = {{-1, 0.5}, {-2, 0}};
  std::string svg = stabilityPlotSvg(regions({euler(), rk4(), implicitMidpoint()}), o);
  EXPECT_EQ(checkTags(svg), "");
  EXPECT_TRUE(svg.starts_with("<?xml"));
  EXPECT_EQ(count(svg, "<g class=\"region\""), 3u);
  for (const char *name : {"Euler", "RK4", "ImplicitMidpoint"})
    EXPECT_NE(svg.find("data-tableau=\"" + std::string(name) + "\">\n<path d=\"M"),
              std::string::npos)
        << name;
  EXPECT_NE(svg.find(">RK4</text>"), std::string::npos); // legend entry
  EXPECT_NE(svg.find("class=\"real-axis\""), std::string::npos);
  EXPECT_NE(svg.find("class=\"imaginary-axis\""), std::string::npos);
  EXPECT_NE(svg.find(">Re(z)</text>"), std::string::npos);
  EXPECT_EQ(count(svg, "l8 8M"), 3u); // two points and the legend's marker
}

TEST(StabilityPlot, EulerBoundaryIsTheUnitCircleAroundMinusOne) {
  StabilityPlotOptions o;
  o.xmin = -2.5;
  o.xmax = 0.5;
  o.ymin = -1.5;
  o.ymax = 1.5;
  o.grid = 120;
  std::string svg = stabilityPlotSvg(regions({euler()}), o);
  // Invert the pixel mapping from the frame rectangle, then check every outline vertex.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m,
                                std::regex("class=\"frame\" x=\"([0-9.]+)\" y=\"([0-9.]+)\" "
                                           "width=\"([0-9.]+)\"")));
  double fx = std::stod(m[1]), fy = std::stod(m[2]), scale = std::stod(m[3]) / (o.xmax - o.xmin);
  size_t at = svg.find("fill=\"none\" stroke=\"#1f77b4\"");
  size_t start = svg.rfind("<path d=\"", at) + 9;
  std::string outline = svg.substr(start, svg.find('"', start) - start);
  std::regex pt("[ML]([0-9.]+) ([0-9.]+)");
  int n = 0;
  for (auto it = std::sregex_iterator(outline.begin(), outline.end(), pt);
       it != std::sregex_iterator(); ++it, ++n) {
    double x = o.xmin + (std::stod((*it)[1]) - fx) / scale;
    double y = o.ymax - (std::stod((*it)[2]) - fy) / scale;
    EXPECT_NEAR(std::hypot(x + 1, y), 1, 0.01) << x << " " << y;
  }
  EXPECT_GT(n, 100);
}

TEST(StabilityPlot, RejectsBadWindows) {
  StabilityPlotOptions o;
  o.xmin = 1;
  o.xmax = 1;
  EXPECT_THROW(stabilityPlotSvg(regions({euler()}), o), std::invalid_argument);
  EXPECT_THROW(stabilityPlotSvg({}, StabilityPlotOptions{}), std::invalid_argument);
}

TEST(StabilityPlot, DefaultWindowShowsTheRegions) {
  StabilityPlotOptions o = defaultPlotWindow(regions({rk4(), backwardEuler()}));
  EXPECT_LT(o.xmin, -2.8); // RK4 reaches −2.785 on the real axis
  EXPECT_GT(o.xmax, 2.0);  // backward Euler's unstable disc reaches 2
  EXPECT_GT(o.ymax, 2.83);
}

} // namespace
} // namespace odec::test
