// The entry point of a level's module (BenchLevel.h): the reference and the emitted solvers,
// behind flat arrays.
#include "BenchLevel.h"
#include "EigenReference.h"

#include <stdexcept>

namespace {

bench::Tableau tableauOf(const bench::LevelTableau &t) {
  const size_t s = size_t(t.stages);
  return {t.name, t.stages, std::vector<double>(t.A, t.A + s * s),
          std::vector<double>(t.b, t.b + s)};
}

void forward(const double *params, int D, int H, const bench::LevelTableau &t, double *x, int B,
             int steps, double h) {
  Eigen::Map<Eigen::MatrixXd> xs(x, D, B);
  Eigen::MatrixXd state = xs;
  bench::forward(bench::Mlp(params, D, H), tableauOf(t), state, steps, h);
  xs = state;
}

double lossGradient(const double *params, int D, int H, const bench::LevelTableau &t,
                    const double *x0, int B, int steps, double h, double *gradParams,
                    double *gradX0) {
  std::vector<double> gp;
  Eigen::MatrixXd gx;
  const double loss =
      bench::lossGradient(bench::Mlp(params, D, H), tableauOf(t),
                          Eigen::Map<const Eigen::MatrixXd>(x0, D, B), steps, h, gp, gx);
  std::copy(gp.begin(), gp.end(), gradParams);
  std::copy(gx.data(), gx.data() + gx.size(), gradX0);
  return loss;
}

const bench::EmittedSolver *emitted(const char *model, const char *tableau) {
  try {
    return &bench::emittedSolver(model, tableau);
  } catch (const std::out_of_range &) {
    return nullptr;
  }
}

} // namespace

extern "C" __attribute__((visibility("default"))) const bench::LevelCode *odec_bench_level() {
  static const bench::LevelCode code{ODEC_BENCH_LEVEL, bench::tanhFunction(), forward,
                                     lossGradient, emitted};
  return &code;
}
