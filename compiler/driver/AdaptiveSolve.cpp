// Model::adaptiveSolver: adaptive steps with an embedded pair (AdaptiveSolver in odec.h). The
// whole solve is one JIT-compiled function (codegen/AdaptiveCodegen.h); the host checks the
// arguments, picks each trajectory's first step (Hairer's selection, through the field
// compiled as a point function) and turns a failed trajectory into an error that names it.
#include "odec/odec.h"

#include "codegen/AdaptiveCodegen.h"
#include "driver/ModelImpl.h"
#include "io/Csv.h"
#include "jit/BatchVariants.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace odec {

struct AdaptiveSolver::Impl {
  std::shared_ptr<const Model::Impl> model;
  std::string tableau;
  int stages = 0;
  int order = 0; // of the propagated solution: the first step's exponent
  std::unique_ptr<jit::BatchVariants<jit::CompiledAdaptive>> code;
  std::shared_ptr<const jit::CompiledFunction> field; // f(x; θ), for the first step

  /// Hairer, Nørsett, Wanner I, II.4: h from the sizes of x0, f(x0) and f's change over a
  /// trial Euler step, in the error norm's weights; at most the whole interval.
  double firstStep(const std::vector<double> &params, const double *x0, double span,
                   const AdaptiveSettings &s) const;
};

namespace {

void checkSettings(const AdaptiveSettings &s) {
  if (!(s.rtol > 0) || !std::isfinite(s.rtol))
    throw std::invalid_argument("rtol must be a positive finite number, got " +
                                formatNumber(s.rtol));
  if (!(s.atol >= 0) || !std::isfinite(s.atol))
    throw std::invalid_argument("atol must be a finite number >= 0, got " + formatNumber(s.atol));
  if (s.maxSteps < 1)
    throw std::invalid_argument("max steps must be at least 1, got " + std::to_string(s.maxSteps));
  if (!(s.firstStep >= 0) || !std::isfinite(s.firstStep))
    throw std::invalid_argument("the first step must be a finite number >= 0 (0: chosen), got " +
                                formatNumber(s.firstStep));
}

} // namespace

double AdaptiveSolver::Impl::firstStep(const std::vector<double> &params, const double *x0,
                                       double span, const AdaptiveSettings &s) const {
  const size_t D = size_t(model->ir.stateDim()), P = params.size();
  std::vector<double> in(D + P), f0(D), f1(D);
  std::copy(params.begin(), params.end(), in.begin() + long(D));
  auto eval = [&](const double *x, std::vector<double> &f) {
    std::copy(x, x + D, in.begin());
    field->function()(in.data(), f.data());
  };
  auto rms = [&](auto &&value) {
    double sum = 0;
    for (size_t d = 0; d < D; ++d) {
      const double r = value(d) / (s.atol + s.rtol * std::abs(x0[d]));
      sum += r * r;
    }
    return std::sqrt(sum / double(D));
  };
  eval(x0, f0);
  const double d0 = rms([&](size_t d) { return x0[d]; });
  const double d1 = rms([&](size_t d) { return f0[d]; });
  const double h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * d0 / d1;
  std::vector<double> x1(D);
  for (size_t d = 0; d < D; ++d)
    x1[d] = x0[d] + h0 * f0[d];
  eval(x1.data(), f1);
  const double d2 = rms([&](size_t d) { return f1[d] - f0[d]; }) / h0;
  const double big = std::max(d1, d2);
  const double h1 = big <= 1e-15 ? std::max(1e-6, h0 * 1e-3)
                                 : std::pow(0.01 / big, 1.0 / double(order + 1));
  const double h = std::min({100 * h0, h1, span});
  return std::isfinite(h) && h > 0 ? h : span;
}

AdaptiveSolver Model::adaptiveSolver(const std::string &tableau) const {
  return adaptiveSolver(tableau, impl_->defaults);
}

