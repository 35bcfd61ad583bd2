#include "signal/SignalFamily.h"

#include <cmath>

namespace odec {

std::optional<SignalFamily> parseSignalFamily(const std::string &name) {
  if (name == "steps")
    return SignalFamily::Steps;
  if (name == "prbs")
    return SignalFamily::Prbs;
  if (name == "pwm")
    return SignalFamily::Pwm;
  if (name == "sine")
    return SignalFamily::Sine;
  return std::nullopt;
}

namespace {

/// An integer uniform in [lo, hi].
int64_t uniformInt(Random &rng, int64_t lo, int64_t hi) {
  return lo + int64_t(rng.uniform() * double(hi - lo + 1));
}

/// Levels held for random runs of samples: level() draws each new one.
template <class Level>
void heldLevels(double *column, int64_t samples, int64_t width, Random &rng, int64_t shortest,
                int64_t longest, Level level) {
  int64_t n = 0;
  while (n < samples) {
    const double v = level();
    for (int64_t end = std::min(samples, n + uniformInt(rng, shortest, longest)); n < end; ++n)
      column[n * width] = v;
  }
}

} // namespace

std::vector<double> drawSignal(SignalFamily family, const std::vector<double> &times,
                               int64_t width, Random &rng) {
  const int64_t samples = int64_t(times.size());
  std::vector<double> out(size_t(samples * width));
  for (int64_t j = 0; j < width; ++j) {
    double *column = out.data() + j;
    switch (family) {
    case SignalFamily::Steps:
      heldLevels(column, samples, width, rng, 5, 30, [&] { return rng.uniform(-1, 1); });
      break;
    case SignalFamily::Prbs:
      heldLevels(column, samples, width, rng, 2, 10,
                 [&] { return rng.uniform() < 0.5 ? -1.0 : 1.0; });
      break;
    case SignalFamily::Pwm: {
      const int64_t period = uniformInt(rng, 10, 40);
      const int64_t high = std::llround(rng.uniform(0.2, 0.8) * double(period));
      const int64_t phase = uniformInt(rng, 0, period - 1);
      for (int64_t n = 0; n < samples; ++n)
        column[n * width] = (n + phase) % period < high ? 1.0 : -1.0;
      break;
    }
    case SignalFamily::Sine: {
      const double a = rng.uniform(0.5, 1), f = rng.uniform(0.05, 0.5),
                   phi = rng.uniform(0, 2 * M_PI);
      for (int64_t n = 0; n < samples; ++n)
        column[n * width] = a * std::sin(2 * M_PI * f * times[size_t(n)] + phi);
      break;
    }
    }
  }
  return out;
}

} // namespace odec
