// One emitted header behind the registry's flat-array ABIs (EmittedSolvers.h). Compiled once
// per case by bench/CMakeLists.txt with ODEC_BENCH_HEADER (the generated header's name),
// ODEC_BENCH_MODEL (its namespace) and ODEC_BENCH_TABLEAU defined.
#include "EmittedSolvers.h"

// The standard headers the generated header includes, first, so that it can be included inside
// an anonymous namespace: the headers of one model with different tableaux define the same
// inline functions (W2::step, W2::simulate, ...), which the linker would otherwise merge across
// the cases (an ODR violation that ran RK4's step inside the RK38 case).
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>

namespace {
#include ODEC_BENCH_HEADER
} // namespace

#define ODEC_BENCH_CAT2(a, b, c) a##_##b##_##c
#define ODEC_BENCH_CAT(a, b, c) ODEC_BENCH_CAT2(a, b, c)
#define ODEC_BENCH_STR2(a) #a
#define ODEC_BENCH_STR(a) ODEC_BENCH_STR2(a)

namespace {

namespace model = ODEC_BENCH_MODEL;

void simulate(const double *params, const double *x0, double *out, int64_t batch, int64_t steps,
              double h, const double * /*exo: the workloads are autonomous*/) {
  model::simulate(model::unflatten(params), x0, out, batch, steps, h);
}

double lossGrad(const double *params, const double *x0, int64_t batch, int64_t steps, double h,
                int64_t numTargets, const int64_t *targetSteps, const double *targetWeights,
                const double *targets, double *traj, double *gradParams, double *gradX0,
                const double * /*exo*/) {
  model::Params grad;
  const double loss = model::lossGrad(model::unflatten(params), x0, batch, steps, h, numTargets,
                                      targetSteps, targetWeights, targets, traj, grad, gradX0);
  model::flatten(grad, gradParams);
  return loss;
}

} // namespace

namespace bench {

EmittedSolver ODEC_BENCH_CAT(emitted, ODEC_BENCH_MODEL, ODEC_BENCH_TABLEAU)() {
  return {ODEC_BENCH_STR(ODEC_BENCH_MODEL), ODEC_BENCH_STR(ODEC_BENCH_TABLEAU), simulate, lossGrad};
}

} // namespace bench
