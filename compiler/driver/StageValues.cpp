#include "driver/StageValues.h"

#include "signal/Signal.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace odec {

namespace {

std::string number(double v) {
  std::ostringstream s;
  s.precision(15);
  s << v;
  return s.str();
}

/// Each input of one trajectory as a Signal of its own interpolation.
std::vector<Signal> inputSignals(const ir::ModelIR &model, const InputSamples &samples,
                                 const std::string &which) {
  const int64_t m = model.exoDim() - 1 - (model.stepScale >= 0 ? 1 : 0),
                n = int64_t(samples.times.size());
  if (int64_t(samples.values.size()) != n * m)
    throw std::invalid_argument(which + ": " + std::to_string(samples.values.size()) +
                                " input values for " + std::to_string(n) + " times; expected " +
                                std::to_string(n) + " x " + std::to_string(m));
  std::vector<Signal> out;
  for (size_t k = 1; k <= model.interpolation.size(); ++k) {
    const ir::ModelIR::Slot &in = model.exogenous[k];
    const int64_t width = in.shape.size(), column = in.offset - 1;
    std::vector<double> values;
    values.reserve(size_t(n * width));
    for (int64_t r = 0; r < n; ++r)
      for (int64_t c = 0; c < width; ++c)
        values.push_back(samples.values[size_t(r * m + column + c)]);
    try {
      out.emplace_back(*parseInterpolation(model.interpolation[k - 1]), samples.times,
                       std::move(values), width);
    } catch (const std::invalid_argument &e) {
      throw std::invalid_argument(which + ", input '" + in.name + "': " + e.what());
    }
  }
  return out;
}

std::string uncovered(const ir::ModelIR &model, size_t k, const Signal &signal,
                      const std::string &which, double first, double last) {
  return "input '" + model.exogenous[k + 1].name + "' (" + model.interpolation[k] +
         ") is sampled on [" + number(signal.firstTime()) + ", " + number(signal.lastTime()) +
         "], but " + which + " is solved on [" + number(first) + ", " + number(last) + "]" +
         (signal.kind() == Interpolation::Hold ? "" : " (no extrapolation)");
}

/// The drive's number of start times or signals: none, one for all, or one per trajectory.
void checkCount(size_t got, int64_t batch, const char *what) {
  if (got > 1 && int64_t(got) != batch)
    throw std::invalid_argument(std::string("the drive has ") + std::to_string(got) + " " + what +
                                "; expected 1 or the batch's " + std::to_string(batch));
}

/// Inputs given exactly when the model has some.
void checkInputsGiven(const ir::ModelIR &model, const Drive &drive) {
  const size_t numInputs = model.interpolation.size();
  if (numInputs > 0 && drive.inputs.empty())
    throw std::invalid_argument("model '" + model.name +
                                "' has inputs; the drive must give their samples");
  if (numInputs == 0 && !drive.inputs.empty())
    throw std::invalid_argument("model '" + model.name +
                                "' has no inputs, but the drive gives input samples");
}

} // namespace

DriveSignals::DriveSignals(const ir::ModelIR &model, const Drive &drive, int64_t batch)
    : model_(&model) {
  if (!drive.t0.empty())
    throw std::invalid_argument("an adaptive solve starts at its first time; its drive gives "
                                "inputs only, no start times");
  checkCount(drive.inputs.size(), batch, "input signals");
  checkInputsGiven(model, drive);
  if (drive.inputs.size() == 1)
    signals_.push_back(inputSignals(model, drive.inputs[0], "the input samples"));
  for (size_t b = 0; drive.inputs.size() > 1 && b < drive.inputs.size(); ++b)
    signals_.push_back(inputSignals(model, drive.inputs[b],
                                    "the input samples of trajectory " + std::to_string(b)));
  if (signals_.empty())
    signals_.emplace_back(); // the time alone
}

void DriveSignals::requireCoverage(int64_t b, double t0, double t1) const {
  const std::vector<Signal> &signals = of(b);
  for (size_t k = 0; k < signals.size(); ++k)
    if (!signals[k].covers(t0, t1))
      throw std::invalid_argument(
          uncovered(*model_, k, signals[k], "trajectory " + std::to_string(b), t0, t1));
}

void DriveSignals::evaluate(int64_t b, double t, bool left, double *row) const {
  row[0] = t;
  const std::vector<Signal> &signals = of(b);
  for (size_t k = 0; k < signals.size(); ++k)
    signals[k].evaluate(t, row + model_->exogenous[k + 1].offset,
                        left ? Signal::Side::Left : Signal::Side::Right);
}

std::vector<double> DriveSignals::breaks(int64_t b, double t0, double t1) const {
  std::vector<double> all;
  for (const Signal &s : of(b))
    if (s.kind() != Interpolation::CubicSpline)
      all.insert(all.end(), s.times().begin(), s.times().end());
  std::sort(all.begin(), all.end());
  const auto tol = Signal::tolerance;
  std::vector<double> out;
  for (double t : all)
    if (t > t0 + tol(t0) && t < t1 - tol(t1) && (out.empty() || t > out.back() + tol(t)))
      out.push_back(t);
  return out;
}

