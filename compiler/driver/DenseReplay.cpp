#include "driver/DenseReplay.h"
#include "driver/ObservedSolveImpl.h"

#include "driver/StageValues.h"
#include "signal/Signal.h"
#include "support/InternalError.h"
#include "support/SolverAbi.h"
#include "tableau/SolverPlan.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace odec {

namespace {

/// The length of the step after a trajectory's last one that carries the weights on
/// f(x_N): taken backward, so that a driven model's stages stay where its inputs are sampled,
/// and short, so that they stay near x_N (their values are not used).
constexpr double kTrailingFraction = 1.0 / 1024;

/// Where output k of a trajectory lies: in step `step` at the fraction theta of it, or at its
/// end exactly (then the state the step reached).
struct Placed {
  int64_t step;
  double theta;
  bool atEnd;
};

/// One trajectory's accepted steps and outputs, as the compiled solve took them.
struct Track {
  std::vector<double> start, length;
  std::vector<Placed> outputs; // times[1], times[2], …
  bool trailing = false;       // a step after the last carries weights on f(x_N)
  int64_t steps() const { return int64_t(length.size()) + (trailing ? 1 : 0); }
};

/// w_i(θ) = θ Σ_j dense[i][j] θ^j, evaluated as the compiled dense output does (Horner).
double denseWeight(const std::vector<double> &row, double theta) {
  double w = 0;
  bool any = false;
  for (size_t j = row.size(); j-- > 0;)
    if (any || row[j] != 0) {
      w = any ? row[j] + theta * w : row[j];
      any = true;
    }
  return any ? theta * w : 0;
}

/// Whether dense row i weighs f(x_{n+1}), the next step's first stage, rather than a stage
/// the replay computes.
bool routedToNext(const SolverPlan &plan, size_t i) {
  return i == size_t(plan.stages) || !plan.live[i];
}

/// Whether the dense output reads f(x_{n+1}) at all: some row routed to the next step whose
/// polynomial is not zero.
bool readsNextSlope(const SolverPlan &plan) {
  for (size_t i = 0; i < plan.dense.size(); ++i)
    if (routedToNext(plan, i) &&
        std::any_of(plan.dense[i].begin(), plan.dense[i].end(), [](double c) { return c != 0; }))
      return true;
  return false;
}

} // namespace

bool denseReplayable(const ir::ModelIR &model, const ButcherTableau &pair) {
  const SolverPlan plan = SolverPlan::of(pair);
  if (!plan.isExplicit() || plan.dense.empty() || pair.c.front().value != 0)
    return false;
  // A dead stage the output weighs other than an FSAL pair's last is no slope the replay has.
  for (int i = 0; i < plan.stages; ++i)
    if (!plan.live[size_t(i)] && !(plan.fsal && i + 1 == plan.stages) &&
        std::any_of(plan.dense[size_t(i)].begin(), plan.dense[size_t(i)].end(),
                    [](double c) { return c != 0; }))
      return false;
  // Where a held input jumps at t_{n+1}, the FSAL stage reads it from the left and the next
  // step's first stage from the right.
  const bool held = std::any_of(
      model.interpolation.begin(), model.interpolation.end(),
      [](const std::string &name) { return parseInterpolation(name) == Interpolation::Hold; });
  return !(held && readsNextSlope(plan));
}

