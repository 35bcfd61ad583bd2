#include "init/HaarOrthogonal.h"

namespace odec {

Eigen::MatrixXd haarOrthogonal(int n, Random &rng) {
  Eigen::MatrixXd G(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      G(i, j) = rng.normal();
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(G);
  Eigen::MatrixXd Q = qr.householderQ();
  Eigen::MatrixXd R = qr.matrixQR().triangularView<Eigen::Upper>();
  for (int j = 0; j < n; ++j)
    if (R(j, j) < 0)
      Q.col(j) = -Q.col(j);
  return Q;
}

} // namespace odec
