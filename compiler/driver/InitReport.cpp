// Model::initReport: the report of stability-informed initialization, shared by `odec init`,
// `odec train --init stability` and the Python package.
#include "odec/odec.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <numbers>

namespace odec {

namespace {

using Eigenvalues = std::vector<std::complex<double>>;

nlohmann::ordered_json pairs(const Eigenvalues &values, double scale) {
  nlohmann::ordered_json a = nlohmann::ordered_json::array();
  for (std::complex<double> v : values)
    a.push_back({scale * v.real(), scale * v.imag()});
  return a;
}

std::string complexText(std::complex<double> z) {
  return z.imag() == 0 ? fmt::format("{:.6g}", z.real())
                       : fmt::format("{:.6g}{:+.6g}i", z.real(), z.imag());
}

std::string listText(const Eigenvalues &values, double scale) {
  std::string out;
  for (std::complex<double> v : values)
    out += (out.empty() ? "" : ", ") + complexText(scale * v);
  return out;
}

// One eigenvalue per real value or conjugate pair (the one with Im ≥ 0).
Eigenvalues distinctModes(const Eigenvalues &values) {
  Eigenvalues out;
  for (std::complex<double> v : values)
    if (v.imag() >= 0)
      out.push_back(v);
  return out;
}

// e^{λt}: the amplitude changes by e every 1/|Re λ| (decays when Re λ < 0, grows otherwise) and
// the mode turns once every 2π/|Im λ|; infinite when the part is zero.
double decayTime(std::complex<double> l) {
  return l.real() == 0 ? INFINITY : 1 / std::abs(l.real());
}
double period(std::complex<double> l) {
  return l.imag() == 0 ? INFINITY : 2 * std::numbers::pi / std::abs(l.imag());
}

std::string timeScalesText(const Eigenvalues &values, double h) {
  std::string out;
  for (std::complex<double> l : distinctModes(values)) {
    std::string mode = fmt::format("{} {} {:.3g}", complexText(l),
                                   l.real() <= 0 ? "decays in" : "GROWS in", decayTime(l));
    if (l.imag() != 0)
      mode += fmt::format(", period {:.3g} ({:.3g} steps)", period(l), period(l) / h);
    out += (out.empty() ? "" : "; ") + mode;
  }
  return out;
}

nlohmann::ordered_json bound(const InitSettings::PoleBounds::Interval &b) {
  return b ? nlohmann::ordered_json{b->first, b->second} : nlohmann::ordered_json();
}

std::string boundsText(const InitSettings::PoleBounds &p) {
  std::string out;
  auto add = [&](const char *name, const InitSettings::PoleBounds::Interval &b) {
    if (b)
      out += fmt::format("{}{} = ({:g}, {:g})", out.empty() ? "" : ", ", name, b->first, b->second);
  };
  add("real", p.real);
  add("imag", p.imag);
  add("radius", p.radius);
  add("frequency", p.frequency);
  return out;
}

nlohmann::ordered_json orNull(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json();
}

nlohmann::ordered_json timeScalesJson(const Eigenvalues &values) {
  nlohmann::ordered_json scales = nlohmann::ordered_json::array();
  for (std::complex<double> l : distinctModes(values))
    scales.push_back({{"eigenvalue", {l.real(), l.imag()}},
                      {"decay_time", orNull(decayTime(l))},
                      {"period", orNull(period(l))}});
  return scales;
}

double largestMagnitude(const Eigenvalues &values) {
  double r = 0;
  for (std::complex<double> v : values)
    r = std::max(r, std::abs(v));
  return r;
}

std::string timeScaleWarning(const InitResult &r, const Eigenvalues &data) {
  if (r.eigenvalues.empty())
    return "";
  const double model = largestMagnitude(r.eigenvalues[0]), seen = largestMagnitude(data);
  if (!(seen > 0) || !(model > 0) ||
      (model <= InitReport::kTimeScaleMismatch * seen &&
       seen <= InitReport::kTimeScaleMismatch * model))
    return "";
  const bool faster = model > seen;
  return fmt::format(
      "the initialized eigenvalues are {:.3g} times {} than the data's linearization (|λ| up to "
      "{:.3g} against {:.3g} per time unit); consider strategy = placement(radius = ({:.3g}, "
      "{:.3g})), around the data's time scales",
      faster ? model / seen : seen / model, faster ? "faster" : "slower", model, seen,
      seen / 3, 3 * seen);
}

std::string reportText(const Model &m, const InitResult &r, const Eigenvalues *data) {
  std::string out = fmt::format("initialized {} for {} (step {}, margin {}) by {}\n", m.name(),
                                r.tableau, r.step, r.margin, r.strategy);
  if (r.region != r.tableau)
    out += fmt::format("  note: the constraint is stability({}), not the solver {}: |R(hλ)| is "
                       "{}'s\n",
                       r.region, r.tableau, r.region);
  out += fmt::format("  tries: {} (acceptance rate {:.4g})\n", r.tries, r.acceptanceRate);
  if (!r.placedParameter.empty()) {
    out += fmt::format("  moved '{}' to place λ at: {}\n", r.placedParameter,
                       listText(r.targetEigenvalues, 1));
    out += fmt::format("  placement region (z = hλ): {}\n", boundsText(r.placement));
  }
  for (size_t k = 0; k < r.eigenvalues.size(); ++k)
    out += fmt::format("  eigenvalues hλ{}: {}\n",
                       r.eigenvalues.size() > 1 ? fmt::format(" at point {}", k + 1) : "",
                       listText(r.eigenvalues[k], r.step));
  out += fmt::format("  max |R(hλ)|: {:.6g}\n", r.maxAbsR);
  if (!r.eigenvalues.empty())
    out += fmt::format("  time scales of λ{} (time units; the step is {}): {}\n",
                       r.eigenvalues.size() > 1 ? " at point 1" : "", r.step,
                       timeScalesText(r.eigenvalues[0], r.step));
  if (data) {
    out += fmt::format("  the data's linearization: λ = {}\n", listText(*data, 1));
    out += fmt::format("  its time scales: {}\n", timeScalesText(*data, r.step));
  }
  return out;
}

nlohmann::ordered_json reportJson(const Model &m, const InitResult &r, const Eigenvalues *data) {
  // Eigenvalues of every operating point, in order (one list; points are concatenated).
  Eigenvalues lambda;
  for (const Eigenvalues &point : r.eigenvalues)
    lambda.insert(lambda.end(), point.begin(), point.end());
  nlohmann::ordered_json doc;
  doc["model"] = m.name();
  doc["solver"] = r.tableau;
  doc["region"] = r.region;
  doc["step"] = r.step;
  doc["margin"] = r.margin;
  doc["strategy"] = r.strategy;
  doc["tries"] = r.tries;
  doc["acceptance_rate"] = r.acceptanceRate;
  doc["operating_points"] = r.eigenvalues.size();
  doc["eigenvalues"] = pairs(lambda, 1);
  doc["scaled_eigenvalues"] = pairs(lambda, r.step);
  doc["max_abs_R"] = r.maxAbsR;
  doc["time_scales"] = timeScalesJson(r.eigenvalues.empty() ? Eigenvalues() : r.eigenvalues[0]);
  if (!r.placedParameter.empty()) {
    doc["target_eigenvalues"] = pairs(r.targetEigenvalues, 1);
    doc["placed_parameter"] = r.placedParameter;
    doc["placement_region"] = {{"real", bound(r.placement.real)},
                               {"imag", bound(r.placement.imag)},
                               {"radius", bound(r.placement.radius)},
                               {"frequency", bound(r.placement.frequency)}};
  }
  if (data) {
    doc["data_eigenvalues"] = pairs(*data, 1);
    doc["data_time_scales"] = timeScalesJson(*data);
    const std::string warning = timeScaleWarning(r, *data);
    doc["warning"] = warning.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(warning);
  }
  return doc;
}

} // namespace

InitReport Model::initReport(const InitResult &r, const Eigenvalues *data) const {
  InitReport report;
  report.text = reportText(*this, r, data);
  report.json = reportJson(*this, r, data).dump();
  report.warning = data ? timeScaleWarning(r, *data) : "";
  return report;
}

} // namespace odec