void ObservedSolver::Impl::replayDense(const std::vector<double> &params,
                                       const std::vector<double> &x0,
                                       const std::vector<double> &times,
                                       const std::vector<double> &values, const Drive &drive,
                                       const RecordedSteps &recorded,
                                       AdaptiveSolver::Loss &loss) const {
  const ObservedSolver::Impl &replay = *this;
  const ir::ModelIR &m = replay.model->ir;
  const ButcherTableau &pair = replay.model->comp->tableau(replay.tableau);
  const SolverPlan plan = SolverPlan::of(pair);
  const int64_t B = int64_t(recorded.accepted.size()), D = m.stateDim(), P = m.paramCount(),
                O = replay.observedDim(), E = m.exoDim(), K = int64_t(times.size()) - 1,
                s = pair.stages, S = recorded.states ? 1 + D : 1;
  checkSize("the observed values", values.size(), B * K * O);
  const bool routes = readsNextSlope(plan);

  // Each trajectory's steps and where its outputs lie in them, as the compiled loop placed
  // them: a step ends at t + h, the last on the last time exactly (its length negated).
  std::vector<Track> tracks(static_cast<size_t>(B));
  double h = 0; // the replay's nominal step: every step is a fraction α ≤ 1 of it
  for (int64_t b = 0; b < B; ++b) {
    Track &tr = tracks[size_t(b)];
    const double *rows = recorded.rows.data() + b * recorded.capacity * S;
    double t = times[0];
    int64_t k = 1;
    for (int64_t n = 0; n < recorded.accepted[size_t(b)]; ++n) {
      const double v = rows[n * S], len = std::abs(v);
      const double tNew = std::signbit(v) ? times.back() : t + v;
      tr.start.push_back(t);
      tr.length.push_back(len);
      h = std::max(h, len);
      for (; k <= K && times[size_t(k)] <= tNew; ++k) {
        const bool atEnd = times[size_t(k)] == tNew;
        tr.outputs.push_back({n, (times[size_t(k)] - t) / len, atEnd});
        tr.trailing = tr.trailing || (routes && !atEnd && n + 1 == recorded.accepted[size_t(b)]);
      }
      t = tNew;
    }
    internalCheck(k == K + 1, "replayDense: an output time the steps did not reach");
  }

  // Groups of one chunk's lanes, the trajectories sorted by their steps; a partial group
  // first, where its idle lanes cost the fewest steps.
  const int64_t W = std::max<int64_t>(replay.solvers.vjp->lanes(), 1);
  std::vector<int64_t> order(static_cast<size_t>(B));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return tracks[size_t(a)].steps() < tracks[size_t(b)].steps();
  });
  struct Group {
    int64_t first = 0, size = 0, steps = 0; // in `order`
    std::vector<double> x0, traj, cotangent;
    StepTimes times;
  };
  std::vector<Group> groups;
  std::vector<int64_t> groupOf(static_cast<size_t>(B)), laneOf(static_cast<size_t>(B));
  for (int64_t g0 = 0; g0 < B;) {
    Group g;
    g.first = g0;
    g.size = g0 == 0 && B % W ? B % W : W;
    g0 += g.size;
    for (int64_t l = 0; l < g.size; ++l) {
      const int64_t b = order[size_t(g.first + l)];
      g.steps = std::max(g.steps, tracks[size_t(b)].steps());
      groupOf[size_t(b)] = int64_t(groups.size());
      laneOf[size_t(b)] = l;
    }
    const int64_t N = g.steps;
    g.x0.resize(size_t(g.size * D));
    g.traj.resize(size_t(g.size * (N + 1) * D));
    g.cotangent.assign(size_t(g.size * ((N + 1) * D + N * s * D)), 0.0);
    g.times.start.resize(size_t(g.size * N));
    g.times.length.resize(size_t(g.size * N));
    for (int64_t l = 0; l < g.size; ++l) {
      const int64_t b = order[size_t(g.first + l)];
      const Track &tr = tracks[size_t(b)];
      const int64_t A = int64_t(tr.length.size());
      std::copy_n(x0.begin() + b * D, D, g.x0.begin() + l * D);
      double *row = g.traj.data() + l * (N + 1) * D;
      std::copy_n(x0.begin() + b * D, D, row);
      const double *rec = recorded.rows.data() + b * recorded.capacity * S;
      for (int64_t n = 0; n < N; ++n) {
        double *next = row + (n + 1) * D;
        if (n < A && recorded.states)
          std::copy_n(rec + n * S + 1, D, next);
        else
          std::copy_n(next - D, D, next);
        const size_t at = size_t(l * N + n);
        g.times.start[at] = n < A ? tr.start[size_t(n)] : times.back();
        g.times.length[at] =
            n < A ? tr.length[size_t(n)]
                  : (n == A && tr.trailing ? -kTrailingFraction * tr.length.back() : 0.0);
      }
    }
    groups.push_back(std::move(g));
  }

  // The loss of every output and its cotangents, trajectory by trajectory in order.
  const double weight = [&] {
    int64_t count = 0;
    for (double v : values)
      count += std::isnan(v) ? 0 : 1;
    return count ? 1.0 / double(count) : 0.0;
  }();
  ObservedSolver::Result acc;
  std::vector<double> outputGrad(size_t(P), 0.0), xbar(static_cast<size_t>(D));
  ObservationScratch scratch;
  const std::vector<double> observed(times.begin() + 1, times.end());
  for (int64_t b = 0; b < B; ++b) {
    const Track &tr = tracks[size_t(b)];
    Group &g = groups[size_t(groupOf[size_t(b)])];
    const int64_t l = laneOf[size_t(b)], N = g.steps;
    double *stateRows = g.cotangent.data() + l * (N + 1) * D;
    double *stageRows = g.cotangent.data() + g.size * (N + 1) * D + l * N * s * D;
    const std::vector<double> exoAt =
        replay.outputs ? exogenousAt(m, drive, b, observed) : std::vector<double>();
    for (int64_t k = 0; k < K; ++k) {
      const double *x = loss.states.data() + (b * (K + 1) + k + 1) * D;
      std::fill(xbar.begin(), xbar.end(), 0.0);
      replay.observe(x, params, replay.outputs ? exoAt.data() + k * E : nullptr,
                     values.data() + (b * K + k) * O, &weight, acc, xbar.data(), outputGrad,
                     scratch);
      const Placed &at = tr.outputs[size_t(k)];
      auto add = [&](double *dst, double w) {
        for (int64_t d = 0; d < D; ++d)
          dst[d] += w * xbar[size_t(d)];
      };
      if (at.atEnd) {
        add(stateRows + (at.step + 1) * D, 1.0);
        continue;
      }
      add(stateRows + at.step * D, 1.0);
      const size_t n = size_t(at.step);
      for (size_t i = 0; i < plan.dense.size(); ++i) {
        const double w = denseWeight(plan.dense[i], at.theta);
        if (w == 0)
          continue;
        if (!routedToNext(plan, i)) {
          add(stageRows + (int64_t(n) * s + int64_t(i)) * D, w);
          continue;
        }
        // f(x_{n+1}) is the next step's first slope: its increment is that step's length
        // times it, where this output weighs this step's length times it.
        const size_t next = n + 1;
        const double nextLength = g.times.length[size_t(l * N) + next];
        add(stageRows + int64_t(next) * s * D, w * tr.length[n] / nextLength);
      }
    }
  }

  // The replay, group by group.
  const jit::CompiledVjp &vjp = *replay.solvers.vjp;
  loss.loss = acc.loss;
  loss.count = acc.count;
  loss.gradParams.assign(size_t(P), 0.0);
  loss.gradX0.assign(size_t(B * D), 0.0);
  std::vector<double> gradParams(static_cast<size_t>(P)), gradX0;
  for (Group &g : groups) {
    Drive own{{times[0]}, {}};
    if (drive.inputs.size() == 1)
      own.inputs = drive.inputs;
    for (int64_t l = 0; l < g.size && drive.inputs.size() > 1; ++l)
      own.inputs.push_back(drive.inputs[size_t(order[size_t(g.first + l)])]);
    const std::vector<double> exo =
        stageValues(replay.scaled, pair, g.size, g.steps, h, own, g.times);
    if (!recorded.states) // the emitted C++ recorded lengths only: solve the steps again
      replay.solvers.simulator->function()(params.data(), g.x0.data(), g.traj.data(), g.size,
                                           g.steps, h, exo.data());
    gradX0.assign(size_t(g.size * D), 0.0);
    vjp(params.data(), g.x0.data(), g.size, g.steps, h, g.cotangent.data(), g.traj.data(),
        gradParams.data(), gradX0.data(), kVjpFromTrajectoryWithStages, exo.data(), nullptr);
    for (int64_t i = 0; i < P; ++i)
      loss.gradParams[size_t(i)] += gradParams[size_t(i)];
    for (int64_t l = 0; l < g.size; ++l)
      std::copy_n(gradX0.begin() + l * D, D, loss.gradX0.begin() + order[size_t(g.first + l)] * D);
  }
  for (int64_t i = 0; i < P; ++i)
    loss.gradParams[size_t(i)] += outputGrad[size_t(i)];
}

} // namespace odec
