// The host API (include/odec/odec.h): thin handles over Compilation, lowering and the JIT.
#include "odec/odec.h"

#include "codegen/CppEmitter.h"
#include "cxx/CAbi.h"
#include "cxx/CppSolver.h"
#include "driver/Compilation.h"
#include "driver/Derive.h"
#include "driver/ImplicitSolver.h"
#include "driver/ModelImpl.h"
#include "driver/ModelInit.h"
#include "driver/StageValues.h"
#include "init/DataSpectrum.h"
#include "init/SampleParams.h"
#include "init/Spectrum.h"
#include "init/StabilityInit.h"
#include "io/ParamsJson.h"
#include "io/TrajectoryData.h"
#include "ir/Printer.h"
#include "jit/BatchVariants.h"
#include "jit/Jit.h"
#include "jit/ObjectCache.h"
#include "jit/Target.h"
#include "lower/LowerModel.h"
#include "support/Step.h"
#include "io/StabilityPlot.h"
#include "io/TableauJson.h"
#include "tableau/TableauReport.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>

namespace odec {

namespace {

std::vector<TensorInfo> publicLayout(const std::vector<TensorSlot> &slots) {
  std::vector<TensorInfo> out;
  for (const TensorSlot &s : slots)
    out.push_back({s.name, s.rank, s.rows, s.cols, s.offset});
  return out;
}

} // namespace

void checkSize(const char *what, size_t got, int64_t want) {
  if (int64_t(got) != want)
    throw std::invalid_argument(std::string(what) + " has " + std::to_string(got) +
                                " values, expected " + std::to_string(want));
}

// ---------------------------------------------------------------------------------------
// Model


const std::string &Model::name() const { return impl_->checked->name; }
const std::vector<TensorInfo> &Model::states() const { return impl_->states; }
const std::vector<TensorInfo> &Model::params() const { return impl_->params; }
int64_t Model::stateDim() const { return flatSize(impl_->stateSlots); }
int64_t Model::paramCount() const { return flatSize(impl_->paramSlots); }
std::vector<std::string> Model::stateColumns() const { return columnNames(impl_->stateSlots); }
bool Model::autonomous() const { return impl_->ir.autonomous(); }
const std::vector<TensorInfo> &Model::inputs() const { return impl_->inputs; }
int64_t Model::inputDim() const { return flatSize(impl_->inputSlots); }
std::vector<std::string> Model::inputColumns() const { return columnNames(impl_->inputSlots); }
bool Model::hasOutputs() const { return !impl_->outputSlots.empty(); }
std::vector<std::string> Model::observedColumns() const {
  return columnNames(hasOutputs() ? impl_->outputSlots : impl_->stateSlots);
}
int64_t Model::observedDim() const {
  return flatSize(hasOutputs() ? impl_->outputSlots : impl_->stateSlots);
}

std::vector<double> Model::sampleParams(uint64_t seed) const {
  return odec::sampleParams(impl_->paramSlots, seed);
}
std::vector<double> Model::loadParams(const std::string &path) const {
  return loadParamsJson(path, impl_->paramSlots);
}
std::vector<double> Model::parseParams(const std::string &jsonText) const {
  return parseParamsJson(jsonText, impl_->paramSlots, "<params>");
}
std::string Model::paramsToJson(const std::vector<double> &params) const {
  checkSize("the parameter vector", params.size(), paramCount());
  return odec::paramsToJson(params, impl_->paramSlots);
}

std::string Model::fieldToString() const { return ir::toJulia(impl_->ir.field()); }

std::string Model::derivatives(const std::string &what) const {
  static const std::map<std::string, DeriveWhat> whats = {{"field", DeriveWhat::Field},
                                                          {"jacobian", DeriveWhat::Jacobian},
                                                          {"vjp", DeriveWhat::Vjp},
                                                          {"jvp", DeriveWhat::Jvp}};
  auto it = whats.find(what);
  if (it == whats.end())
    throw std::invalid_argument("unknown derivative '" + what +
                                "' (field, jacobian, vjp or jvp)");
  return describeDerivatives(impl_->ir, it->second);
}

std::string Model::llvmIR(const std::string &tableau, bool adjoint, const std::string &cpu) const {
  const ButcherTableau &t = impl_->comp->tableau(tableau);
  const jit::CompileOptions options = jit::defaultOptions(impl_->ir, jit::Precision::Double, cpu);
  return adjoint ? jit::emitLossGradLLVM(impl_->ir, t, options)
                 : jit::emitSimulatorLLVM(impl_->ir, t, options);
}

namespace {

codegen::CppOptions cppOptions(const Model &m, const CppExportOptions &options) {
  if (!options.params.empty())
    checkSize("the parameter vector", options.params.size(), m.paramCount());
  codegen::CppOptions o;
  o.sourceFile = options.sourceFile;
  o.params = options.params;
  o.singlePrecision = options.singlePrecision;
  o.withMain = options.withMain;
  o.stateColumns = m.stateColumns();
  return o;
}

} // namespace

std::string Model::cppHeader(const std::string &tableau, const CppExportOptions &options) const {
  return codegen::emitCpp(impl_->ir, impl_->comp->tableau(tableau), cppOptions(*this, options));
}

std::string Model::objectCode(const std::string &tableau, const CppExportOptions &options) const {
  cxx::CompileOptions clang;
  clang.cpu = options.cpu;
  return cxx::buildCppObject(impl_->ir, impl_->comp->tableau(tableau), cppOptions(*this, options),
                             clang);
}

void Model::buildSharedLibrary(const std::string &path, const std::string &tableau,
                               const CppExportOptions &options) const {
  cxx::linkSharedLibrary(objectCode(tableau, options), path);
}

std::string Model::cSymbolPrefix() const { return cxx::cSymbol(name(), ""); }

// ---------------------------------------------------------------------------------------
// Stability-informed initialization

namespace {

InitResult runInitialization(const StabilityInitProblem &problem, uint64_t seed) {
  StabilityInitResult r;
  try {
    r = stabilityInitialize(problem, seed);
  } catch (const InitFailure &e) {
    throw InitError(e.what());
  }
  InitResult out;
  out.params = std::move(r.params);
  out.strategy = strategyName(r.strategy);
  out.tableau = problem.solver;
  out.region = problem.region;
  out.placement = {r.placementRegion.real, r.placementRegion.imag, r.placementRegion.radius,
                   r.placementRegion.frequency};
  out.step = problem.step;
  out.margin = problem.margin;
  out.tries = r.tries;
  out.acceptanceRate = r.acceptanceRate;
  out.eigenvalues = std::move(r.spectrum.eigenvalues);
  out.maxAbsR = r.spectrum.maxAbsR;
  out.targetEigenvalues = std::move(r.targets);
  out.placedParameter = std::move(r.placedParameter);
  return out;
}

} // namespace

InitSettings Model::initSettings() const {
  const sema::CheckedInit *init = findInit(*impl_->comp, name());
  if (!init)
    throw std::invalid_argument("the program has no init block for model " + name());
  InitSettings s;
  s.tableau = init->solver;
  s.step = init->step;
  s.margin = init->margin;
  s.region = init->region;
  const PoleRegion &b = init->placement;
  s.placement = {b.real, b.imag, b.radius, b.frequency};
  s.strategy = init->strategy == sema::CheckedInit::Strategy::Rejection
                   ? InitSettings::Strategy::Rejection
                   : InitSettings::Strategy::Placement;
  s.maxTries = init->maxTries;
  InitPoints points = initOperatingPoints(*impl_->checked, impl_->ir, *init);
  s.operatingPoints = std::move(points.states);
  s.operatingInputs = std::move(points.exogenous);
  return s;
}

InitSettings Model::initSettings(const std::string &tableau, double step) const {
  InitSettings s = initSettings();
  requireStep(step, "the step to initialize for");
  const std::string region = s.region.empty() ? s.tableau : s.region;
  if (region != s.tableau && tableau != s.tableau)
    throw std::invalid_argument(fmt::format(
        "the init block of {} constrains hλ to stability({}) while its solver is {}, so it "
        "cannot be re-targeted to the tableau {}: make the block's solver {} (keeping "
        "stability({}) if that region is meant), or initialize from the priors",
        name(), region, s.tableau, tableau, tableau, region));
  if (region == s.tableau) // the region follows the solver
    s.region = tableau;
  s.tableau = tableau;
  s.step = step;
  return s;
}

InitResult Model::initialize(uint64_t seed) const { return initialize(seed, initSettings()); }

InitResult Model::initialize(uint64_t seed, const InitSettings &s) const {
  StabilityInitProblem p = modelInitProblem(*impl_->checked, impl_->ir, impl_->pointOptions());
  p.operatingPoints = s.operatingPoints;
  p.exogenous = s.operatingInputs;
  if (p.operatingPoints.empty()) // at the origin, for each list of inputs given
    p.operatingPoints.assign(std::max<size_t>(1, p.exogenous.size()),
                             std::vector<double>(size_t(stateDim()), 0.0));
  p.step = s.step;
  p.solver = s.tableau;
  p.region = s.region.empty() ? s.tableau : s.region;
  p.R = stabilityFunction(impl_->comp->tableau(p.region));
  p.placement = {s.placement.real, s.placement.imag, s.placement.radius, s.placement.frequency};
  p.margin = s.margin;
  p.strategy = s.strategy == InitSettings::Strategy::Rejection ? InitStrategy::Rejection
                                                               : InitStrategy::Placement;
  p.maxTries = s.maxTries;
  return runInitialization(p, seed);
}

std::vector<std::complex<double>> Model::dataEigenvalues(const std::string &path,
                                                         double step) const {
  TrajectoryGrid grid;
  grid.stateColumns = stateColumns();
  grid.step = step;
  return linearizedDataSpectrum(loadTrajectories(path, grid));
}

std::vector<std::vector<std::complex<double>>>
Model::eigenvalues(const std::vector<double> &params,
                   const std::vector<std::vector<double>> &points,
                   const std::vector<std::vector<double>> &inputs) const {
  checkSize("the parameter vector", params.size(), paramCount());
  StabilityInitProblem p = modelInitProblem(*impl_->checked, impl_->ir, impl_->pointOptions());
  p.operatingPoints = points;
  p.exogenous = inputs;
  if (p.operatingPoints.empty() && p.exogenous.empty()) {
    const sema::CheckedInit *init = findInit(*impl_->comp, name());
    if (init) {
      InitPoints blockPoints = initOperatingPoints(*impl_->checked, impl_->ir, *init);
      p.operatingPoints = std::move(blockPoints.states);
      p.exogenous = std::move(blockPoints.exogenous);
    } else {
      p.operatingPoints.assign(1, std::vector<double>(size_t(stateDim()), 0.0));
    }
  }
  if (!p.exogenous.empty())
    checkSize("the lists of inputs (one per operating point)", p.exogenous.size(),
              p.operatingPoints.size());
  for (const std::vector<double> &x : p.operatingPoints)
    checkSize("an operating point", x.size(), stateDim());
  for (const std::vector<double> &u : p.exogenous)
    checkSize("the time and inputs of an operating point", u.size(), p.exoDim);
  std::vector<std::vector<std::complex<double>>> out;
  for (const Eigen::MatrixXd &J : p.jacobians(params))
    out.push_back(sortedEigenvalues(J));
  return out;
}

// ---------------------------------------------------------------------------------------
// Simulator

// Exactly one of compiled (explicit tableau), cpp (explicit, CodePath::Cpp; fn points into
// it) and implicit is set.
namespace {

/// Trajectories per SIMD chunk of the code that runs `batch` trajectories: code compiled with
/// `chunked` (the LLVM path's explicit solvers, one width per batch) or, unchunked, 1.
int64_t chunkLanesFor(const std::optional<jit::CompileOptions> &chunked, int64_t batch) {
  if (batch < 1)
    throw std::invalid_argument("batch must be >= 1");
  return chunked ? jit::lanesPerChunk(jit::optionsForBatch(*chunked, batch)) : 1;
}

} // namespace

struct Simulator::Impl {
  std::shared_ptr<const Model::Impl> model; // keeps the compilation alive
  std::string tableau;
  std::optional<jit::CompileOptions> chunked; // see chunkLanesFor
  // One of: the LLVM path's code per batch width, the implicit solver, the C++ path's code.
  std::unique_ptr<jit::BatchVariants<jit::CompiledSimulator>> compiled;
  std::shared_ptr<const ImplicitRungeKutta> implicit;
  jit::SimulateFn fn = nullptr;
  std::unique_ptr<cxx::LoadedCode> cpp;

