// Model::adaptiveSolver: adaptive steps with an embedded pair (AdaptiveSolver in odec.h). The
// whole solve is one JIT-compiled function (codegen/AdaptiveCodegen.h), or the emitted C++'s
// solveAdaptive on CodePath::Cpp, first steps included; the host checks the arguments, gives a
// driven model's stages their inputs while the loop runs (DriveSignals), and turns a failed
// trajectory into an error that names it. The discrete gradient replays the accepted steps,
// which the solve records, through the observation-time solver's fused discrete adjoint
// (driver/ObservedSolveImpl.h): of the dense output (driver/DenseReplay.h), or of steps that
// end on the observation times (a lockstep plan); its reverse sweep starts from the end states
// the LLVM solve records with the steps (an emitted-C++ solve records lengths only, and the
// steps are solved again). The continuous one integrates the reversed adjoint system with the
// same adaptive loop.
#include "odec/odec.h"

#include "codegen/AdaptiveCodegen.h"
#include "cxx/CppSolver.h"
#include "driver/DenseReplay.h"
#include "driver/ModelImpl.h"
#include "driver/ObservedSolveImpl.h"
#include "driver/StageValues.h"
#include "io/Csv.h"
#include "ir/Builder.h"
#include "jit/BatchVariants.h"
#include "support/InternalError.h"
#include "tableau/SolverPlan.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <optional>
#include <stdexcept>

namespace odec {

/// One system the compiled adaptive loop steps: the model's field, or the continuous
/// adjoint's augmented field reversed in time.
struct AdaptiveSystem {
  std::shared_ptr<const ir::ModelIR> ir;
  int stages = 0;
  bool fsal = false; // the last stage reused as the next step's first (AdaptiveCodegen)
  std::unique_ptr<jit::BatchVariants<jit::CompiledAdaptive>> code;
  std::optional<cxx::CppSolver> cpp; // CodePath::Cpp: the emitted C++'s solveAdaptive instead

  AdaptiveSystem(std::shared_ptr<const ir::ModelIR> system, const ButcherTableau &t,
                 const jit::CompileOptions &options);
  /// The emitted C++ path (an autonomous model).
  AdaptiveSystem(std::shared_ptr<const ir::ModelIR> system, const ButcherTableau &t,
                 cxx::CppSolver solver);

  /// The solve, recording each trajectory's first `capacity` accepted steps into `steps`,
  /// each followed by the state it reached when recordStates (the LLVM path only; rows of
  /// 1 + D values, AdaptiveCodegen.h).
  AdaptiveSolver::Result forward(const std::vector<double> &params,
                                 const std::vector<double> &x0, const std::vector<double> &times,
                                 const AdaptiveSettings &settings, const Drive &drive,
                                 int64_t capacity, std::vector<double> &steps,
                                 bool recordStates = false) const;
};

AdaptiveSystem::AdaptiveSystem(std::shared_ptr<const ir::ModelIR> system, const ButcherTableau &t,
                               const jit::CompileOptions &options)
    : ir(std::move(system)), stages(t.stages),
      fsal(SolverPlan::of(t).fsal && ir->autonomous()), // as AdaptiveCodegen reuses
      code(std::make_unique<jit::BatchVariants<jit::CompiledAdaptive>>(
          [system = ir, t](const jit::CompileOptions &o) {
            return jit::compileAdaptive(*system, t, o);
          },
          options)) {}

AdaptiveSystem::AdaptiveSystem(std::shared_ptr<const ir::ModelIR> system, const ButcherTableau &t,
                               cxx::CppSolver solver)
    : ir(std::move(system)), stages(t.stages), fsal(SolverPlan::of(t).fsal),
      cpp(std::move(solver)) {
  internalCheck(cpp->adaptive != nullptr, "AdaptiveSystem: emitted C++ without solveAdaptive");
}

struct AdaptiveSolver::Impl {
  std::shared_ptr<const Model::Impl> model;
  std::string tableau;
  ButcherTableau pair;
  std::optional<AdaptiveSystem> system;
  CompileOptions compile;
  std::optional<Model> owner; // compiles the replay
  mutable std::once_flag replayOnce, backwardOnce;
  mutable std::optional<ObservedSolver> replay;    // compiled by the first discrete loss()
  mutable std::optional<AdaptiveSystem> backward; // by the first continuous one
  // The most steps a trajectory took in the last discrete loss: the next one's room for the
  // recorded steps (the record is zero-filled per call, so room costs time).
  mutable std::atomic<int64_t> lastMostSteps{0};

