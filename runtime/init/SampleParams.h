// Drawing parameters from their declared priors.
#pragma once

#include "init/Random.h"
#include "io/Layout.h"

#include <vector>

namespace odec {

/// One draw of every parameter from its prior, in layout order (deterministic for a given
/// generator state). Glorot(): uniform on ±sqrt(6 / (fan_in + fan_out)) with fan_in = cols,
/// fan_out = rows.
std::vector<double> sampleParams(const std::vector<TensorSlot> &layout, Random &rng);
std::vector<double> sampleParams(const std::vector<TensorSlot> &layout, uint64_t seed);

} // namespace odec
