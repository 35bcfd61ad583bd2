// Input signals for studies and synthetic data (`odec generate --input FAMILY`): seeded random
// draws from a few classic excitation families, sampled once per data sample. The samples are
// what the data file records, and what the model's interpolation reads between them, both when
// the teacher generates the data and when a student trains on it.
//
// Per trajectory and input component, every family draws its own parameters (counts are in
// samples, so a family looks the same at any step):
//   steps  piecewise constant: a level uniform in [-1, 1] held for 5–30 samples, then the next;
//   prbs   a pseudo-random binary sequence: ±1, each level held for 2–10 samples;
//   pwm    pulse-width modulation: +1 for the first d·P samples of every period of P samples,
//          −1 for the rest; P uniform in 10–40, duty d in [0.2, 0.8], a random phase;
//   sine   a sin(2π f t + φ): amplitude in [0.5, 1], f in [0.05, 0.5] cycles per unit time,
//          phase in [0, 2π).
#pragma once

#include "init/Random.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace odec {

enum class SignalFamily { Steps, Prbs, Pwm, Sine };

/// "steps", "prbs", "pwm", "sine"; nullopt otherwise.
std::optional<SignalFamily> parseSignalFamily(const std::string &name);

/// `samples` samples at the times times[0 .. samples) of `width` components (samples x width,
/// row-major), drawn from rng in a fixed order (component by component).
std::vector<double> drawSignal(SignalFamily family, const std::vector<double> &times,
                               int64_t width, Random &rng);

} // namespace odec
