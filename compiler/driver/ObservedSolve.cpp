// Model::observedSolver: solves whose steps end on observation times (ObservedSolver in
// odec.h), the `output` lines evaluated there, and the exact gradient of the loss through both.
//
// The fused solver and its discrete adjoint are those of the field α·f (ir/StepScale.h), so a
// step of any length, zero included, is the compiled step of h with α per stage; the host
// decides the lengths (planSteps) and computes the stage values. The outputs are point
// functions of (x, θ, t, u), compiled with their vector–Jacobian product; their cotangents
// seed the solve's VJP at the observed steps.
#include "odec/odec.h"

#include "autodiff/Derivative.h"
#include "driver/ModelImpl.h"
#include "driver/ObservedSolveImpl.h"
#include "driver/StageValues.h"
#include "io/Csv.h"
#include "ir/Builder.h"
#include "ir/StepScale.h"
#include "support/Step.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace odec {

namespace {

// A bound on the steps of one solve, far above any sensible use, so that a time given in the
// wrong unit fails at once instead of allocating without end.
constexpr int64_t kMaxSteps = 100000000;

/// Steps of at most h that reach `to` from `from` (> from): the last one shortened, unless it
/// would be shorter than 1e-9 h, a rounding residue of data on the grid, which the step before
/// absorbs instead (it becomes at most (1 + 1e-9) h).
int64_t stepsBetween(double from, double to, double h) {
  const double r = (to - from) / h;
  if (!(r <= double(kMaxSteps)))
    throw std::invalid_argument("reaching " + formatNumber(to) + " from " + formatNumber(from) +
                                " in steps of " + formatNumber(h) + " would take more than " +
                                std::to_string(kMaxSteps) + " steps");
  return std::max<int64_t>(1, int64_t(std::ceil(r - 1e-9)));
}

double startTime(const Drive &drive, size_t b) {
  return drive.t0.empty() ? 0.0 : drive.t0[drive.t0.size() == 1 ? 0 : b];
}

ObservationSteps planSteps(const std::vector<Observations> &obs, const Drive &drive, double h) {
  const size_t B = obs.size();
  size_t K = 0;
  for (const Observations &o : obs)
    K = std::max(K, o.times.size());
  // Steps each trajectory needs per interval, and the most any needs.
  std::vector<std::vector<int64_t>> need(B);
  std::vector<int64_t> most(K, 0);
  for (size_t b = 0; b < B; ++b) {
    double from = startTime(drive, b);
    for (size_t k = 0; k < obs[b].times.size(); ++k) {
      need[b].push_back(stepsBetween(from, obs[b].times[k], h));
      most[k] = std::max(most[k], need[b].back());
      from = obs[b].times[k];
    }
  }
  ObservationSteps plan;
  for (int64_t m : most) {
    plan.steps += m;
    if (plan.steps > kMaxSteps)
      throw std::invalid_argument("the observations need more than " +
                                  std::to_string(kMaxSteps) + " steps of " + formatNumber(h));
    plan.observedAt.push_back(plan.steps);
  }
  const size_t N = size_t(plan.steps);
  plan.times.start.resize(B * N);
  plan.times.length.resize(B * N);
  for (size_t b = 0; b < B; ++b) {
    double *start = plan.times.start.data() + b * N, *length = plan.times.length.data() + b * N;
    double from = startTime(drive, b);
    size_t n = 0;
    for (size_t k = 0; k < K; ++k) {
      int64_t real = 0;
      if (k < obs[b].times.size()) {
        const double to = obs[b].times[k];
        real = need[b][k];
        for (int64_t j = 0; j + 1 < real; ++j, ++n) {
          start[n] = from + double(j) * h;
          length[n] = h;
        }
        start[n] = from + double(real - 1) * h;
        length[n] = to - start[n];
        ++n;
        from = to;
      }
      for (int64_t j = real; j < most[k]; ++j, ++n) { // steps of length 0: x stays
        start[n] = from;
        length[n] = 0;
      }
    }
  }
  return plan;
}

OutputCode compileOutputs(const ir::ModelIR &m, const jit::CompileOptions &options) {
  OutputCode code;
  std::set<const ir::Node *> read;
  for (const ir::Node *n : ir::topologicalOrder(m.outputs))
    if (n->op == ir::Op::Variable)
      read.insert(n);
  ir::Function value{m.name + "_outputs", {}, m.outputs, m.outputNames};
  std::vector<ir::Expr> wrt;
  for (const ir::ModelIR::Slot &s : m.states) {
    value.inputs.push_back(s.var);
    wrt.push_back(s.var);
  }
  for (const ir::ModelIR::Slot &p : m.params)
    if (read.count(p.var.get())) {
      value.inputs.push_back(p.var);
      wrt.push_back(p.var);
      code.params.push_back(&p);
      code.paramElements += p.shape.size();
    }
  for (const ir::ModelIR::Slot &e : m.exogenous)
    value.inputs.push_back(e.var);
  ir::Function vjp{m.name + "_outputs_vjp", value.inputs, {}, {}};
  std::vector<ir::Expr> cotangents;
  for (size_t k = 0; k < m.outputs.size(); ++k) {
    cotangents.push_back(ir::variable(m.outputNames[k] + "_cot", ir::VarRole::Cotangent, int(k),
                                      m.outputs[k]->shape));
    vjp.inputs.push_back(cotangents.back());
  }
  vjp.outputs = ad::vjp(m.outputs, cotangents, wrt);
  for (const ir::Expr &w : wrt)
    vjp.outputNames.push_back("d_" + w->name);
  code.value = jit::compileFunction(value, options);
  code.vjp = jit::compileFunction(vjp, options);
  return code;
}

} // namespace

