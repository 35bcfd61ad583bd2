// The time scales observed data show: the eigenvalues of the best linear model of the data, to
// set beside those of an initialized model (`odec init --data`), so that poles placed far
// faster or slower than the data are seen before training.
#pragma once

#include "io/TrajectoryData.h"

#include <complex>
#include <vector>

namespace odec {

/// The eigenvalues of A in the least-squares fit dx/dt ≈ A x + c over every pair of consecutive
/// samples of every trajectory, dx/dt taken as (x_{k+1} − x_k) / (t_{k+1} − t_k) at the
/// midpoint (x_k + x_{k+1}) / 2 (second-order accurate in the sample interval for a linear
/// field), sorted as in Spectrum. Throws std::invalid_argument when there are fewer pairs than
/// D + 1 or the states do not span the space (the fit is not determined).
std::vector<std::complex<double>> linearizedDataSpectrum(const TrajectoryData &data);

} // namespace odec
