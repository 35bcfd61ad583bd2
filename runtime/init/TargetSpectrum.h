// What eigenvalue placement aims for: poles z = hλ drawn inside a stability region with a
// margin, and a real matrix that has exactly those eigenvalues.
#pragma once

#include "prior/PoleRegion.h"
#include "init/Random.h"
#include "tableau/StabilityFunction.h"

#include <Eigen/Dense>
#include <complex>
#include <vector>

namespace odec {

/// n poles z with |R(z)| ≤ 0.999·margin (strictly inside, so rounding in placement cannot
/// push them out) inside `region` for step h: ⌊n/2⌋ complex conjugate pairs, listed as
/// (a + ib, a − ib), then one real pole when n is odd. Each is rejection-sampled uniformly
/// from a box: the region's real and imag bounds, or those that radius and frequency imply,
/// or else the box around {|R| ≤ margin}: Re z in [left, 0) with left the end of the real
/// stability interval, |Im z| up to the highest point of the region found by scanning a grid
/// (an unbounded region is cut to the reference code's box, [−3, 0) × [−3, 3]). Throws
/// InitFailure when no pole qualifies (the region and the margin do not overlap).
std::vector<std::complex<double>> sampleStablePoles(const StabilityFunction &R, double margin,
                                                    const PoleRegion &region, double h, int n,
                                                    Random &rng);

/// Q B Qᵀ, where B is block-diagonal with a 2×2 block [[a, b], [−b, a]] for each conjugate pair
/// a ± ib (listed consecutively, as sampleStablePoles gives them) and a 1×1 block for each real
/// eigenvalue; Q orthogonal. Its eigenvalues are exactly `eigenvalues`. Throws
/// std::invalid_argument when a complex value is not followed by its conjugate.
Eigen::MatrixXd realMatrixWithEigenvalues(const std::vector<std::complex<double>> &eigenvalues,
                                          const Eigen::MatrixXd &Q);

} // namespace odec