ObservedSolver Model::observedSolver(const std::string &tableau) const {
  return observedSolver(tableau, impl_->defaults);
}

ObservedSolver Model::observedSolver(const std::string &tableau,
                                     const CompileOptions &compile) const {
  const ButcherTableau &t = impl_->comp->tableau(tableau);
  if (!t.isExplicit())
    throw std::invalid_argument("tableau '" + tableau +
                                "' is implicit; solves to observation times need an explicit "
                                "tableau");
  if (compile.path == CodePath::Cpp)
    throw std::invalid_argument("solves to observation times run on the LLVM path only; use "
                                "CodePath::LLVM");
  auto impl = std::make_shared<ObservedSolver::Impl>();
  impl->model = impl_;
  impl->tableau = tableau;
  impl->scaled = ir::withStepScale(impl_->ir);
  impl->solvers = jit::compileVjp(impl->scaled, t, jitOptions(impl_->ir, compile, t));
  if (!impl_->ir.outputs.empty())
    impl->outputs = compileOutputs(impl_->ir, impl_->pointOptions());
  ObservedSolver s;
  s.impl_ = std::move(impl);
  return s;
}

const std::string &ObservedSolver::tableau() const { return impl_->tableau; }

ObservedSolver::Result ObservedSolver::Impl::run(const std::vector<double> &params,
                                                 const std::vector<double> &x0, double h,
                                                 const std::vector<Observations> &obs,
                                                 const Drive &drive, const double *weight,
                                                 const ObservationSteps *given,
                                                 const std::vector<double> *solved) const {
  const ir::ModelIR &m = model->ir;
  const int64_t B = int64_t(obs.size()), D = m.stateDim(), P = m.paramCount(),
                O = observedDim();
  requireStep(h, "the step h");
  if (B < 1)
    throw std::invalid_argument("no trajectories to solve (the observations are empty)");
  checkSize("the parameter vector", params.size(), P);
  checkSize("x0", x0.size(), B * D);
  if (drive.t0.size() > 1 && int64_t(drive.t0.size()) != B)
    throw std::invalid_argument("the drive has " + std::to_string(drive.t0.size()) +
                                " start times; expected 1 or the batch's " + std::to_string(B));
  for (int64_t b = 0; b < B; ++b) {
    const std::string which = "trajectory " + std::to_string(b);
    const std::vector<double> &times = obs[size_t(b)].times;
    const double t0 = startTime(drive, size_t(b));
    if (!std::isfinite(t0))
      throw std::invalid_argument("the start time of " + which + " is not finite");
    if (times.empty())
      throw std::invalid_argument(which + " has no observation times");
    double before = t0;
    for (size_t k = 0; k < times.size(); ++k) {
      if (!std::isfinite(times[k]))
        throw std::invalid_argument(which + ": observation time " + std::to_string(k) +
                                    " is not finite");
      if (!(times[k] > before))
        throw std::invalid_argument(
            which + ": observation time " + std::to_string(k) + " (" + formatNumber(times[k]) +
            ") is not after " +
            (k == 0 ? "the start time (" + formatNumber(t0) + ")"
                    : "the previous one (" + formatNumber(before) + ")") +
            "; times must increase strictly");
      before = times[k];
    }
    const size_t want = times.size() * size_t(O);
    if (weight && obs[size_t(b)].values.size() != want)
      throw std::invalid_argument(which + " has " + std::to_string(obs[size_t(b)].values.size()) +
                                  " observed values for " + std::to_string(times.size()) +
                                  " times; expected " + std::to_string(times.size()) + " x " +
                                  std::to_string(O));
    for (size_t i = 0; weight && i < obs[size_t(b)].values.size(); ++i)
      if (std::isinf(obs[size_t(b)].values[i]))
        throw std::invalid_argument(which + ": observed value " + std::to_string(i / size_t(O)) +
                                    "," + std::to_string(i % size_t(O)) +
                                    " is infinite (NaN marks a missing value)");
  }
  const ObservationSteps plan = given ? *given : planSteps(obs, drive, h);
  const int64_t N = plan.steps;
  const ButcherTableau &t = model->comp->tableau(tableau);
  const std::vector<double> exo = stageValues(scaled, t, B, N, h, drive, plan.times);
  std::vector<double> traj(size_t(B * (N + 1) * D));
  if (solved) {
    checkSize("the given trajectory", solved->size(), int64_t(traj.size()));
    traj = *solved;
  } else {
    solvers.simulator->function()(params.data(), x0.data(), traj.data(), B, N, h, exo.data());
  }

  Result r;
  r.steps = N;
  const int64_t E = m.exoDim();
  std::vector<double> cotangent, outputGrad(size_t(P), 0.0);
  if (weight)
    cotangent.assign(traj.size(), 0.0);
  ObservationScratch scratch;
  for (int64_t b = 0; b < B; ++b) {
    const Observations &o = obs[size_t(b)];
    const std::vector<double> exoAt = outputs ? exogenousAt(m, drive, b, o.times)
                                              : std::vector<double>();
    for (size_t k = 0; k < o.times.size(); ++k) {
      const int64_t row = b * (N + 1) + plan.observedAt[k];
      const double *x = traj.data() + row * D;
      r.states.insert(r.states.end(), x, x + D);
      observe(x, params, outputs ? exoAt.data() + long(k) * E : nullptr,
              weight ? o.values.data() + k * size_t(O) : nullptr, weight, r,
              weight ? cotangent.data() + row * D : nullptr, outputGrad, scratch);
    }
  }
  if (!weight)
    return r;
  r.gradParams.resize(size_t(P));
  r.gradX0.resize(size_t(B * D));
  (*solvers.vjp)(params.data(), x0.data(), B, N, h, cotangent.data(), traj.data(),
                 r.gradParams.data(), r.gradX0.data(), kVjpFromTrajectory, exo.data(), nullptr);
  for (int64_t i = 0; i < P; ++i)
    r.gradParams[size_t(i)] += outputGrad[size_t(i)];
  return r;
}