namespace {

/// The checks and the stage loop shared by uniform and irregular steps; `at(b, n)` gives step
/// n of trajectory b as (start, length), `sameForAll` that every trajectory has the same steps
/// and signals.
template <class StepAt>
std::vector<double> fillStages(const ir::ModelIR &model, const ButcherTableau &tableau,
                               int64_t batch, int64_t steps, double h, const Drive &drive,
                               bool sameForAll, const StepAt &at) {
  checkCount(drive.t0.size(), batch, "start times");
  checkCount(drive.inputs.size(), batch, "input signals");
  checkInputsGiven(model, drive);
  const int64_t s = tableau.stages, E = model.exoDim();
  long double total = (long double)batch * steps * s * E;
  if (total > (long double)(int64_t(1) << 31))
    throw std::invalid_argument("the stage inputs would hold " +
                                std::to_string((unsigned long long)total) +
                                " values; the limit is 2^31");
  std::vector<double> exo(size_t(batch * steps * s * E));
  std::vector<Signal> shared;
  if (drive.inputs.size() == 1)
    shared = inputSignals(model, drive.inputs[0], "the input samples");
  const int64_t perTrajectory = steps * s * E;
  for (int64_t b = 0; b < batch; ++b) {
    if (sameForAll && b > 0) {
      std::copy_n(exo.data(), perTrajectory, exo.data() + b * perTrajectory);
      continue;
    }
    // Named only in a message: a string per trajectory costs more than its stage values.
    auto which = [b] { return "trajectory " + std::to_string(b); };
    std::vector<Signal> own;
    if (drive.inputs.size() > 1)
      own = inputSignals(model, drive.inputs[size_t(b)], "the input samples of " + which());
    const std::vector<Signal> &signals = drive.inputs.size() > 1 ? own : shared;
    if (steps > 0) {
      const double first = at(b, 0).first;
      const auto [lastStart, lastLength] = at(b, steps - 1);
      const double tEnd = lastStart + lastLength;
      if (!std::isfinite(first) || !std::isfinite(tEnd))
        throw std::invalid_argument("the start time of " + which() + " is not finite");
      for (size_t k = 0; k < signals.size(); ++k)
        if (!signals[k].covers(first, tEnd))
          throw std::invalid_argument(uncovered(model, k, signals[k], which(), first, tEnd));
    }
    double *row = exo.data() + b * perTrajectory;
    for (int64_t n = 0; n < steps; ++n) {
      const auto [start, length] = at(b, n);
      for (int64_t i = 0; i < s; ++i, row += E) {
        const double t = start + tableau.c[size_t(i)].value * length;
        row[0] = t;
        // A stage after the step's start sees the step's own piece of a held input.
        const Signal::Side side = tableau.c[size_t(i)].value > 0 && length > 0
                                      ? Signal::Side::Left
                                      : Signal::Side::Right;
        for (size_t k = 0; k < signals.size(); ++k)
          signals[k].evaluate(t, row + model.exogenous[k + 1].offset, side);
        if (model.stepScale >= 0)
          row[model.stepScale] = length / h;
      }
    }
  }
  return exo;
}

} // namespace

std::vector<double> stageValues(const ir::ModelIR &model, const ButcherTableau &tableau,
                                int64_t batch, int64_t steps, double h, const Drive &drive) {
  if (model.autonomous()) {
    if (!drive.t0.empty() || !drive.inputs.empty())
      throw std::invalid_argument("model '" + model.name +
                                  "' reads neither the time nor inputs; its solves take no drive");
    return {};
  }
  for (size_t b = 0; b < drive.t0.size(); ++b)
    if (!std::isfinite(drive.t0[b]))
      throw std::invalid_argument("the start time of trajectory " + std::to_string(b) +
                                  " is not finite");
  // Trajectories that share their start time and inputs share their stage values.
  const bool sameForAll = drive.t0.size() <= 1 && drive.inputs.size() <= 1;
  return fillStages(model, tableau, batch, steps, h, drive, sameForAll,
                    [&](int64_t b, int64_t n) {
                      const double t0 =
                          drive.t0.empty() ? 0.0 : drive.t0[drive.t0.size() == 1 ? 0 : size_t(b)];
                      return std::pair<double, double>(t0 + double(n) * h, h);
                    });
}

std::vector<double> stageValues(const ir::ModelIR &scaled, const ButcherTableau &tableau,
                                int64_t batch, int64_t steps, double h, const Drive &drive,
                                const StepTimes &times) {
  if (scaled.stepScale < 0 || int64_t(times.start.size()) != batch * steps ||
      times.length.size() != times.start.size())
    throw std::logic_error("stageValues: irregular steps need a scaled model and batch x steps "
                           "step times");
  return fillStages(scaled, tableau, batch, steps, h, drive, false, [&](int64_t b, int64_t n) {
    const size_t k = size_t(b * steps + n);
    return std::pair<double, double>(times.start[k], times.length[k]);
  });
}

std::vector<double> exogenousAt(const ir::ModelIR &model, const Drive &drive, int64_t b,
                                const std::vector<double> &times) {
  const int64_t E = model.exoDim();
  if (E == 0)
    return {};
  std::vector<Signal> signals;
  if (!drive.inputs.empty())
    signals = inputSignals(model, drive.inputs[drive.inputs.size() == 1 ? 0 : size_t(b)],
                           "the input samples of trajectory " + std::to_string(b));
  std::vector<double> out(times.size() * size_t(E));
  for (size_t k = 0; k < times.size(); ++k) {
    double *row = out.data() + k * size_t(E);
    row[0] = times[k];
    for (size_t j = 0; j < signals.size(); ++j)
      signals[j].evaluate(times[k], row + model.exogenous[j + 1].offset);
  }
  return out;
}

} // namespace odec