  Loss discreteLoss(const std::vector<double> &params, const std::vector<double> &x0,
                    const std::vector<double> &times, const std::vector<double> &values,
                    const AdaptiveSettings &settings, const Drive &drive) const;
  Loss continuousLoss(const std::vector<double> &params, const std::vector<double> &x0,
                      const std::vector<double> &times, const std::vector<double> &values,
                      const AdaptiveSettings &settings) const;
};

namespace {

CompileOptions llvmPath(CompileOptions o) {
  o.path = CodePath::LLVM;
  return o;
}

void checkSettings(const AdaptiveSettings &s) {
  if (!(s.rtol > 0) || !std::isfinite(s.rtol))
    throw std::invalid_argument("rtol must be a positive finite number, got " +
                                formatNumber(s.rtol));
  if (!(s.atol >= 0) || !std::isfinite(s.atol))
    throw std::invalid_argument("atol must be a finite number >= 0, got " + formatNumber(s.atol));
  if (s.maxSteps < 1)
    throw std::invalid_argument("max steps must be at least 1, got " + std::to_string(s.maxSteps));
  if (!(s.beta >= 0 && s.beta <= 0.2))
    throw std::invalid_argument("the PI controller's beta must be in [0, 0.2], got " +
                                formatNumber(s.beta));
  if (!(s.firstStep >= 0) || !std::isfinite(s.firstStep))
    throw std::invalid_argument("the first step must be a finite number >= 0 (0: chosen), got " +
                                formatNumber(s.firstStep));
}

} // namespace

AdaptiveSolver Model::adaptiveSolver(const std::string &tableau) const {
  return adaptiveSolver(tableau, impl_->defaults);
}

AdaptiveSolver Model::adaptiveSolver(const std::string &tableau,
                                     const CompileOptions &compile) const {
  const ButcherTableau &t = impl_->comp->tableau(tableau);
  codegen::requireAdaptive(impl_->ir, t);
  if (compile.path == CodePath::Cpp && !impl_->ir.autonomous())
    throw std::invalid_argument("the emitted C++ steps adaptively for autonomous models; model '" +
                                impl_->ir.name + "' reads the time or inputs (use CodePath::LLVM)");
  auto impl = std::make_shared<AdaptiveSolver::Impl>();
  impl->model = impl_;
  impl->tableau = tableau;
  impl->pair = t;
  const std::shared_ptr<const ir::ModelIR> system(impl_, &impl_->ir);
  if (compile.path == CodePath::Cpp)
    impl->system.emplace(system, t, cxx::loadCppSolver(impl_->ir, t, clangOptions(compile)));
  else
    impl->system.emplace(system, t, jitOptions(impl_->ir, compile, t));
  impl->compile = compile;
  impl->owner = *this;
  AdaptiveSolver s;
  s.impl_ = std::move(impl);
  return s;
}

const std::string &AdaptiveSolver::tableau() const { return impl_->tableau; }

AdaptiveSolver::Result AdaptiveSolver::solve(const std::vector<double> &params,
                                             const std::vector<double> &x0,
                                             const std::vector<double> &times,
                                             const AdaptiveSettings &settings,
                                             const Drive &drive) const {
  std::vector<double> none;
  return impl_->system->forward(params, x0, times, settings, drive, 0, none);
}

namespace {

/// What the compiled solve's exogenous function reads: the drive's signals, and the first
/// failure to evaluate them (the compiled code cannot unwind; the host throws it afterwards).
struct ExogenousContext {
  const DriveSignals *signals;
  size_t exoDim;
  std::string error;
};

void exogenousValues(void *context, const double *times, const int64_t *traj, const double *mask,
                     int64_t lanes, int64_t left, double *out) noexcept {
  auto &c = *static_cast<ExogenousContext *>(context);
  double row[64];
  std::vector<double> wide(c.exoDim > 64 ? c.exoDim : 0);
  double *values = wide.empty() ? row : wide.data();
  for (int64_t l = 0; l < lanes; ++l) {
    std::fill(values, values + c.exoDim, 0.0);
    if (mask[l] != 0 && c.error.empty()) {
      try {
        c.signals->evaluate(traj[l], times[l], left != 0, values);
      } catch (const std::exception &e) {
        c.error = "trajectory " + std::to_string(traj[l]) + " at t = " + formatNumber(times[l]) +
                  ": " + e.what();
      }
    }
    for (size_t e = 0; e < c.exoDim; ++e)
      out[e * size_t(lanes) + size_t(l)] = values[e];
  }
}

} // namespace

AdaptiveSolver::Result AdaptiveSystem::forward(const std::vector<double> &params,
                                               const std::vector<double> &x0,
                                               const std::vector<double> &times,
                                               const AdaptiveSettings &settings,
                                               const Drive &drive, int64_t capacity,
                                               std::vector<double> &steps,
                                               bool recordStates) const {
  checkSettings(settings);
  internalCheck(!(recordStates && cpp), "AdaptiveSystem: the emitted C++ records no states");
  const int64_t D = ir->stateDim();
  checkSize("the parameter vector", params.size(), ir->paramCount());
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

  if (ir->autonomous() && (!drive.t0.empty() || !drive.inputs.empty()))
    throw std::invalid_argument("model '" + ir->name +
                                "' reads neither the time nor inputs; its solves take no drive");
  const DriveSignals signals(*ir, drive, batch);
  for (int64_t b = 0; b < batch && !ir->autonomous(); ++b)
    signals.requireCoverage(b, times.front(), times.back());
  AdaptiveSolver::Result r;
  // A first step of 0: the compiled solve picks it (Hairer's selection), with one field
  // evaluation beside its first slope.
  const std::vector<double> h0(size_t(batch), settings.firstStep);
  if (settings.firstStep == 0)
    r.nfe = batch;
  jit::AdaptiveControl c{settings.rtol, settings.atol, double(settings.maxSteps)};
  c.beta = settings.beta;
  c.stepToTimes = settings.stepToTimes ? 1 : 0;
  c.recordStates = recordStates ? 1 : 0;
  const double control[] = {c.rtol,      c.atol,      c.maxSteps,    c.safety,       c.minFactor,
                            c.maxFactor, c.beta,      c.stepToTimes, c.recordStates};
  r.states.assign(size_t(batch) * times.size() * size_t(D), 0.0);
  std::vector<double> stats(size_t(batch) * 5);
  steps.assign(size_t(batch * capacity * (recordStates ? 1 + D : 1)), 0.0);
  ExogenousContext context{&signals, size_t(ir->exoDim()), {}};
  std::vector<std::vector<double>> own(static_cast<size_t>(batch));
  size_t stride = 1; // at least the +inf after the last
  for (int64_t b = 0; b < batch && !ir->autonomous(); ++b) {
    own[size_t(b)] = signals.breaks(b, times.front(), times.back());
    stride = std::max(stride, own[size_t(b)].size() + 1);
  }
  std::vector<double> breaks(size_t(batch) * stride, INFINITY);
  for (size_t b = 0; b < size_t(batch); ++b)
    std::copy(own[b].begin(), own[b].end(), breaks.begin() + long(b * stride));
  const jit::AdaptiveFn fn = cpp ? cpp->adaptive : code->forBatch(batch).function();
  fn(params.data(), x0.data(), r.states.data(), batch,
     times.data(), int64_t(times.size()), h0.data(), control, stats.data(), steps.data(),
     capacity, ir->autonomous() ? nullptr : exogenousValues, &context, breaks.data(),
     int64_t(stride));
  if (!context.error.empty())
    throw std::invalid_argument(context.error);
  for (int64_t b = 0; b < batch; ++b) {
    const double *st = &stats[size_t(b) * 5];
    r.accepted.push_back(int64_t(st[0]));
    r.rejected.push_back(int64_t(st[1]));
    r.nfe += 1 + int64_t(stages - 1) * (r.accepted.back() + r.rejected.back()) +
             (fsal ? 0 : r.accepted.back());
    if (st[2] == 1)
      throw std::runtime_error("trajectory " + std::to_string(b) + ": " +
                               std::to_string(settings.maxSteps) + " steps (max steps) reached at t = " +
                               formatNumber(st[3]) + " of " + formatNumber(times.back()) +
                               "; raise max steps, or loosen rtol/atol");
    if (st[2] == 2)
      throw std::runtime_error("trajectory " + std::to_string(b) +
                               ": the step size underflowed at t = " + formatNumber(st[3]) +
                               " (last step tried " + formatNumber(st[4]) +
                               "; the solution is stiff or blows up there)");
    if (st[2] == 3)
      throw std::runtime_error("trajectory " + std::to_string(b) +
                               ": the field is not finite at t = " + formatNumber(st[3]) +
                               " (NaN or infinite values at every step size tried, down to " +
                               formatNumber(st[4]) + ")");
  }
  return r;
}

namespace {

/// The recorded steps of every trajectory (a negative length: the step ended on the next output
/// time) as a lockstep plan: the steps of interval k of each trajectory, then steps of length 0
/// up to the most any trajectory took there. With `traj`, the steps were recorded with their
/// end states (rows of 1 + D values, AdaptiveCodegen.h) and traj receives the plan's
/// trajectory (B x (N+1) x D): x0, each step's end state, and a step of length 0 repeating the
/// state before it.
ObservationSteps replayPlan(const std::vector<double> &steps, int64_t capacity,
                            const std::vector<int64_t> &accepted,
                            const std::vector<double> &times, const std::vector<double> &x0,
                            std::vector<double> *traj) {
  const size_t B = accepted.size(), K = times.size() - 1, D = traj ? x0.size() / B : 0,
               S = 1 + D;
  struct Step {
    double start, length;
    const double *state; // the step's end state (with states)
  };
  std::vector<std::vector<std::vector<Step>>> intervals(B, std::vector<std::vector<Step>>(K));
  std::vector<int64_t> most(K, 0);
  for (size_t b = 0; b < B; ++b) {
    double t = times[0];
    size_t k = 0;
    for (int64_t j = 0; j < accepted[b]; ++j) {
      const double *row = steps.data() + (b * size_t(capacity) + size_t(j)) * S;
      const double v = row[0];
      internalCheck(k < K, "replayPlan: a step after the last output time");
      // The sign bit, not v < 0: a step that lands on an output time without being shortened
      // leaves a step of length 0 that ends there, recorded as −0.
      const bool ends = std::signbit(v);
      intervals[b][k].push_back({t, std::abs(v), row + 1});
      t = ends ? times[k + 1] : t + v;
      if (ends) {
        most[k] = std::max(most[k], int64_t(intervals[b][k].size()));
        ++k;
      }
    }
    internalCheck(k == K, "replayPlan: an output time the steps did not reach");
  }
  ObservationSteps plan;
  for (int64_t m : most) {
    plan.steps += m;
    plan.observedAt.push_back(plan.steps);
  }
  const size_t N = size_t(plan.steps);
  plan.times.start.resize(B * N);
  plan.times.length.resize(B * N);
  if (traj)
    traj->assign(B * (N + 1) * D, 0.0);
  for (size_t b = 0; b < B; ++b) {
    size_t n = b * N;
    double *row = traj ? traj->data() + b * (N + 1) * D : nullptr;
    if (row)
      std::copy_n(x0.begin() + long(b * D), D, row);
    auto next = [&](const double *state) { // the state after plan step n
      if (!row)
        return;
      std::copy_n(state, D, row + D);
      row += D;
    };
    for (size_t k = 0; k < K; ++k) {
      for (const Step &st : intervals[b][k]) {
        plan.times.start[n] = st.start;
        plan.times.length[n++] = st.length;
        next(st.state);
      }
      for (int64_t j = int64_t(intervals[b][k].size()); j < most[k]; ++j) {
        plan.times.start[n] = times[k + 1];
        plan.times.length[n++] = 0;
        next(row);
      }
    }
  }
  return plan;
}

} // namespace

AdaptiveSolver::Loss AdaptiveSolver::loss(const std::vector<double> &params,
                                          const std::vector<double> &x0,
                                          const std::vector<double> &times,
                                          const std::vector<double> &values,
                                          const AdaptiveSettings &settings,
                                          const Drive &drive) const {
  if (settings.adjoint == Adjoint::Continuous) {
    if (!impl_->model->ir.autonomous())
      throw std::invalid_argument("the continuous adjoint needs an autonomous model; model '" +
                                  impl_->model->ir.name +
                                  "' reads the time or inputs (use the discrete adjoint)");
    if (!impl_->model->outputSlots.empty())
      throw std::invalid_argument("the continuous adjoint compares states; model '" +
                                  impl_->model->ir.name +
                                  "' has outputs (use the discrete adjoint)");
    return impl_->continuousLoss(params, x0, times, values, settings);
  }
  return impl_->discreteLoss(params, x0, times, values, settings, drive);
}

AdaptiveSolver::Loss AdaptiveSolver::Impl::discreteLoss(const std::vector<double> &params,
                                                        const std::vector<double> &x0,
                                                        const std::vector<double> &times,
                                                        const std::vector<double> &values,
                                                        const AdaptiveSettings &settings,
                                                        const Drive &drive) const {
  // The replay runs on the LLVM path (an emitted-C++ solve's steps replay there too).
  std::call_once(replayOnce, [&] { replay = owner->observedSolver(tableau, llvmPath(compile)); });
  const ObservedSolver::Impl &replay = *this->replay->impl_;
  const int64_t O = replay.observedDim();
  const size_t K = times.size() < 2 ? 0 : times.size() - 1;
  // The dense output's own gradient where the replay can differentiate it; else the solve
  // steps to the observation times, so that the values compared are step ends.
  const bool dense = !settings.stepToTimes && denseReplayable(model->ir, pair);
  AdaptiveSettings stepping = settings;
  stepping.stepToTimes = !dense;
  // Room for the steps: half as much again as the last loss needed, or a generous first
  // guess; a solve that takes more runs again with room (the same steps: the results do not
  // depend on the room).
  const int64_t last = lastMostSteps.load(std::memory_order_relaxed);
  int64_t capacity = last > 0 ? last + last / 2 + 4 : 64 * int64_t(std::max<size_t>(K, 1));
  std::vector<double> steps;
  // The LLVM solve records each step's end state too, and the replay's reverse sweep starts
  // from those instead of solving the steps again (an emitted-C++ solve records lengths only).
  const bool states = !system->cpp;
  Loss r;
  static_cast<Result &>(r) =
      system->forward(params, x0, times, stepping, drive, capacity, steps, states);
  const int64_t most = *std::max_element(r.accepted.begin(), r.accepted.end());
  lastMostSteps.store(most, std::memory_order_relaxed);
  if (most > capacity) {
    capacity = most;
    static_cast<Result &>(r) =
        system->forward(params, x0, times, stepping, drive, capacity, steps, states);
  }
  if (dense) {
    replay.replayDense(params, x0, times, values, drive,
                       RecordedSteps{steps, capacity, states, r.accepted}, r);
    return r;
  }
  const size_t B = r.accepted.size();
  checkSize("the observed values", values.size(), int64_t(B * K) * O);
  std::vector<Observations> obs(B);
  int64_t count = 0;
  for (size_t b = 0; b < B; ++b) {
    obs[b].times.assign(times.begin() + 1, times.end());
    obs[b].values.assign(values.begin() + long(b * K * size_t(O)),
                         values.begin() + long((b + 1) * K * size_t(O)));
    for (double v : obs[b].values)
      count += std::isnan(v) ? 0 : 1;
  }
  std::vector<double> traj;
  const ObservationSteps plan =
      replayPlan(steps, capacity, r.accepted, times, x0, states ? &traj : nullptr);
  double h = 0; // the replay's nominal step: every step is a fraction α ≤ 1 of it
  for (double l : plan.times.length)
    h = std::max(h, l);
  const double weight = count ? 1.0 / double(count) : 0.0;
  const ObservedSolver::Result g =
      replay.run(params, x0, h, obs, Drive{{times[0]}, drive.inputs}, &weight, &plan,
                 states ? &traj : nullptr);
  r.loss = g.loss;
  r.count = g.count;
  r.gradParams = g.gradParams;
  r.gradX0 = g.gradX0;
  return r;
}

AdaptiveSolver::Loss AdaptiveSolver::Impl::continuousLoss(const std::vector<double> &params,
                                                          const std::vector<double> &x0,
                                                          const std::vector<double> &times,
                                                          const std::vector<double> &values,
                                                          const AdaptiveSettings &settings) const {
  const ir::ModelIR &ir = model->ir;
  const size_t D = size_t(ir.stateDim()), P = size_t(ir.paramCount()), A = 2 * D + P;
  std::vector<double> none;
  Loss r;
  static_cast<Result &>(r) = system->forward(params, x0, times, settings, {}, 0, none);
  const size_t B = r.accepted.size(), K = times.size() - 1;
  checkSize("the observed values", values.size(), int64_t(B * K * D));
  for (double v : values)
    r.count += std::isnan(v) ? 0 : 1;
  const double weight = r.count ? 1.0 / double(r.count) : 0.0;
  // ∂L/∂x(t_k) per trajectory and time (zero at t_0).
  std::vector<double> cotangent(B * (K + 1) * D, 0.0);
  for (size_t b = 0; b < B; ++b)
    for (size_t k = 1; k <= K; ++k)
      for (size_t d = 0; d < D; ++d) {
        const double v = values[(b * K + k - 1) * D + d];
        if (std::isnan(v))
          continue;
        const double diff = r.states[(b * (K + 1) + k) * D + d] - v;
        r.loss += weight * diff * diff;
        cotangent[(b * (K + 1) + k) * D + d] = 2 * weight * diff;
      }
  std::call_once(backwardOnce, [&] {
    // Backward in t is forward in s = −t: the augmented field negated.
    ir::ModelIR reversed = jit::continuousAdjointModel(ir);
    reversed.name += "_reversed";
    for (ir::Expr &e : reversed.ddt)
      e = ir::neg(e);
    auto system = std::make_shared<const ir::ModelIR>(std::move(reversed));
    backward.emplace(system, pair, jitOptions(*system, llvmPath(compile), pair));
  });
  AdaptiveSettings back = settings;
  back.firstStep = 0;
  back.stepToTimes = false;
  std::vector<double> aug(B * A, 0.0);
  auto restart = [&](size_t k) { // x from the forward solve, λ jumps by ∂L/∂x(t_k)
    for (size_t b = 0; b < B; ++b)
      for (size_t d = 0; d < D; ++d) {
        aug[b * A + d] = r.states[(b * (K + 1) + k) * D + d];
        aug[b * A + D + d] += cotangent[(b * (K + 1) + k) * D + d];
      }
  };
  restart(K);
  for (size_t k = K; k >= 1; --k) {
    const Result segment = backward->forward(params, aug, {-times[k], -times[k - 1]}, back, {}, 0,
                                             none);
    r.nfe += segment.nfe;
    for (size_t b = 0; b < B; ++b)
      std::copy_n(segment.states.begin() + long((2 * b + 1) * A), A, aug.begin() + long(b * A));
    restart(k - 1);
  }
  r.gradX0.assign(B * D, 0.0);
  r.gradParams.assign(P, 0.0);
  for (size_t b = 0; b < B; ++b) {
    std::copy_n(aug.begin() + long(b * A + D), D, r.gradX0.begin() + long(b * D));
    for (size_t p = 0; p < P; ++p)
      r.gradParams[p] += aug[b * A + 2 * D + p];
  }
  return r;
}

} // namespace odec
