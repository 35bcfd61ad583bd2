// Sampled exogenous input signals: the u(t) of a driven model ẋ = f_θ(x, u(t), t).
//
// The data supply an input as samples (t_k, u_k), k = 0 … n−1; the solver needs it at stage times
// t_n + c_i h, which almost never coincide with sample times. The interpolation declared with the
// input (`input u::Vector{m} ~ Hold() | Linear() | CubicSpline()`) says how to read between them:
//
//   Hold         zero-order hold: sample k holds on [t_k, t_{k+1}), right-continuous, and the last
//                sample holds forever after t_{n−1} (a sampled-and-held actuator keeps its last
//                command). Needs 1 sample.
//   Linear       piecewise linear between neighbouring samples. Needs 2 samples.
//   CubicSpline  the natural cubic spline (S'' = 0 at both ends) through the samples, per
//   component:
//                C², so smooth fields stay smooth for high-order methods. With 2 samples it is the
//                straight line. Needs 2 samples.
//
// Before the first sample no interpolation defines a value, and Linear and CubicSpline do not
// extrapolate after the last one either (a cubic extrapolated grows without bound; a solve that
// outruns its input data is a data error the caller should report where the data came from, so
// callers check covers() first and evaluate() throws past the range).
//
// Tolerance: a t within tol(t) = 1e-9 · max(1, |t|) of a sample time counts as that sample time.
// Solver grids are computed (t0 + n·h, or t accumulated step by step) and land a few ulps beside
// the sample times they are meant to hit; without the tolerance a Hold input read at a grid time
// 0.9999999999999999 that means 1.0 would return the previous sample, a jump of a whole sample
// caused by rounding. For the same reason a t at most tol outside the range is clamped to the end
// instead of rejected. Sample times closer together than the tolerance are therefore not resolved
// by Hold (the later one wins).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace odec {

enum class Interpolation { Hold, Linear, CubicSpline };

/// "Hold" | "Linear" | "CubicSpline": the .node spelling without the parentheses.
const char *interpolationName(Interpolation k);
/// The inverse of interpolationName; std::nullopt for any other text (case matters, as in .node).
std::optional<Interpolation> parseInterpolation(const std::string &name);

/// One trajectory's sampled input signal of `width` components.
class Signal {
public:
  /// `times`: n sample times, finite and strictly increasing; `values`: n × width, row-major (the
  /// components of sample k at [k·width, (k+1)·width)), finite. Throws std::invalid_argument naming
  /// the first problem: width < 1, fewer samples than the interpolation needs, values.size() ≠
  /// n·width, a non-finite or non-increasing time, a non-finite value. Messages count samples from
  /// 0 (t[0] is the first time) and components from 1, as the data columns are named (u[1], u[2],
  /// …).
  Signal(Interpolation kind, std::vector<double> times, std::vector<double> values, int64_t width);

  Interpolation kind() const { return kind_; }
  int64_t width() const { return width_; }
  int64_t samples() const { return int64_t(times_.size()); }
  double firstTime() const { return times_.front(); }
  double lastTime() const { return times_.back(); }
  const std::vector<double> &times() const { return times_; }

  /// Whether evaluate() is defined at every t between t0 and t1 (inclusive, either order; the
  /// domain is an interval, so both ends decide): Hold from firstTime on, Linear and CubicSpline
  /// on [firstTime, lastTime], each widened by the tolerance. Non-finite times are never covered.
  bool covers(double t0, double t1) const;

  /// Which value a Hold signal gives at a sample time: the sample's (Right, the signal's own
  /// right-continuous value) or the one before (Left, the limit from below). A solver step
  /// that ends on a sample time reads its last stages from the left, so that an input whose
  /// jumps fall on step boundaries is constant over each step, as zero-order-hold
  /// discretizations assume (the step keeps its order). Continuous kinds ignore it.
  enum class Side { Right, Left };

  /// The signal's components at t into out[0 … width). Throws std::out_of_range where covers(t, t)
  /// is false. O(log n): a binary search for the interval, then O(width).
  void evaluate(double t, double *out, Side side = Side::Right) const;

  /// How close to a sample time a t counts as that time (see above): 1e-9 · max(1, |t|).
  static double tolerance(double t);

private:
  bool definedAt(double t) const;

  Interpolation kind_;
  int64_t width_;
  std::vector<double> times_;
  std::vector<double> values_;
  /// CubicSpline only: the spline's second derivatives at the samples, n × width like values_.
  std::vector<double> curvature_;
};

} // namespace odec
