// Random orthogonal matrices distributed by the Haar measure, as the stability-informed
// initialization of the reference code draws them: QR of a Gaussian matrix, with Q's columns
// multiplied by the signs of R's diagonal (without that correction Q is not Haar-distributed;
// Mezzadri, "How to generate random matrices from the classical compact groups", 2007).
#pragma once

#include "init/Random.h"

#include <Eigen/Dense>

namespace odec {

/// An n×n Haar-orthogonal matrix drawn from `rng` (n² normals, row-major).
Eigen::MatrixXd haarOrthogonal(int n, Random &rng);

} // namespace odec