  const ButcherTableau &butcher() const { return model->comp->tableau(tableau); }

  NewtonStats run(const double *params, const double *x0, double *out, int64_t batch,
                  int64_t steps, double h, const Drive &drive) const {
    const std::vector<double> exo = stageValues(model->ir, butcher(), batch, steps, h, drive);
    if (implicit)
      return implicit->simulate(params, x0, out, batch, steps, h);
    if (!compiled) {
      fn(params, x0, out, batch, steps, h, exo.empty() ? nullptr : exo.data());
      return {};
    }
    const int64_t D = model->ir.stateDim(), exoPer = int64_t(exo.size()) / batch;
    compiled->forParts(
        batch, [&](const jit::CompiledSimulator &code, int64_t first, int64_t count) {
          code.function()(params, x0 + first * D, out + first * (steps + 1) * D, count, steps, h,
                          exo.empty() ? nullptr : exo.data() + first * exoPer);
        });
    return {};
  }
};

Simulator Model::simulator(const std::string &tableau) const {
  return simulator(tableau, impl_->defaults);
}

Simulator Model::simulator(const std::string &tableau, Precision precision) const {
  CompileOptions options = impl_->defaults;
  options.precision = precision;
  return simulator(tableau, options);
}

Simulator Model::simulator(const std::string &tableau, CodePath path) const {
  CompileOptions options = impl_->defaults;
  options.path = path;
  return simulator(tableau, options);
}

jit::CompileOptions jitOptions(const ir::ModelIR &model, const CompileOptions &o,
                               const ButcherTableau &t) {
  if (o.precision == Precision::Float && !t.isExplicit())
    throw std::invalid_argument("tableau '" + t.name +
                                "' is implicit; float precision needs an explicit tableau");
  if (o.path == CodePath::Cpp && !t.isExplicit())
    throw std::invalid_argument("tableau '" + t.name +
                                "' is implicit; the C++ code path needs an explicit tableau");
  if (o.path == CodePath::Cpp && o.precision == Precision::Float)
    throw std::invalid_argument("the C++ code path computes in double; Precision::Float is for "
                                "the LLVM path (emit-cpp --float float exports float code)");
  jit::CompileOptions options = jit::defaultOptions(
      model, o.precision == Precision::Float ? jit::Precision::Float : jit::Precision::Double,
      o.cpu);
  options.cache = o.cache;
  return options;
}

cxx::CompileOptions clangOptions(const CompileOptions &o) {
  cxx::CompileOptions clang;
  clang.cpu = o.cpu;
  return clang;
}

Simulator Model::simulator(const std::string &tableau, const CompileOptions &compile) const {
  auto impl = std::make_shared<Simulator::Impl>();
  impl->model = impl_;
  impl->tableau = tableau;
  const ButcherTableau &t = impl_->comp->tableau(tableau);
  const jit::CompileOptions options = jitOptions(impl_->ir, compile, t);
  if (compile.path == CodePath::Cpp) {
    cxx::CppSolver solver = cxx::loadCppSolver(impl_->ir, t, clangOptions(compile));
    impl->fn = solver.simulate;
    impl->cpp = std::move(solver.code);
  } else if (t.isExplicit()) {
    impl->chunked = options;
    impl->compiled = std::make_unique<jit::BatchVariants<jit::CompiledSimulator>>(
        [model = impl_, &t](const jit::CompileOptions &o) {
          return jit::compileSimulator(model->ir, t, o);
        },
        options, compile.batch);
  } else {
    impl->implicit = compileImplicitSolver(impl_->ir, t, options);
  }
  Simulator s;
  s.impl_ = std::move(impl);
  return s;
}

namespace {

/// The C++ path's discrete adjoint behind the interface of the LLVM path's.
class CppLossGrad final : public jit::LossGradient {
public:
  explicit CppLossGrad(cxx::CppSolver solver) : solver_(std::move(solver)) {}
  double operator()(const LossGradArgs &args) const override {
    return call(solver_.lossGrad, args);
  }

private:
  cxx::CppSolver solver_;
};

} // namespace

const std::string &Simulator::tableau() const { return impl_->tableau; }
bool Simulator::isImplicit() const { return impl_->implicit != nullptr; }
int64_t Simulator::stateDim() const { return impl_->model->ir.stateDim(); }
int64_t Simulator::chunkLanes(int64_t batch) const {
  return chunkLanesFor(impl_->chunked, batch);
}
int64_t Simulator::paramCount() const { return impl_->model->ir.paramCount(); }

void Simulator::simulate(const double *params, const double *x0, double *out, int64_t batch,
                         int64_t steps, double h) const {
  simulate(params, x0, out, batch, steps, h, Drive{});
}

void Simulator::simulate(const double *params, const double *x0, double *out, int64_t batch,
                         int64_t steps, double h, const Drive &drive) const {
  requireStep(h, "the step h");
  impl_->run(params, x0, out, batch, steps, h, drive);
}

std::vector<double> Simulator::simulate(const std::vector<double> &params,
                                        const std::vector<double> &x0, int64_t batch,
                                        int64_t steps, double h, const Drive &drive) const {
  NewtonSummary ignored;
  return simulate(params, x0, batch, steps, h, ignored, drive);
}

std::vector<double> Simulator::simulate(const std::vector<double> &params,
                                        const std::vector<double> &x0, int64_t batch,
                                        int64_t steps, double h) const {
  NewtonSummary ignored;
  return simulate(params, x0, batch, steps, h, ignored);
}

std::vector<double> Simulator::simulate(const std::vector<double> &params,
                                        const std::vector<double> &x0, int64_t batch,
                                        int64_t steps, double h, NewtonSummary &newton) const {
  return simulate(params, x0, batch, steps, h, newton, Drive{});
}

std::vector<double> Simulator::simulate(const std::vector<double> &params,
                                        const std::vector<double> &x0, int64_t batch,
                                        int64_t steps, double h, NewtonSummary &newton,
                                        const Drive &drive) const {
  if (batch < 1 || steps < 0)
    throw std::invalid_argument("batch must be >= 1 and steps >= 0");
  checkSize("the parameter vector", params.size(), paramCount());
  checkSize("x0", x0.size(), batch * stateDim());
  // Refuse absurd sizes before allocating: 2^31 doubles is 16 GiB.
  long double total = (long double)batch * (long double)(steps + 1) * (long double)stateDim();
  if (total > (long double)(int64_t(1) << 31))
    throw std::invalid_argument("the trajectory would hold " +
                                std::to_string((unsigned long long)total) +
                                " values; the limit is 2^31");
  std::vector<double> out(size_t(batch * (steps + 1) * stateDim()));
  NewtonStats stats = impl_->run(params.data(), x0.data(), out.data(), batch, steps, h, drive);
  newton = {stats.solves, stats.totalIterations, stats.maxIterations, stats.maxResidual};
  return out;
}

// ---------------------------------------------------------------------------------------
// LossGradient

struct LossGradient::Impl {
  std::shared_ptr<const Model::Impl> model;
  std::string tableau;
  Adjoint adjoint;
  std::optional<jit::CompileOptions> chunked;
  std::unique_ptr<jit::LossGradient> compiled;
};

LossGradient Model::lossGradient(const std::string &tableau, Adjoint adjoint) const {
  return lossGradient(tableau, adjoint, impl_->defaults);
}

LossGradient Model::lossGradient(const std::string &tableau, Adjoint adjoint,
                                 Precision precision) const {
  CompileOptions options = impl_->defaults;
  options.precision = precision;
  return lossGradient(tableau, adjoint, options);
}

LossGradient Model::lossGradient(const std::string &tableau, Adjoint adjoint,
                                 CodePath path) const {
  CompileOptions options = impl_->defaults;
  options.path = path;
  return lossGradient(tableau, adjoint, options);
}

LossGradient Model::lossGradient(const std::string &tableau, Adjoint adjoint,
                                 const CompileOptions &compile) const {
  auto impl = std::make_shared<LossGradient::Impl>();
  impl->model = impl_;
  impl->tableau = tableau;
  impl->adjoint = adjoint;
  const ButcherTableau &t = impl_->comp->tableau(tableau);
  const jit::CompileOptions options = jitOptions(impl_->ir, compile, t);
  if (compile.path == CodePath::Cpp && adjoint != Adjoint::Discrete)
    throw std::invalid_argument("the C++ code path offers the discrete adjoint only");
  if (compile.path == CodePath::LLVM && t.isExplicit())
    impl->chunked = options;
  if (compile.path == CodePath::Cpp)
    impl->compiled =
        std::make_unique<CppLossGrad>(cxx::loadCppSolver(impl_->ir, t, clangOptions(compile)));
  else if (adjoint == Adjoint::Discrete && t.isExplicit())
    impl->compiled = std::make_unique<jit::LossGradientByBatch>(
        // The adjoint alone: training needs no forward solver beside it (batch code solves
        // forward in the adjoint's own sweep), and compiling one would be JIT time spent.
        [model = impl_, &t](const jit::CompileOptions &o) {
          return std::unique_ptr<jit::LossGradient>(jit::compileLossGrad(model->ir, t, o));
        },
        options, jit::batchLayout(impl_->ir, t), compile.batch);
  else if (adjoint == Adjoint::Discrete) // implicit: the IFT adjoint, double only
    impl->compiled = compileDiscreteLossGrad(impl_->ir, t, options);
  else if (t.isExplicit())
    impl->compiled = std::make_unique<jit::LossGradientByBatch>(
        [model = impl_, &t](const jit::CompileOptions &o) {
          return jit::compileContinuousAdjoint(model->ir, t, o);
        },
        options, jit::batchLayout(impl_->ir, t), compile.batch);
  else
    throw std::invalid_argument("tableau '" + t.name +
                                "' is implicit; the continuous adjoint needs an explicit tableau "
                                "(the discrete adjoint supports implicit ones)");
  LossGradient g;
  g.impl_ = std::move(impl);
  return g;
}

const std::string &LossGradient::tableau() const { return impl_->tableau; }
int64_t LossGradient::chunkLanes(int64_t batch) const {
  return chunkLanesFor(impl_->chunked, batch);
}
Adjoint LossGradient::adjoint() const { return impl_->adjoint; }

double LossGradient::operator()(const double *params, const double *x0, int64_t batch,
                                int64_t steps, double h, int64_t numTargets,
                                const int64_t *targetSteps, const double *targetWeights,
                                const double *targets, double *traj, double *gradParams,
                                double *gradX0) const {
  return (*this)(params, x0, batch, steps, h, numTargets, targetSteps, targetWeights, targets,
                 traj, gradParams, gradX0, Drive{});
}

double LossGradient::operator()(const double *params, const double *x0, int64_t batch,
                                int64_t steps, double h, int64_t numTargets,
                                const int64_t *targetSteps, const double *targetWeights,
                                const double *targets, double *traj, double *gradParams,
                                double *gradX0, const Drive &drive) const {
  requireStep(h, "the step h");
  const std::vector<double> exo = stageValues(
      impl_->model->ir, impl_->model->comp->tableau(impl_->tableau), batch, steps, h, drive);
  return (*impl_->compiled)({params, x0, batch, steps, h, numTargets, targetSteps, targetWeights,
                             targets, traj, gradParams, gradX0,
                             exo.empty() ? nullptr : exo.data()});
}

LossGradient::Result LossGradient::meanSquaredError(const std::vector<double> &params,
                                                    const std::vector<double> &x0, int64_t batch,
                                                    int64_t steps, double h,
                                                    const std::vector<int64_t> &targetSteps,
                                                    const std::vector<double> &targets) const {
  return meanSquaredError(params, x0, batch, steps, h, targetSteps, targets, Drive{});
}

LossGradient::Result LossGradient::meanSquaredError(const std::vector<double> &params,
                                                    const std::vector<double> &x0, int64_t batch,
                                                    int64_t steps, double h,
                                                    const std::vector<int64_t> &targetSteps,
                                                    const std::vector<double> &targets,
                                                    const Drive &drive) const {
  const ir::ModelIR &m = impl_->model->ir;
  const int64_t D = m.stateDim(), T = int64_t(targetSteps.size());
  if (batch < 1 || steps < 0 || T < 1)
    throw std::invalid_argument("batch must be >= 1, steps >= 0 and there must be a target");
  checkSize("the parameter vector", params.size(), m.paramCount());
  checkSize("x0", x0.size(), batch * D);
  checkSize("targets", targets.size(), batch * T * D);
  for (int64_t t = 0; t < T; ++t)
    if (targetSteps[size_t(t)] < 0 || targetSteps[size_t(t)] > steps ||
        (t > 0 && targetSteps[size_t(t)] < targetSteps[size_t(t - 1)]))
      throw std::invalid_argument("target steps must be sorted and within 0.." +
                                  std::to_string(steps));
  std::vector<double> weights(size_t(T), 1.0 / double(T * batch * D));
  std::vector<double> traj(size_t(batch * (steps + 1) * D));
  Result r;
  r.gradParams.resize(size_t(m.paramCount()));
  r.gradX0.resize(size_t(batch * D));
  r.loss = (*this)(params.data(), x0.data(), batch, steps, h, T, targetSteps.data(),
                   weights.data(), targets.data(), traj.data(), r.gradParams.data(),
                   r.gradX0.data(), drive);
  return r;
}

// ---------------------------------------------------------------------------------------
// Vjp

struct Vjp::Impl {
  std::shared_ptr<const Model::Impl> model;
  std::string tableau;
  std::optional<jit::CompileOptions> chunked;
  bool implicit = false;
  std::unique_ptr<jit::Vjp> compiled;

