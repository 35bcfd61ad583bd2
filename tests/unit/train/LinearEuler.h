// A reference loss-and-gradient for tests of the training runtime, written by hand: the
// linear model ddt(x) = A x (params: A, D x D row-major) under forward Euler,
// x_{n+1} = x_n + h A x_n, with its discrete adjoint
//   λ_n = ∂L/∂x_n + (I + h A)ᵀ λ_{n+1},   ∂L/∂A = Σ_n h λ_{n+1} x_nᵀ,   ∂L/∂x_0 = λ_0,
// where ∂L/∂x_n = Σ_{t: s_t = n} 2 w_t (x_n − y_t). Same ABI as the compiled adjoint.
#pragma once

#include "io/TrajectoryData.h"

#include <cstdint>
#include <vector>

namespace odec::test {

template <int D>
double linearEulerLossGrad(const double *A, const double *x0, int64_t batch, int64_t steps,
                           double h, int64_t numTargets, const int64_t *targetSteps,
                           const double *w, const double *targets, double *traj, double *gradA,
                           double *gradX0, const double * /*exo: the system is autonomous*/) {
  const int64_t N = steps;
  for (int i = 0; i < D * D; ++i)
    gradA[i] = 0;
  double L = 0;
  for (int64_t b = 0; b < batch; ++b) {
    double *x = traj + b * (N + 1) * D;
    for (int d = 0; d < D; ++d)
      x[d] = x0[b * D + d];
    for (int64_t n = 0; n < N; ++n)
      for (int i = 0; i < D; ++i) {
        double ax = 0;
        for (int j = 0; j < D; ++j)
          ax += A[i * D + j] * x[n * D + j];
        x[(n + 1) * D + i] = x[n * D + i] + h * ax;
      }
    double lambda[D] = {};
    int64_t t = numTargets - 1;
    for (int64_t n = N; n >= 0; --n) {
      for (; t >= 0 && targetSteps[t] == n; --t)
        for (int d = 0; d < D; ++d) {
          double r = x[n * D + d] - targets[(b * numTargets + t) * D + d];
          L += w[t] * r * r;
          lambda[d] += 2 * w[t] * r;
        }
      if (n == 0)
        break;
      double prev[D];
      for (int j = 0; j < D; ++j) {
        prev[j] = lambda[j];
        for (int i = 0; i < D; ++i)
          prev[j] += h * A[i * D + j] * lambda[i];
      }
      for (int i = 0; i < D; ++i)
        for (int j = 0; j < D; ++j)
          gradA[i * D + j] += h * lambda[i] * x[(n - 1) * D + j];
      for (int d = 0; d < D; ++d)
        lambda[d] = prev[d];
    }
    for (int d = 0; d < D; ++d)
      gradX0[b * D + d] = lambda[d];
  }
  return L;
}

/// Trajectories of x_{n+1} = x_n + h A x_n (2 states) from the given initial states, sampled
/// every `stride` steps, `samples` samples each, starting at t = 0.
inline TrajectoryData eulerTrajectories(const double A[4], const std::vector<double> &x0s, double h,
                                        int64_t stride, int64_t samples) {
  TrajectoryData d;
  d.stateColumns = {"x[1]", "x[2]"};
  d.step = h;
  d.stride = stride;
  for (size_t k = 0; k + 1 < x0s.size(); k += 2) {
    Trajectory tr{int64_t(k / 2 + 1), {}, {}};
    double x[2] = {x0s[k], x0s[k + 1]};
    for (int64_t s = 0; s < samples; ++s) {
      tr.times.push_back(double(s * stride) * h);
      tr.states.insert(tr.states.end(), x, x + 2);
      for (int64_t n = 0; n < stride; ++n) {
        double y0 = x[0] + h * (A[0] * x[0] + A[1] * x[1]);
        double y1 = x[1] + h * (A[2] * x[0] + A[3] * x[1]);
        x[0] = y0;
        x[1] = y1;
      }
    }
    d.trajectories.push_back(tr);
  }
  return d;
}

} // namespace odec::test