void ObservedSolver::Impl::observe(const double *x, const std::vector<double> &params,
                                   const double *exo, const double *values, const double *weight,
                                   Result &r, double *xbar, std::vector<double> &outputGrad,
                                   ObservationScratch &scratch) const {
  const int64_t D = model->ir.stateDim(), O = observedDim();
  std::vector<double> &y = scratch.y, &ybar = scratch.ybar, &point = scratch.point;
  if (outputs) {
    point.assign(x, x + D);
    for (const ir::ModelIR::Slot *p : outputs->params)
      point.insert(point.end(), params.begin() + p->offset,
                   params.begin() + p->offset + p->shape.size());
    point.insert(point.end(), exo, exo + model->ir.exoDim());
    y.resize(size_t(O));
    outputs->value->function()(point.data(), y.data());
  } else {
    y.assign(x, x + D);
  }
  r.observed.insert(r.observed.end(), y.begin(), y.end());
  if (!weight)
    return;
  // ȳ = ∂L/∂y, zero where the value is missing.
  ybar.assign(size_t(O), 0.0);
  bool any = false;
  for (int64_t j = 0; j < O; ++j) {
    const double v = values[j];
    if (std::isnan(v))
      continue;
    const double diff = y[size_t(j)] - v;
    r.loss += *weight * diff * diff;
    ybar[size_t(j)] = 2 * *weight * diff;
    ++r.count;
    any = true;
  }
  if (!any)
    return;
  if (!outputs) {
    for (int64_t d = 0; d < D; ++d)
      xbar[d] += ybar[size_t(d)];
    return;
  }
  std::vector<double> &bar = scratch.bar;
  bar.resize(size_t(D + outputs->paramElements));
  point.insert(point.end(), ybar.begin(), ybar.end());
  outputs->vjp->function()(point.data(), bar.data());
  for (int64_t d = 0; d < D; ++d)
    xbar[d] += bar[size_t(d)];
  const double *g = bar.data() + D;
  for (const ir::ModelIR::Slot *p : outputs->params)
    for (int64_t i = 0; i < p->shape.size(); ++i)
      outputGrad[size_t(p->offset + i)] += *g++;
}

ObservedSolver::Prediction ObservedSolver::predict(const std::vector<double> &params,
                                                   const std::vector<double> &x0, double h,
                                                   const std::vector<Observations> &obs,
                                                   const Drive &drive) const {
  return impl_->run(params, x0, h, obs, drive, nullptr);
}

ObservedSolver::Result ObservedSolver::weightedLoss(const std::vector<double> &params,
                                                    const std::vector<double> &x0, double h,
                                                    const std::vector<Observations> &obs,
                                                    const Drive &drive, double weight) const {
  if (!std::isfinite(weight) || weight < 0)
    throw std::invalid_argument("the loss weight must be a finite number >= 0");
  return impl_->run(params, x0, h, obs, drive, &weight);
}

ObservedSolver::Result ObservedSolver::loss(const std::vector<double> &params,
                                            const std::vector<double> &x0, double h,
                                            const std::vector<Observations> &obs,
                                            const Drive &drive) const {
  int64_t count = 0;
  for (const Observations &o : obs)
    for (double v : o.values)
      count += std::isnan(v) ? 0 : 1;
  Result r = weightedLoss(params, x0, h, obs, drive, count ? 1.0 / double(count) : 0.0);
  return r;
}

} // namespace odec
