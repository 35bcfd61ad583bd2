#include "io/Svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>

namespace odec::svg {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string escape(const std::string &s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += ch;
    }
  }
  return out;
}

void pathPoint(std::string &d, char command, double X, double Y) {
  d += command;
  d += num(X);
  d += ' ';
  d += num(Y);
}

const char *colour(size_t k) {
  static constexpr const char *kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                             "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return kPalette[k % std::size(kPalette)];
}

double niceStep(double span) {
  double raw = span / 8, p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= raw)
      return m * p;
  return 10 * p;
}

std::string tickLabel(double v, double step) {
  char buf[32];
  int decimals = std::max(0, int(-std::floor(std::log10(step) + 1e-9)));
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::abs(v) < step * 1e-6 ? 0.0 : v);
  return buf;
}

std::string open(double width, double height, const std::string &title) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
         num(width) + "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(width) + " " +
         num(height) + "\" font-family=\"sans-serif\">\n" + "<title>" + escape(title) +
         "</title>\n" + "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n" + "<text x=\"" +
         num(width / 2) + "\" y=\"28\" text-anchor=\"middle\" font-size=\"16\">" + escape(title) +
         "</text>\n";
}

std::string axisTitles(double x0, double x1, double y0, double y1, double yGap,
                       const std::string &xTitle, const std::string &yTitle) {
  std::string ym = num((y0 + y1) / 2), yx = num(x0 - yGap);
  return "<text x=\"" + num((x0 + x1) / 2) + "\" y=\"" + num(y1 + 42) +
         "\" text-anchor=\"middle\" font-size=\"14\">" + escape(xTitle) + "</text>\n" +
         "<text x=\"" + yx + "\" y=\"" + ym + "\" text-anchor=\"middle\" font-size=\"14\" " +
         "transform=\"rotate(-90 " + yx + " " + ym + ")\">" + escape(yTitle) + "</text>\n";
}

} // namespace odec::svg
