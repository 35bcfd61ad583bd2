#include "signal/Signal.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace odec {

const char *interpolationName(Interpolation k) {
  switch (k) {
  case Interpolation::Hold:
    return "Hold";
  case Interpolation::Linear:
    return "Linear";
  case Interpolation::CubicSpline:
    return "CubicSpline";
  }
  return "?";
}

std::optional<Interpolation> parseInterpolation(const std::string &name) {
  for (Interpolation k : {Interpolation::Hold, Interpolation::Linear, Interpolation::CubicSpline})
    if (name == interpolationName(k))
      return k;
  return std::nullopt;
}

namespace {

int64_t minSamples(Interpolation k) { return k == Interpolation::Hold ? 1 : 2; }

// The natural spline's second derivatives M (n × width) through the samples: M_0 = M_{n−1} = 0 and,
// for the interior samples, continuity of S' across t_i:
//   h_{i−1} M_{i−1} + 2 (h_{i−1} + h_i) M_i + h_i M_{i+1} = 6 ((y_{i+1} − y_i)/h_i − (y_i −
//   y_{i−1})/h_{i−1})
// with h_i = t_{i+1} − t_i. The matrix is strictly diagonally dominant, so the Thomas algorithm
// (elimination without pivoting) is stable; it depends on the times only, so one elimination
// serves every component.
std::vector<double> naturalSplineCurvature(const std::vector<double> &t,
                                           const std::vector<double> &y, int64_t width) {
  const size_t n = t.size(), w = size_t(width);
  std::vector<double> M(n * w, 0.0);
  if (n < 3)
    return M;                        // no interior sample: the straight line
  std::vector<double> upper(n, 0.0); // the eliminated superdiagonal c'_i
  for (size_t i = 1; i + 1 < n; ++i) {
    const double hl = t[i] - t[i - 1], hr = t[i + 1] - t[i];
    const double pivot = 2 * (hl + hr) - (i > 1 ? hl * upper[i - 1] : 0.0);
    upper[i] = hr / pivot;
    for (size_t j = 0; j < w; ++j) {
      const double rhs =
          6 * ((y[(i + 1) * w + j] - y[i * w + j]) / hr - (y[i * w + j] - y[(i - 1) * w + j]) / hl);
      M[i * w + j] = (rhs - hl * M[(i - 1) * w + j]) / pivot; // M_0 = 0 drops out at i = 1
    }
  }
  for (size_t i = n - 2; i >= 1; --i)
    for (size_t j = 0; j < w; ++j)
      M[i * w + j] -= upper[i] * M[(i + 1) * w + j]; // M_{n−1} = 0 drops out at i = n−2
  return M;
}

} // namespace

Signal::Signal(Interpolation kind, std::vector<double> times, std::vector<double> values,
               int64_t width)
    : kind_(kind), width_(width), times_(std::move(times)), values_(std::move(values)) {
  if (width_ < 1)
    throw std::invalid_argument(fmt::format("input width must be at least 1, got {}", width_));
  const int64_t n = samples();
  if (n < minSamples(kind_))
    throw std::invalid_argument(fmt::format("{} interpolation needs at least {} sample{}, got {}",
                                            interpolationName(kind_), minSamples(kind_),
                                            minSamples(kind_) == 1 ? "" : "s", n));
  if (int64_t(values_.size()) != n * width_)
    throw std::invalid_argument(
        fmt::format("input values: {} samples of width {} need {} numbers, got {}", n, width_,
                    n * width_, values_.size()));
  for (int64_t k = 0; k < n; ++k) {
    if (!std::isfinite(times_[k]))
      throw std::invalid_argument(fmt::format("input time t[{}] = {} is not finite", k, times_[k]));
    if (k > 0 && !(times_[k] > times_[k - 1]))
      throw std::invalid_argument(
          fmt::format("input times must be strictly increasing: t[{}] = {} after t[{}] = {}", k,
                      times_[k], k - 1, times_[k - 1]));
  }
  for (int64_t k = 0; k < n; ++k)
    for (int64_t j = 0; j < width_; ++j)
      if (!std::isfinite(values_[k * width_ + j]))
        throw std::invalid_argument(
            fmt::format("input value u[{}] = {} at t = {} (t[{}]) is not finite", j + 1,
                        values_[k * width_ + j], times_[k], k));
  if (kind_ == Interpolation::CubicSpline)
    curvature_ = naturalSplineCurvature(times_, values_, width_);
}

double Signal::tolerance(double t) { return 1e-9 * std::max(1.0, std::abs(t)); }

bool Signal::definedAt(double t) const {
  if (!std::isfinite(t) || t < firstTime() - tolerance(t))
    return false;
  return kind_ == Interpolation::Hold || t <= lastTime() + tolerance(t);
}

bool Signal::covers(double t0, double t1) const { return definedAt(t0) && definedAt(t1); }

void Signal::evaluate(double t, double *out, Side side) const {
  if (!definedAt(t))
    throw std::out_of_range(
        fmt::format("input signal ({}, {} samples on [{}, {}]) is not defined at t = {}",
                    interpolationName(kind_), samples(), firstTime(), lastTime(), t));
  const size_t w = size_t(width_);
  if (kind_ == Interpolation::Hold) {
    // The last sample at or before t, counting one within the tolerance after t; at least sample
    // 0, which definedAt guarantees lies at most tol after t.
    auto after = side == Side::Right
                     ? std::upper_bound(times_.begin(), times_.end(), t + tolerance(t))
                     : std::lower_bound(times_.begin(), times_.end(), t - tolerance(t));
    const size_t k = size_t(std::max<std::ptrdiff_t>(after - times_.begin() - 1, 0));
    std::copy_n(values_.begin() + k * w, w, out);
    return;
  }
  t = std::clamp(t, firstTime(), lastTime());
  // The interval [t_k, t_{k+1}] holding t; lastTime itself falls into the last interval.
  auto after = std::upper_bound(times_.begin(), times_.end(), t);
  const size_t k = size_t(
      std::clamp<std::ptrdiff_t>(after - times_.begin() - 1, 0, std::ptrdiff_t(times_.size()) - 2));
  const double h = times_[k + 1] - times_[k];
  const double a = (times_[k + 1] - t) / h, b = (t - times_[k]) / h; // weights of y_k and y_{k+1}
  const double *y0 = &values_[k * w], *y1 = &values_[(k + 1) * w];
  if (kind_ == Interpolation::Linear) {
    for (size_t j = 0; j < w; ++j)
      out[j] = a * y0[j] + b * y1[j];
    return;
  }
  // S(t) = a y_k + b y_{k+1} + ((a³ − a) M_k + (b³ − b) M_{k+1}) h²/6: the cubic with the sample
  // values at both ends and second derivatives M_k, M_{k+1} there (it is linear in M).
  const double *M0 = &curvature_[k * w], *M1 = &curvature_[(k + 1) * w];
  const double ca = (a * a * a - a) * h * h / 6, cb = (b * b * b - b) * h * h / 6;
  for (size_t j = 0; j < w; ++j)
    out[j] = a * y0[j] + b * y1[j] + ca * M0[j] + cb * M1[j];
}

} // namespace odec
