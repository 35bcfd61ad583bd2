// Pieces shared by odec's SVG figures (stability regions, loss curves): coordinates, text
// escaping, the colour palette, "nice" tick steps and the document's opening lines. Each
// figure keeps its own layout; these keep the figures' look and number formats the same.
#pragma once

#include <cstddef>
#include <string>

namespace odec::svg {

/// A pixel coordinate or length: two decimals ("12.50").
std::string num(double v);

/// Text made safe for XML content and attribute values.
std::string escape(const std::string &s);

/// Appends a path command and its point: "M12.00 34.50". (Appending piecewise, not
/// "M" + std::string, also keeps GCC 12's false -Wrestrict positive away.)
void pathPoint(std::string &d, char command, double X, double Y);

/// The k-th colour of the palette (matplotlib's "tab10"), cycling.
const char *colour(size_t k);

/// A tick step of 1, 2 or 5 times a power of ten giving about 6–10 ticks over `span` > 0.
double niceStep(double span);

/// A tick value with as many decimals as `step` needs ("0.25", "-3"; never "-0").
std::string tickLabel(double v, double step);

/// The XML declaration, the <svg> element's opening tag (sans-serif, this size), a <title>,
/// a white background and the title text centred at the top.
std::string open(double width, double height, const std::string &title);

/// The two axis titles of a plot whose frame spans [x0, x1] × [y0, y1] (pixels): `xTitle`
/// centred below the frame, `yTitle` rotated and centred `yGap` pixels left of it.
std::string axisTitles(double x0, double x1, double y0, double y1, double yGap,
                       const std::string &xTitle, const std::string &yTitle);

} // namespace odec::svg