AdaptiveSolver Model::adaptiveSolver(const std::string &tableau,
                                     const CompileOptions &compile) const {
  const ButcherTableau &t = impl_->comp->tableau(tableau);
  if (compile.path == CodePath::Cpp)
    throw std::invalid_argument("adaptive steps run on the LLVM path only; use CodePath::LLVM");
  codegen::requireAdaptive(impl_->ir, t);
  auto impl = std::make_shared<AdaptiveSolver::Impl>();
  impl->model = impl_;
  impl->tableau = tableau;
  impl->stages = t.stages;
  impl->order = codegen::embeddedErrorOrder(t);
  const jit::CompileOptions options = jitOptions(impl_->ir, compile, t);
  impl->code = std::make_unique<jit::BatchVariants<jit::CompiledAdaptive>>(
      [model = impl_, &t](const jit::CompileOptions &o) {
        return jit::compileAdaptive(model->ir, t, o);
      },
      options);
  impl->field = jit::compileFunction(impl_->ir.field(), impl_->pointOptions());
  AdaptiveSolver s;
  s.impl_ = std::move(impl);
  return s;
}

const std::string &AdaptiveSolver::tableau() const { return impl_->tableau; }

AdaptiveSolver::Result AdaptiveSolver::solve(const std::vector<double> &params,
                                             const std::vector<double> &x0,
                                             const std::vector<double> &times,
                                             const AdaptiveSettings &settings) const {
  checkSettings(settings);
  const Model::Impl &m = *impl_->model;
  const int64_t D = m.ir.stateDim();
  checkSize("the parameter vector", params.size(), m.ir.paramCount());
  if (x0.empty() || x0.size() % size_t(D) != 0)
    throw std::invalid_argument("x0 has " + std::to_string(x0.size()) +
                                " values; expected a positive multiple of the state's " +
                                std::to_string(D));
  const int64_t batch = int64_t(x0.size()) / D;
  if (times.size() < 2)
    throw std::invalid_argument("an adaptive solve needs at least two times (the start and an "
                                "output time), got " + std::to_string(times.size()));
  for (size_t k = 0; k < times.size(); ++k) {
    if (!std::isfinite(times[k]))
      throw std::invalid_argument("time " + std::to_string(k) + " is not finite");
    if (k > 0 && !(times[k] > times[k - 1]))
      throw std::invalid_argument("times must be strictly increasing: time " + std::to_string(k) +
                                  " = " + formatNumber(times[k]) + " after " +
                                  formatNumber(times[k - 1]));
  }
  for (double v : params)
    if (!std::isfinite(v))
      throw std::invalid_argument("the parameters are not all finite");
  for (double v : x0)
    if (!std::isfinite(v))
      throw std::invalid_argument("x0 is not all finite");

  const double span = times.back() - times.front();
  std::vector<double> h0(size_t(batch), settings.firstStep);
  Result r;
  if (settings.firstStep == 0) {
    for (int64_t b = 0; b < batch; ++b)
      h0[size_t(b)] = impl_->firstStep(params, x0.data() + b * D, span, settings);
    r.nfe = 2 * batch;
  }
  const jit::AdaptiveControl c{settings.rtol, settings.atol, double(settings.maxSteps)};
  const double control[] = {c.rtol, c.atol, c.maxSteps, c.safety, c.minFactor, c.maxFactor};
  r.states.assign(size_t(batch) * times.size() * size_t(D), 0.0);
  std::vector<double> stats(size_t(batch) * 4);
  impl_->code->forBatch(batch).function()(params.data(), x0.data(), r.states.data(), batch,
                                         times.data(), int64_t(times.size()), h0.data(), control,
                                         stats.data());
  for (int64_t b = 0; b < batch; ++b) {
    const double *st = &stats[size_t(b) * 4];
    r.accepted.push_back(int64_t(st[0]));
    r.rejected.push_back(int64_t(st[1]));
    r.nfe += int64_t(impl_->stages) * (r.accepted.back() + r.rejected.back());
    if (st[2] == 1)
      throw std::runtime_error("trajectory " + std::to_string(b) + ": " +
                               std::to_string(settings.maxSteps) + " steps (max steps) reached at t = " +
                               formatNumber(st[3]) + " of " + formatNumber(times.back()) +
                               "; raise max steps, or loosen rtol/atol");
    if (st[2] == 2)
      throw std::runtime_error("trajectory " + std::to_string(b) +
                               ": the step size underflowed at t = " + formatNumber(st[3]) +
                               " (the solution is stiff or blows up there, or the field is not "
                               "finite)");
  }
  return r;
}

} // namespace odec