  std::vector<double> stageValues(int64_t batch, int64_t steps, double h,
                                  const Drive &drive) const {
    return odec::stageValues(model->ir, model->comp->tableau(tableau), batch, steps, h, drive);
  }
};

Vjp Model::vjp(const std::string &tableau, Precision precision) const {
  CompileOptions options = impl_->defaults;
  options.precision = precision;
  options.path = CodePath::LLVM; // whatever the model's defaults say: the VJP's only path
  return vjp(tableau, options);
}

Vjp Model::vjp(const std::string &tableau, const CompileOptions &compile) const {
  if (compile.path == CodePath::Cpp)
    throw std::invalid_argument("the C++ code path has no vector–Jacobian product; use "
                                "CodePath::LLVM");
  auto impl = std::make_shared<Vjp::Impl>();
  impl->model = impl_;
  impl->tableau = tableau;
  const ButcherTableau &t = impl_->comp->tableau(tableau);
  const jit::CompileOptions options = jitOptions(impl_->ir, compile, t);
  impl->implicit = !t.isExplicit();
  if (!impl->implicit)
    impl->chunked = options;
  if (impl->implicit)
    impl->compiled = compileImplicitVjp(impl_->ir, t, options);
  else
    // The VJP alone: batch code keeps a tape, which a forward pass can hand to its backward
    // pass (forwardWithTape, fromTape).
    impl->compiled = std::make_unique<jit::VjpByBatch>(
        [model = impl_, &t](const jit::CompileOptions &o) {
          return std::unique_ptr<jit::Vjp>(jit::compileVjpAlone(model->ir, t, o));
        },
        options, jit::batchLayout(impl_->ir, t), compile.batch);
  Vjp v;
  v.impl_ = std::move(impl);
  return v;
}

const std::string &Vjp::tableau() const { return impl_->tableau; }
int64_t Vjp::chunkLanes(int64_t batch) const { return chunkLanesFor(impl_->chunked, batch); }
bool Vjp::isImplicit() const { return impl_->implicit; }
int64_t Vjp::stateDim() const { return impl_->model->ir.stateDim(); }
int64_t Vjp::paramCount() const { return impl_->model->ir.paramCount(); }

void Vjp::operator()(const double *params, const double *x0, int64_t batch, int64_t steps,
                     double h, const double *cotangent, double *traj, double *gradParams,
                     double *gradX0) const {
  (*this)(params, x0, batch, steps, h, cotangent, traj, gradParams, gradX0, Drive{});
}

void Vjp::operator()(const double *params, const double *x0, int64_t batch, int64_t steps,
                     double h, const double *cotangent, double *traj, double *gradParams,
                     double *gradX0, const Drive &drive) const {
  requireStep(h, "the step h");
  const std::vector<double> exo = impl_->stageValues(batch, steps, h, drive);
  (*impl_->compiled)(params, x0, batch, steps, h, cotangent, traj, gradParams, gradX0, kVjpSolve,
                     exo.empty() ? nullptr : exo.data());
}

void Vjp::fromTrajectory(const double *params, const double *x0, int64_t batch, int64_t steps,
                         double h, const double *cotangent, const double *traj,
                         double *gradParams, double *gradX0) const {
  fromTrajectory(params, x0, batch, steps, h, cotangent, traj, gradParams, gradX0, Drive{});
}

void Vjp::fromTrajectory(const double *params, const double *x0, int64_t batch, int64_t steps,
                         double h, const double *cotangent, const double *traj,
                         double *gradParams, double *gradX0, const Drive &drive) const {
  requireStep(h, "the step h");
  const std::vector<double> exo = impl_->stageValues(batch, steps, h, drive);
  // From a trajectory the compiled code only reads traj.
  (*impl_->compiled)(params, x0, batch, steps, h, cotangent, const_cast<double *>(traj),
                     gradParams, gradX0, kVjpFromTrajectory, exo.empty() ? nullptr : exo.data());
}

int64_t Vjp::tapeBytes(int64_t batch) const {
  if (batch < 1)
    throw std::invalid_argument("batch must be >= 1");
  return impl_->compiled->tapeBytes(batch);
}

int64_t Vjp::tapeSteps(int64_t batch) const {
  if (batch < 1)
    throw std::invalid_argument("batch must be >= 1");
  return impl_->compiled->tapeSteps(batch);
}

void Vjp::forwardWithTape(const double *params, const double *x0, int64_t batch, int64_t steps,
                          double h, double *traj, double *tape, const Drive &drive) const {
  requireStep(h, "the step h");
  if (impl_->implicit)
    throw std::invalid_argument("the VJP of implicit tableau '" + impl_->tableau +
                                "' keeps no tape: solve forward with a Simulator, then call "
                                "fromTrajectory");
  const int64_t bytes = tapeBytes(batch);
  if (bytes && reinterpret_cast<uintptr_t>(tape) % 64 != 0)
    throw std::invalid_argument("the tape must be 64-byte aligned");
  const std::vector<double> exo = impl_->stageValues(batch, steps, h, drive);
  (*impl_->compiled)(params, x0, batch, steps, h, nullptr, traj, nullptr, nullptr,
                     kVjpTapeForward, exo.empty() ? nullptr : exo.data(), bytes ? tape : nullptr);
}

void Vjp::fromTape(const double *params, const double *x0, int64_t batch, int64_t steps,
                   double h, const double *cotangent, const double *traj, const double *tape,
                   double *gradParams, double *gradX0, const Drive &drive) const {
  requireStep(h, "the step h");
  const int64_t bytes = tapeBytes(batch);
  if (bytes && reinterpret_cast<uintptr_t>(tape) % 64 != 0)
    throw std::invalid_argument("the tape must be 64-byte aligned");
  const std::vector<double> exo = impl_->stageValues(batch, steps, h, drive);
  // The tape and traj are only read.
  (*impl_->compiled)(params, x0, batch, steps, h, cotangent, const_cast<double *>(traj),
                     gradParams, gradX0, impl_->implicit ? kVjpFromTrajectory : kVjpFromTape,
                     exo.empty() ? nullptr : exo.data(),
                     bytes ? const_cast<double *>(tape) : nullptr);
}

Vjp::Result Vjp::operator()(const std::vector<double> &params, const std::vector<double> &x0,
                            int64_t batch, int64_t steps, double h,
                            const std::vector<double> &cotangent) const {
  return (*this)(params, x0, batch, steps, h, cotangent, Drive{});
}

Vjp::Result Vjp::operator()(const std::vector<double> &params, const std::vector<double> &x0,
                            int64_t batch, int64_t steps, double h,
                            const std::vector<double> &cotangent, const Drive &drive) const {
  const int64_t D = stateDim();
  if (batch < 1 || steps < 0)
    throw std::invalid_argument("batch must be >= 1 and steps >= 0");
  checkSize("the parameter vector", params.size(), paramCount());
  checkSize("x0", x0.size(), batch * D);
  checkSize("the cotangent", cotangent.size(), batch * (steps + 1) * D);
  Result r;
  r.trajectory.resize(cotangent.size());
  r.gradParams.resize(size_t(paramCount()));
  r.gradX0.resize(size_t(batch * D));
  (*this)(params.data(), x0.data(), batch, steps, h, cotangent.data(), r.trajectory.data(),
          r.gradParams.data(), r.gradX0.data(), drive);
  return r;
}

// ---------------------------------------------------------------------------------------
// Program

Program Program::checked(std::shared_ptr<const Compilation> comp) {
  if (!comp->ok)
    throw CompileError(comp->diags.formatAll());
  return Program(std::move(comp));
}

Program Program::fromFile(const std::string &path) { return checked(Compilation::fromFile(path)); }
Program Program::fromString(const std::string &text, const std::string &name) {
  return checked(Compilation::fromText(name, text));
}

std::vector<std::string> Program::modelNames() const {
  std::vector<std::string> out;
  for (const sema::CheckedModel &m : comp_->checked.models)
    out.push_back(m.name);
  return out;
}

std::vector<std::string> Program::tableauNames() const {
  std::vector<std::string> out;
  for (const sema::CheckedTableau &t : comp_->checked.tableaux)
    out.push_back(t.tableau.name);
  return out;
}

TableauInfo Program::tableau(const std::string &name) const {
  const TableauReport r = analyzeTableau(comp_->tableau(name));
  TableauInfo info;
  info.name = r.name;
  info.stages = r.stages;
  info.order = r.order.order;
  info.isExplicit = r.isExplicit;
  info.text = formatReport(r);
  info.json = toJson(r).dump(2);
  return info;
}

std::string Program::stabilityPlot(const std::vector<std::string> &tableaux,
                                   const StabilityPlotSettings &settings) const {
  std::vector<PlotRegion> regions;
  for (const std::string &name : tableaux) {
    const ButcherTableau &t = comp_->tableau(name);
    regions.push_back({t.name, stabilityFunction(t)});
    if (t.hasEmbedded()) {
      const ButcherTableau e = t.embeddedMethod();
      regions.push_back({e.name, stabilityFunction(e)});
    }
  }
  StabilityPlotOptions plot = defaultPlotWindow(regions);
  plot.grid = settings.grid;
  plot.points = settings.points;
  // The default window grows to show the points, with a margin.
  constexpr double kPad = 0.25;
  for (std::complex<double> z : plot.points) {
    plot.xmin = std::min(plot.xmin, z.real() - kPad);
    plot.xmax = std::max(plot.xmax, z.real() + kPad);
    plot.ymin = std::min(plot.ymin, z.imag() - kPad);
    plot.ymax = std::max(plot.ymax, z.imag() + kPad);
  }
  if (settings.real)
    std::tie(plot.xmin, plot.xmax) = *settings.real;
  if (settings.imag)
    std::tie(plot.ymin, plot.ymax) = *settings.imag;
  return stabilityPlotSvg(regions, plot);
}

Model Program::model(const std::string &name) const { return model(name, CompileOptions{}); }

Model Program::model(const std::string &name, const CompileOptions &defaults) const {
  auto impl = std::make_shared<Model::Impl>();
  impl->defaults = defaults;
  impl->comp = comp_;
  impl->checked = &comp_->model(name);
  impl->stateSlots = stateLayout(*impl->checked);
  impl->paramSlots = paramLayout(*impl->checked);
  impl->inputSlots = inputLayout(*impl->checked);
  impl->outputSlots = outputLayout(*impl->checked);
  impl->states = publicLayout(impl->stateSlots);
  impl->params = publicLayout(impl->paramSlots);
  impl->inputs = publicLayout(impl->inputSlots);
  impl->ir = lowerModel(*impl->checked);
  Model m;
  m.impl_ = std::move(impl);
  return m;
}

std::string Program::warnings() const { return comp_->diags.formatAll(); }

// ---------------------------------------------------------------------------------------
// Targets

TargetInfo describeTarget(const std::string &cpu) {
  const jit::Target &t = jit::resolveTarget(cpu);
  return {t.cpu, t.machine.vectorBytes, t.machine.vectorRegisters, t.missingHere};
}

std::vector<std::string> runnableLevels() { return jit::runnableLevels(); }

std::string compiledCodeCacheDirectory() { return jit::cacheDirectory(); }

} // namespace odec
