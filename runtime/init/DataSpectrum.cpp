#include "init/DataSpectrum.h"

#include "init/Spectrum.h"

#include <Eigen/Dense>
#include <stdexcept>
#include <string>

namespace odec {

std::vector<std::complex<double>> linearizedDataSpectrum(const TrajectoryData &data) {
  const int64_t D = data.stateDim();
  int64_t pairs = 0;
  for (const Trajectory &t : data.trajectories)
    pairs += std::max<int64_t>(0, t.samples() - 1);
  if (pairs < D + 1)
    throw std::invalid_argument("the data has " + std::to_string(pairs) +
                                " sample intervals; a linear fit of " + std::to_string(D) +
                                " states needs at least " + std::to_string(D + 1));
  // Rows [x_mid, 1] → dx/dt: the fit's unknowns are [A c]ᵀ.
  Eigen::MatrixXd X(pairs, D + 1), Y(pairs, D);
  int64_t row = 0;
  for (const Trajectory &t : data.trajectories)
    for (int64_t k = 0; k + 1 < t.samples(); ++k, ++row) {
      const double dt = t.times[size_t(k + 1)] - t.times[size_t(k)];
      for (int64_t d = 0; d < D; ++d) {
        const double a = t.states[size_t(k * D + d)], b = t.states[size_t((k + 1) * D + d)];
        X(row, d) = (a + b) / 2;
        Y(row, d) = (b - a) / dt;
      }
      X(row, D) = 1;
    }
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(X);
  if (qr.rank() < D + 1)
    throw std::invalid_argument("the data's states do not span the state space, so no linear "
                                "model of it is determined");
  const Eigen::MatrixXd coefficients = qr.solve(Y); // (D+1) x D: [Aᵀ; cᵀ]
  return sortedEigenvalues(coefficients.topRows(D).transpose());
}

} // namespace odec
