// The region placement initialization draws its poles from, as an init block's
// `placement(real = (a, b), imag = (c, d), radius = …, frequency = …)` states it.
#pragma once

#include <optional>
#include <utility>

namespace odec {

/// Where placement puts its poles z = hλ besides |R(z)| ≤ margin, in the paper's terms:
/// bounds [lo, hi] on Re z and Im z (`real`, `imag`), and on |λ| and |Im λ| in radians per unit
/// of time (`radius`, `frequency`). Im bounds one member of each conjugate pair (its conjugate
/// is placed too); a real pole (odd state dimension) needs 0 within imag and frequency.
struct PoleRegion {
  using Interval = std::optional<std::pair<double, double>>;
  Interval real, imag, radius, frequency;

  bool empty() const { return !real && !imag && !radius && !frequency; }
  /// The region placement() without arguments uses: real = (−0.5, −0.01), imag = (−0.5, 0.5),
  /// poles that decay in 2 to 100 steps and turn at most half a radian per step (a period of
  /// at least 4π ≈ 12.6 steps): the time scales that data sampled every step or few resolve.
  /// The whole stability region (the reference code's box) places most poles where one step
  /// turns them by radians, far faster than any dynamics the data can show.
  static PoleRegion defaults();
};

} // namespace odec
