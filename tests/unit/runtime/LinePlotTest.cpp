#include "io/LinePlot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <regex>

using namespace odec;

namespace {

// The first point of the curve with this class: its pixel coordinates.
std::pair<double, double> firstPoint(const std::string &svg, const std::string &name) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(
      svg, m, std::regex("class=\"" + name + "\" d=\"M([0-9.]+) ([0-9.]+)")));
  if (m.empty())
    return {NAN, NAN};
  return {std::stod(m[1]), std::stod(m[2])};
}

} // namespace

TEST(LinePlot, LinearAxesPadTheDataRangeByFivePercent) {
  // y spans [0, 10], padded to [-0.5, 10.5]: y = 0 sits 0.5/11 of the 400 px above the bottom
  // edge (y = 448); x spans [2, 4], so x = 2 is the left edge (78).
  LineSeries s{"energy", {2, 3, 4}, {0, 10, 5}};
  std::string svg = linePlotSvg({"E", "t", "H"}, {s});
  auto [X, Y] = firstPoint(svg, "energy");
  EXPECT_NEAR(X, 78, 0.01);
  EXPECT_NEAR(Y, 448 - 400 * 0.5 / 11, 0.01);
  EXPECT_NE(svg.find(">10</text>"), std::string::npos); // a y tick at a nice step
  EXPECT_NE(svg.find(">t</text>"), std::string::npos);
}

TEST(LinePlot, NonFinitePointsLiftThePenAndDashedCurvesAreMarked) {
  LineSeries a{"a", {0, 1, 2, 3}, {1, NAN, 2, 3}, /*dashed=*/true};
  std::string svg = linePlotSvg({"t", "x", "y"}, {a});
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, std::regex("class=\"a\" d=\"([^\"]*)\"")));
  const std::string d = m[1];
  EXPECT_EQ(std::count(d.begin(), d.end(), 'M'), 2); // two pieces: {0} and {2, 3}
  EXPECT_EQ(std::count(d.begin(), d.end(), 'L'), 1);
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);
}

TEST(LinePlot, LogAxisSkipsNonPositiveValues) {
  LineSeries a{"a", {0, 1, 2}, {1e-3, -1, 1e-1}};
  LinePlotSpec spec{"t", "x", "y", /*logY=*/true};
  std::string svg = linePlotSvg(spec, {a});
  // Decades 1e-3 .. 1e-1: the first point is at the bottom edge.
  auto [X, Y] = firstPoint(svg, "a");
  EXPECT_NEAR(X, 78, 0.01);
  EXPECT_NEAR(Y, 448, 0.01);
  EXPECT_NE(svg.find(">1e-2</text>"), std::string::npos);
}

TEST(LinePlot, LegendSitsOutsideTheData) {
  // The legend's box starts right of the frame (x = 78 + 640), whatever the curves do there.
  LineSeries train{"train", {1, 2, 3}, {1, 1, 1}}, val{"validation", {1, 2, 3}, {1, 1, 1}};
  std::string svg = linePlotSvg({"Loss", "epoch", "loss"}, {train, val});
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      svg, m, std::regex("<g class=\"legend\"[^>]*>\\n<rect x=\"([0-9.]+)\" y=\"[0-9.]+\" "
                         "width=\"([0-9.]+)\"")));
  const double left = std::stod(m[1]), width = std::stod(m[2]);
  EXPECT_GT(left, 78 + 640);
  std::smatch size;
  ASSERT_TRUE(std::regex_search(svg, size, std::regex("<svg[^>]* width=\"([0-9.]+)\"")));
  EXPECT_LE(left + width, std::stod(size[1])); // and inside the canvas
}
