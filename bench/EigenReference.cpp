#include "EigenReference.h"

#include <immintrin.h>
#include <sleef.h>

namespace bench {

using Eigen::MatrixXd;

namespace {

// SLEEF's 1-ulp tanh for the instruction set this file is compiled for (bench/CMakeLists.txt
// compiles it once per x86-64 level): the widest vector of doubles the level has.
#if defined(__AVX512F__)
constexpr int kLanes = 8;
const char *const kTanhName = "Sleef_tanhd8_u10avx512f";
inline void tanhLanes(double *p) { _mm512_storeu_pd(p, Sleef_tanhd8_u10avx512f(_mm512_loadu_pd(p))); }
#elif defined(__AVX2__) && defined(__FMA__)
constexpr int kLanes = 4;
const char *const kTanhName = "Sleef_tanhd4_u10avx2";
inline void tanhLanes(double *p) { _mm256_storeu_pd(p, Sleef_tanhd4_u10avx2(_mm256_loadu_pd(p))); }
#elif defined(__SSE4_1__)
constexpr int kLanes = 2;
const char *const kTanhName = "Sleef_tanhd2_u10sse4";
inline void tanhLanes(double *p) { _mm_storeu_pd(p, Sleef_tanhd2_u10sse4(_mm_loadu_pd(p))); }
#else
constexpr int kLanes = 2;
const char *const kTanhName = "Sleef_tanhd2_u10sse2";
inline void tanhLanes(double *p) { _mm_storeu_pd(p, Sleef_tanhd2_u10sse2(_mm_loadu_pd(p))); }
#endif

/// a := tanh(a), kLanes at a time.
void tanhInPlace(MatrixXd &a) {
  double *p = a.data();
  const Eigen::Index n = a.size(), full = n - n % kLanes;
  for (Eigen::Index i = 0; i < full; i += kLanes)
    tanhLanes(p + i);
  for (Eigen::Index i = full; i < n; ++i)
    p[i] = Sleef_tanh_u10(p[i]);
}

/// The hidden activations a = tanh.(W1·y .+ b1) and the field W2·a .+ b2.
void field(const Mlp &m, const MatrixXd &y, MatrixXd &a, MatrixXd &k) {
  a.noalias() = m.W1 * y;
  a.colwise() += m.b1;
  tanhInPlace(a);
  k.noalias() = m.W2 * a;
  k.colwise() += m.b2;
}

/// Stage inputs y_i = x + h Σ_{j<i} a_ij k_j and the stages k_i of one step from x (a_i kept).
void stages(const Mlp &m, const Tableau &t, const MatrixXd &x, double h, std::vector<MatrixXd> &y,
            std::vector<MatrixXd> &a, std::vector<MatrixXd> &k) {
  for (int i = 0; i < t.stages; ++i) {
    y[i] = x;
    for (int j = 0; j < i; ++j)
      if (double c = t.A[i * t.stages + j]; c != 0)
        y[i] += (h * c) * k[j];
    field(m, y[i], a[i], k[i]);
  }
}

} // namespace

const char *tanhFunction() { return kTanhName; }

Mlp::Mlp(const double *flat, int D, int H) {
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  W1 = Eigen::Map<const RowMajor>(flat, H, D);
  b1 = Eigen::Map<const Eigen::VectorXd>(flat + H * D, H);
  W2 = Eigen::Map<const RowMajor>(flat + H * D + H, D, H);
  b2 = Eigen::Map<const Eigen::VectorXd>(flat + 2 * H * D + H, D);
}

void forward(const Mlp &m, const Tableau &t, MatrixXd &x, int steps, double h) {
  std::vector<MatrixXd> y(t.stages), a(t.stages), k(t.stages);
  for (int n = 0; n < steps; ++n) {
    stages(m, t, x, h, y, a, k);
    for (int i = 0; i < t.stages; ++i)
      x += (h * t.b[i]) * k[i];
  }
}

double lossGradient(const Mlp &m, const Tableau &t, const MatrixXd &x0, int steps, double h,
                    std::vector<double> &gradParams, MatrixXd &gradX0) {
  const int s = t.stages;
  std::vector<MatrixXd> xs(steps + 1), y(s), a(s), k(s), ybar(s);
  xs[0] = x0;
  for (int n = 0; n < steps; ++n) {
    xs[n + 1] = xs[n];
    forward(m, t, xs[n + 1], 1, h);
  }
  MatrixXd gW1 = MatrixXd::Zero(m.W1.rows(), m.W1.cols()),
           gW2 = MatrixXd::Zero(m.W2.rows(), m.W2.cols());
  Eigen::VectorXd gb1 = Eigen::VectorXd::Zero(m.b1.size()), gb2 = Eigen::VectorXd::Zero(m.b2.size());
  MatrixXd lambda = 2 * xs[steps], kbar, zbar;
  for (int n = steps - 1; n >= 0; --n) {
    stages(m, t, xs[n], h, y, a, k);
    // x_{n+1} = x_n + h Σ b_i k_i; y_i = x_n + h Σ_{j<i} a_ij k_j: reverse over the stages.
    for (int i = s - 1; i >= 0; --i) {
      kbar = (h * t.b[i]) * lambda;
      for (int l = i + 1; l < s; ++l)
        if (double c = t.A[l * s + i]; c != 0)
          kbar += (h * c) * ybar[l];
      // k = W2·a + b2, a = tanh(z), z = W1·y + b1.
      gb2 += kbar.rowwise().sum();
      gW2.noalias() += kbar * a[i].transpose();
      zbar.noalias() = m.W2.transpose() * kbar;
      zbar.array() *= 1 - a[i].array().square();
      gb1 += zbar.rowwise().sum();
      gW1.noalias() += zbar * y[i].transpose();
      ybar[i].noalias() = m.W1.transpose() * zbar;
    }
    for (int i = 0; i < s; ++i)
      lambda += ybar[i];
  }
  gradX0 = lambda;
  gradParams.clear();
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  auto append = [&](const RowMajor &g) {
    gradParams.insert(gradParams.end(), g.data(), g.data() + g.size());
  };
  append(gW1);
  append(gb1);
  append(gW2);
  append(gb2);
  return xs[steps].squaredNorm();
}

} // namespace bench
