// odec host API: compile a .node model at run time and call the generated code from C++.
//
//   #include <odec/odec.h>
//
//   odec::Program prog = odec::Program::fromFile("spiral.node");   // parse + check
//   odec::Model model = prog.model("Spiral");                     // "" = the only model
//   std::vector<double> theta = model.sampleParams(/*seed=*/1);   // or model.loadParams("p.json")
//   odec::Simulator sim = model.simulator("RK4");                 // JIT-compiles the fused solver
//   std::vector<double> x0 = {1.0, 0.0};                          // batch x stateDim, row-major
//   std::vector<double> traj = sim.simulate(theta, x0, /*batch=*/1, /*steps=*/100, /*h=*/0.1);
//   // traj[(b*(steps+1) + n)*stateDim + d] is component d of trajectory b at t = n*h.
//
// Layouts. A model's parameters form one flat vector of doubles: the parameters in
// declaration order, each row-major (Real: 1 value, Vector{n}: n, Matrix{m,n}: m*n).
// Its states likewise form the flat state vector of length stateDim(). `params()` and
// `states()` give each tensor's name, shape and offset.
//
// Errors. Problems in the .node source throw CompileError, whose what() holds every
// diagnostic formatted as `file:line:col: error: ...` with the source line and a caret.
// Bad arguments (sizes, unknown names, files) throw std::invalid_argument or
// std::runtime_error with a message that names the problem. Handles are cheap to copy and
// keep what they need alive; a Simulator may be called from several threads at once.
#pragma once

#include <complex>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace odec {

class CompileError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// A named tensor inside a flat vector. rank 0 = Real, 1 = Vector{rows}, 2 = Matrix{rows,cols}.
struct TensorInfo {
  std::string name;
  int rank = 0;
  int rows = 1;
  int cols = 1;
  int64_t offset = 0;
  int64_t size() const { return int64_t(rows) * cols; }
};

struct Compilation; // internal

/// Stability-informed initialization could not meet its constraint; what() says how close it
/// came and what to try.
class InitError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The settings of stability-informed initialization, as an `init` block states them: find
/// parameters such that every eigenvalue λ of ∂f/∂x at every operating point satisfies
/// |R(hλ)| ≤ margin for the stability function R of the solver that will train the model
/// (or of the tableau `region` names).
struct InitSettings {
  std::string tableau;  // the training solver, e.g. "RK4"
  double step = 0;      // its step h
  /// |R(hλ)| ≤ margin, > 0: below 1 demands damping (|R| = 1 is the region's edge), above 1
  /// relaxes the region (a little growth per step is allowed).
  double margin = 1;
  /// The tableau whose stability function R is: `stability(T, …)` of the require line;
  /// empty: `tableau`.
  std::string region;
  /// Where placement puts the poles z = hλ (besides |R(z)| ≤ margin): bounds (lo, hi) on
  /// Re z and Im z, and on |λ| and |Im λ| (radians per unit of time). All unset:
  /// real = (−0.5, −0.01), imag = (−0.5, 0.5), poles that decay in 2 to 100 steps and turn at
  /// most half a radian per step (a period of at least 12.6 steps).
  struct PoleBounds {
    using Interval = std::optional<std::pair<double, double>>;
    Interval real, imag, radius, frequency;
  } placement;
  enum class Strategy {
    Rejection, // draw from the priors until the constraint holds (up to maxTries draws)
    Placement  // draw, then move the Jacobian's affine parameter (e.g. the output layer)
               // so that its eigenvalues are sampled points inside the region
  } strategy = Strategy::Rejection;
  int64_t maxTries = 10000;
  /// Flat states (stateDim() values each) at which ∂f/∂x is constrained; empty: the origin.
  std::vector<std::vector<double>> operatingPoints;
  /// A driven model's time and inputs at each operating point (1 + inputDim() values each: t,
  /// then the inputs' elements in declaration order), one list per point; empty: t = 0 and
  /// zero inputs (always empty for an autonomous model). The init block's `at u = …` and
  /// `at t = …` lines fill it.
  std::vector<std::vector<double>> operatingInputs;
};

struct InitResult {
  std::vector<double> params; // flat parameter vector
  std::string strategy;       // "rejection" or "placement"
  std::string tableau;
  std::string region;         // the tableau whose stability region constrained hλ
  double step = 0, margin = 1;
  int64_t tries = 0;          // parameter draws evaluated (placement: 1)
  double acceptanceRate = 0;  // accepted draws / tries
  /// eigenvalues[k]: the eigenvalues λ of ∂f/∂x at operating point k — not scaled by the step;
  /// the stability constraint is on hλ. Sorted by real part, then imaginary part.
  std::vector<std::vector<std::complex<double>>> eigenvalues;
  double maxAbsR = 0; // max |R(hλ)| over every point and eigenvalue (≤ margin)
  /// Placement only: the eigenvalues λ placed, and the parameter that was moved.
  std::vector<std::complex<double>> targetEigenvalues;
  std::string placedParameter;
  InitSettings::PoleBounds placement; // the bounds the targets were drawn in (defaults filled)
};

/// The report of an initialization (Model::initReport; `odec init` prints it): what was found,
/// against which region, and what time scales the eigenvalues mean, so that a mismatch with the
/// data's time scale shows.
struct InitReport {
  /// One item per line, each indented by two spaces after the first.
  std::string text;
  /// One JSON object: {"model", "solver", "region", "step", "margin", "strategy", "tries",
  /// "acceptance_rate", "operating_points", "eigenvalues": [[re, im], ...] (λ),
  /// "scaled_eigenvalues" (hλ), "max_abs_R", "time_scales": [{"eigenvalue", "decay_time",
  /// "period"}, ...] (one per real eigenvalue or conjugate pair of the first point; null when
  /// infinite), and for placement "target_eigenvalues" (λ), "placed_parameter" and
  /// "placement_region" {"real", "imag", "radius", "frequency"} (each [lo, hi] or null)}; with
  /// the data's eigenvalues also "data_eigenvalues", "data_time_scales" and "warning".
  std::string json;
  /// With the data's eigenvalues: a warning when the largest |λ| of the initialized field and
  /// of the data differ by more than kTimeScaleMismatch either way; else empty.
  std::string warning;
  static constexpr double kTimeScaleMismatch = 10;
};

/// The settings of a training run (Model::train, `odec train`; docs/training.md): Adam on the
/// mean squared error of multiple-shooting windows of horizon+1 samples, exact gradients from
/// the discrete adjoint, results and checkpoints written atomically into `directory`.
struct TrainSettings {
  std::string tableau;     // the solver (required)
  double step = 0;         // its step h (required for fixed steps); the data's sample interval
                           // is a multiple. With adaptive steps: the stability init's nominal
                           // step (0: the training data's median sample interval)
  /// Adaptive steps of the embedded pair `tableau` (AdaptiveSolver) when rtol or atol is > 0
  /// (the other then takes AdaptiveSettings' default): each window is solved with error
  /// control to its observation times, and its gradient is the discrete adjoint through the
  /// accepted steps (AdaptiveSolver::loss). Autonomous models.
  double rtol = 0, atol = 0;
  std::string data;        // training trajectories: CSV (traj,t,<states>) or .npy (required)
  std::string validation;  // validation trajectories, the same format ("": none)
  std::string init = "prior"; // "prior": draw from the priors; "stability": the model's init
                              // block, re-targeted to `tableau` and `step`
  uint64_t seed = 0;          // of the initial parameters and of the mini-batch order
  int64_t epochs = 100;       // train until this many epochs are complete
  int64_t batch = 32;         // windows per mini-batch
  int64_t horizon = 5;        // samples predicted per window, 1..100000
  std::string optimizer = "adam"; // "adam" or "nadam" (Adam with Nesterov momentum, Dozat)
  double learningRate = 1e-3; // the optimizer's
  double clip = 0;            // clip the gradient's global norm to this (0: off)
  double divergeFactor = 1e3; // stop when a loss exceeds this times the best (0: never)
  int64_t threads = 1;        // threads per mini-batch (the result does not depend on them)
  std::string directory = "run"; // where the run's files go
  /// Continue the run in `directory` from its checkpoint, bit-identically. Its recorded
  /// settings must equal these except epochs, file and divergeFactor.
  bool resume = false;
  /// Recorded in the checkpoint and summary, not used: the .node file and the command line.
  std::string file, commandLine;
  /// The model's name, as recorded() reads it (Model::train records its own).
  std::string model;

  /// The settings recorded in the checkpoint of the run in `directory` (to continue it with
  /// them); keys missing from an older checkpoint keep their defaults. Throws
  /// std::runtime_error when there is no readable checkpoint.
  static TrainSettings recorded(const std::string &directory);
};

/// Where Model::train reports while it runs.
struct TrainOutput {
  std::ostream *log = nullptr;  // progress, notes and the initialization report; null: silent
  std::ostream *json = nullptr; // one JSON object per epoch, when set
  bool interactive = false;     // log is a terminal: the progress line is rewritten in place
  /// Ctrl-C (SIGINT) stops training after the current mini-batch, with a checkpoint, instead of
  /// ending the process (the handler is installed for the call's duration).
  bool stopOnInterrupt = false;
};

/// How a training run ended (Model::train).
struct TrainResult {
  enum class Outcome { Finished, Interrupted, Diverged } outcome = Outcome::Finished;
  int64_t epoch = 0; // epochs completed
  int64_t batch = 0; // mini-batches of the next epoch done (after an interruption)
  int64_t bestEpoch = 0; // the epoch of the lowest loss (validation loss when there is some)
  double bestLoss = 0;
  bool validation = false; // the best is the validation loss
  std::vector<double> params; // the parameters after the last step
  /// Diverged: the loss that stopped training, where (batch 0: the epoch's validation loss),
  /// and the best epoch's loss it was compared with.
  double divergedLoss = 0, divergedBest = 0;
  int64_t divergedEpoch = 0, divergedBatch = 0;
  std::string directory; // the run's files: params.json, best_params.json, checkpoint.json, ...
};

/// One trajectory's sampled inputs: the model's `input` declarations side by side in
/// declaration order (Model::inputColumns), each read between the samples through its declared
/// interpolation (Hold, Linear, CubicSpline; grammar/GUIDE.md). times: strictly increasing;
/// values: times.size() x Model::inputDim(), row-major.
struct InputSamples {
  std::vector<double> times;
  std::vector<double> values;
};

/// What drives the solve of a non-autonomous model (one that reads `t` or declares inputs):
/// stage i of step n of trajectory b runs at time t0_b + (n + c_i) h and reads the inputs
/// there. The solve must lie where the inputs are defined (Hold: from the first sample on;
/// Linear and CubicSpline: between the first and the last sample, no extrapolation), else
/// std::invalid_argument. An autonomous model takes an empty drive only.
struct Drive {
  std::vector<double> t0;           // batch start times, one for every trajectory, or empty: 0
  std::vector<InputSamples> inputs; // batch signals, one for every trajectory, or empty
};

/// Newton statistics of a solve with an implicit tableau (all zero for an explicit one).
struct NewtonSummary {
  int64_t solves = 0;     // stage solves: one per step and trajectory
  int64_t iterations = 0; // Newton iterations over all solves
  int maxIterations = 0;  // the most one solve needed
  double maxResidual = 0; // max over solves of the final stage-equation residual (∞-norm)
};

/// A compiled solver for one (model, tableau) pair. An explicit tableau runs one fused
/// JIT-compiled function; an implicit one (full A: ImplicitMidpoint, GaussLegendre2/3,
/// RadauIIA3/5, BackwardEuler, ...) solves each step's stage equations by Newton's method with
/// the exact symbolic Jacobian (tolerance ‖ΔZ‖∞ ≤ 1e-12 + 1e-12‖Z‖∞, at most 20 iterations)
/// and throws std::runtime_error naming the step and trajectory when Newton fails.
class Simulator {
public:
  /// Runs `steps` steps of size h from each of `batch` initial states.
  /// params: paramCount() values; x0: batch*stateDim() values;
  /// out: batch*(steps+1)*stateDim() values (caller-owned).
  void simulate(const double *params, const double *x0, double *out, int64_t batch,
                int64_t steps, double h) const;
  /// Same, checking every size and allocating the result.
  std::vector<double> simulate(const std::vector<double> &params, const std::vector<double> &x0,
                               int64_t batch, int64_t steps, double h) const;
  /// Same, also reporting the Newton statistics of an implicit tableau.
  std::vector<double> simulate(const std::vector<double> &params, const std::vector<double> &x0,
                               int64_t batch, int64_t steps, double h,
                               NewtonSummary &newton) const;
  /// The solves of a non-autonomous model (the overloads without a drive use Drive{}: t0 = 0
  /// and no inputs).
  void simulate(const double *params, const double *x0, double *out, int64_t batch,
                int64_t steps, double h, const Drive &drive) const;
  std::vector<double> simulate(const std::vector<double> &params, const std::vector<double> &x0,
                               int64_t batch, int64_t steps, double h,
                               const Drive &drive) const;
  std::vector<double> simulate(const std::vector<double> &params, const std::vector<double> &x0,
                               int64_t batch, int64_t steps, double h, NewtonSummary &newton,
                               const Drive &drive) const;
  /// The tableau is implicit (solved by Newton's method rather than a fused function).
  bool isImplicit() const;
  /// Trajectories per SIMD chunk of the code that a call with `batch` trajectories runs (1
  /// for code that is not chunked: implicit tableaux, the C++ path). A caller that splits a
  /// batch across threads cuts it into multiples of this, so that no thread runs a partial
  /// chunk in the middle of the batch. std::invalid_argument for batch < 1.
  int64_t chunkLanes(int64_t batch) const;

  const std::string &tableau() const;
  int64_t stateDim() const;
  int64_t paramCount() const;

private:
  friend class Model;
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

/// Which gradient `Model::lossGradient` computes.
enum class Adjoint {
  /// The exact gradient of the discrete solve (backpropagation through the RK scheme),
  /// computed by one fused JIT-compiled function for an explicit tableau, and for an implicit
  /// one by the implicit function theorem on each step's stage equations (one sD×sD linear
  /// solve per step, stages recomputed by Newton); equal to finite differences of `simulate`
  /// up to rounding (and the Newton tolerance).
  Discrete,
  /// The adjoint ODE solved backward with the same tableau: the gradient of the continuous
  /// problem, O(h^p) away from the discrete one, and unstable for strongly dissipative fields.
  /// Explicit tableaux only.
  Continuous
};

/// Which of odec's two code generators compiles a model's solvers. Both run in this process
/// through LLVM's ORC JIT and compute the same numbers (to ~1e-12 relative, tested).
enum class CodePath {
  /// odec's LLVM IR generator (the default): SIMD over the batch, fastest.
  LLVM,
  /// The C++ of `cppHeader` compiled by in-process Clang 14: the deployment path, run here to
  /// cross-check it. Needs Clang's builtin headers (libclang-common-14-dev) at run time.
  Cpp
};

/// The arithmetic of the LLVM path's fused solvers and adjoints. The interface is double
/// either way (parameters, states, trajectories, gradients); float code converts on load and
/// store.
enum class Precision {
  Double,
  /// float arithmetic with twice the trajectories per SIMD register: faster on batched fields
  /// (measured in docs/performance.md), results within ~1e-6 relative of double on the tested
  /// MLP fields (tests/unit/adjoint/FloatPrecisionTest.cpp). Explicit tableaux only.
  Float
};

/// How a model's solvers are compiled (Model::simulator, Model::lossGradient).
struct CompileOptions {
  Precision precision = Precision::Double;
  CodePath path = CodePath::LLVM;
  /// The CPU the code is for: an LLVM CPU name (`znver3`, `skylake-avx512`, …) or an x86-64
  /// level (`x86-64`, `x86-64-v2`, `x86-64-v3` = AVX2, `x86-64-v4` = AVX-512); empty = the
  /// environment variable ODEC_CPU when set, else this machine. The chunk width and register
  /// blocking follow its vector registers. Code compiled here runs here, so a CPU whose
  /// features this machine lacks is refused (std::invalid_argument naming them).
  std::string cpu = "";
  /// Whether compiled machine code may be reused from, and is kept in, the on-disk cache
  /// ($ODEC_CACHE_DIR, else $XDG_CACHE_HOME/odec, else ~/.cache/odec): running the same model
  /// again then skips code generation. Entries carry their full key and a checksum; a corrupt
  /// or foreign one is ignored and rebuilt.
  bool cache = true;
  /// The batch the calls will mostly have, when known (0: unknown). Explicit tableaux compile
  /// the chunk width for it up front, other widths on the first call that needs them; unknown,
  /// the full width comes first. A single trajectory (batch 1) then compiles once, not twice.
  int64_t batch = 0;
};

/// A CPU that odec can compile for (`odec targets`; CompileOptions::cpu).
struct TargetInfo {
  std::string cpu;         // LLVM's name: a level such as "x86-64-v3", or the host's ("znver3")
  int vectorBytes = 0;     // one vector register: 16 (SSE), 32 (AVX2), 64 (AVX-512)
  int vectorRegisters = 0; // how many the code may use: 16, or 32 with AVX-512
  /// Instruction-set features it implies that this machine lacks; empty: its code runs here.
  std::vector<std::string> missingHere;
};

/// The target `cpu` names, as CompileOptions::cpu reads it ("" = $ODEC_CPU, else this machine;
/// "host"). Throws std::invalid_argument for a name LLVM does not know.
TargetInfo describeTarget(const std::string &cpu = "host");
/// The x86-64 levels whose code runs on this machine (x86-64-v2, -v3, -v4 as far as it goes).
std::vector<std::string> runnableLevels();
/// The directory of the on-disk cache of compiled code (CompileOptions::cache); empty when no
/// environment variable names one.
std::string compiledCodeCacheDirectory();

/// A loss over a batch of simulated trajectories and its gradient with respect to the
/// parameters and the initial states.
///
/// The loss is L = Σ_t w_t Σ_{b,d} (x_{b, s_t, d} − y_{b, t, d})² over T target steps s_t
/// (sorted ascending, 0 ≤ s_t ≤ steps, duplicates allowed) with targets y laid out
/// batch x T x stateDim. The mean squared error over all targets is w_t = 1/(T·batch·stateDim).
class LossGradient {
public:
  struct Result {
    double loss = 0;
    std::vector<double> gradParams; // paramCount() values, the parameter layout
    std::vector<double> gradX0;     // batch x stateDim
  };

  /// Caller-owned memory: traj (batch*(steps+1)*stateDim, filled with the forward solve),
  /// gradParams (paramCount, overwritten), gradX0 (batch*stateDim, overwritten). Returns L.
  double operator()(const double *params, const double *x0, int64_t batch, int64_t steps,
                    double h, int64_t numTargets, const int64_t *targetSteps,
                    const double *targetWeights, const double *targets, double *traj,
                    double *gradParams, double *gradX0) const;
  /// The mean squared error against `targets` at `targetSteps`, with every size checked.
  Result meanSquaredError(const std::vector<double> &params, const std::vector<double> &x0,
                          int64_t batch, int64_t steps, double h,
                          const std::vector<int64_t> &targetSteps,
                          const std::vector<double> &targets) const;
  /// The same for a non-autonomous model (Simulator::simulate's drive).
  double operator()(const double *params, const double *x0, int64_t batch, int64_t steps,
                    double h, int64_t numTargets, const int64_t *targetSteps,
                    const double *targetWeights, const double *targets, double *traj,
                    double *gradParams, double *gradX0, const Drive &drive) const;
  Result meanSquaredError(const std::vector<double> &params, const std::vector<double> &x0,
                          int64_t batch, int64_t steps, double h,
                          const std::vector<int64_t> &targetSteps,
                          const std::vector<double> &targets, const Drive &drive) const;

  const std::string &tableau() const;
  Adjoint adjoint() const;
  /// As Simulator::chunkLanes.
  int64_t chunkLanes(int64_t batch) const;

private:
  friend class Model;
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

/// The vector–Jacobian product of a solve: for a cotangent c of every returned state (the
/// trajectory layout, batch x (steps+1) x stateDim), the gradients of L = Σ c · trajectory with
/// respect to the parameters and the initial states — what the backward pass of any loss
/// written over the trajectory needs. Computed by the same discrete adjoint as LossGradient
/// (exact to rounding; the MSE gradient is this VJP with c = ∂MSE/∂trajectory): for an explicit
/// tableau one fused JIT-compiled function (forward solve, then the reverse sweep seeded by c
/// at every step), for an implicit one the implicit-function-theorem adjoint (double only).
/// Memory besides the trajectory is independent of steps. Thread-safe like Simulator.
class Vjp {
public:
  struct Result {
    std::vector<double> trajectory; // batch x (steps+1) x stateDim: the forward solve
    std::vector<double> gradParams; // paramCount() values, the parameter layout
    std::vector<double> gradX0;     // batch x stateDim
  };

  /// Caller-owned memory: cotangent and traj (batch*(steps+1)*stateDim each; traj is filled
  /// with the forward solve), gradParams (paramCount, overwritten), gradX0 (batch*stateDim,
  /// overwritten).
  void operator()(const double *params, const double *x0, int64_t batch, int64_t steps, double h,
                  const double *cotangent, double *traj, double *gradParams,
                  double *gradX0) const;
  /// The same with every size checked.
  Result operator()(const std::vector<double> &params, const std::vector<double> &x0,
                    int64_t batch, int64_t steps, double h,
                    const std::vector<double> &cotangent) const;
  /// The reverse sweep alone, on the trajectory `traj` of an earlier forward solve of the same
  /// params and x0 (Simulator::simulate of this model, tableau and precision, or a previous
  /// call): for a backward pass after a forward pass, a third cheaper than recomputing it.
  void fromTrajectory(const double *params, const double *x0, int64_t batch, int64_t steps,
                      double h, const double *cotangent, const double *traj, double *gradParams,
                      double *gradX0) const;
  /// The three for a non-autonomous model (Simulator::simulate's drive); the gradients are
  /// with respect to the parameters and x0, the drive held fixed.
  void operator()(const double *params, const double *x0, int64_t batch, int64_t steps, double h,
                  const double *cotangent, double *traj, double *gradParams, double *gradX0,
                  const Drive &drive) const;
  Result operator()(const std::vector<double> &params, const std::vector<double> &x0,
                    int64_t batch, int64_t steps, double h, const std::vector<double> &cotangent,
                    const Drive &drive) const;
  void fromTrajectory(const double *params, const double *x0, int64_t batch, int64_t steps,
                      double h, const double *cotangent, const double *traj, double *gradParams,
                      double *gradX0, const Drive &drive) const;

  /// A VJP split over two calls, as a training framework runs it (a forward pass, later its
  /// backward pass), that recomputes nothing between them: forwardWithTape solves into traj
  /// (Simulator::simulate's trajectory, to the bit) and keeps in `tape` what the reverse sweep
  /// reads of the last steps; fromTape is fromTrajectory on that traj, reading those steps from
  /// the tape (the same gradients, to the bit). The tape is caller memory of tapeBytes(batch)
  /// bytes, 64-byte aligned, untouched in between; 0 bytes (one-lane code, fields with large
  /// products: AdjointCodegen.h) means the code keeps none, and fromTape then recomputes.
  /// Same params, x0, batch, steps, h and drive in both calls. Explicit tableaux:
  /// forwardWithTape refuses an implicit one (std::invalid_argument).
  int64_t tapeBytes(int64_t batch) const;
  /// The last steps of a solve of this batch that the tape holds: a longer solve's backward
  /// pass recomputes its first steps (a solve the tape holds whole recomputes none).
  int64_t tapeSteps(int64_t batch) const;
  void forwardWithTape(const double *params, const double *x0, int64_t batch, int64_t steps,
                       double h, double *traj, double *tape, const Drive &drive = Drive{}) const;
  void fromTape(const double *params, const double *x0, int64_t batch, int64_t steps, double h,
                const double *cotangent, const double *traj, const double *tape,
                double *gradParams, double *gradX0, const Drive &drive = Drive{}) const;

  const std::string &tableau() const;
  bool isImplicit() const;
  /// As Simulator::chunkLanes.
  int64_t chunkLanes(int64_t batch) const;
  int64_t stateDim() const;
  int64_t paramCount() const;

private:
  friend class Model;
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

/// One trajectory's observations at times of its own: they need not lie on the solver's grid
/// of step h nor be uniform. The observed quantities are Model::observedColumns (the model's
/// `output` lines, or its state when it has none) at each time.
struct Observations {
  std::vector<double> times;  // K >= 1, finite, strictly increasing, after the solve's start
  std::vector<double> values; // K x observedDim, row-major; NaN: missing. Empty: predict only
};

/// Solves that stop exactly at observation times, and the loss of what they predict.
///
/// Trajectory b starts from x0_b at t0_b (Drive::t0; 0 without) and steps h until the step
/// that would cross its next observation time τ, which is shortened to end on τ; from τ it
/// steps h again. Each step is a full step of the tableau (of length ≤ h), so the method's
/// order holds and the gradient is the exact discrete adjoint of the computed solution. A
/// batch runs in lockstep: where trajectory b needs fewer steps than another to reach its k-th
/// observation, it takes steps of length zero (exact no-ops) after reaching it. The fused
/// code is that of the tableau for the field α·f, α = (step length)/h, read per stage like
/// the time (see docs/compiler.md); explicit tableaux only.
///
/// The loss is the mean of (predicted − observed)² over the observed values that are not NaN
/// (missing values are left out of the loss and of its count, never read as 0); gradients are
/// with respect to the parameters and x0, the drive and the times held fixed.
class ObservedSolver {
public:
  struct Prediction {
    std::vector<double> states;   // Σ_b K_b x stateDim: the state at each observation time
    std::vector<double> observed; // Σ_b K_b x observedDim: what the data observe there
    int64_t steps = 0;            // solver steps per trajectory, zero-length ones included
  };
  struct Result : Prediction {
    double loss = 0;                // Σ w (predicted − observed)² (loss(): w = 1/count)
    int64_t count = 0;              // observed (non-NaN) values
    std::vector<double> gradParams; // paramCount() values
    std::vector<double> gradX0;     // batch x stateDim
  };

  /// The observed quantities at every observation time of x0's trajectories (batch x stateDim;
  /// batch = obs.size()); values are unread. drive: t0 and, for a model with inputs, their
  /// samples, per trajectory (or one for all), as for Simulator::simulate.
  Prediction predict(const std::vector<double> &params, const std::vector<double> &x0,
                     double h, const std::vector<Observations> &obs,
                     const Drive &drive = {}) const;
  /// The mean squared error against the observed values and its exact gradient.
  Result loss(const std::vector<double> &params, const std::vector<double> &x0, double h,
              const std::vector<Observations> &obs, const Drive &drive = {}) const;
  /// The same with a given weight per observed value (loss: 1/count), for a mini-batch
  /// evaluated in pieces whose sums must add up to the batch's mean.
  Result weightedLoss(const std::vector<double> &params, const std::vector<double> &x0, double h,
                      const std::vector<Observations> &obs, const Drive &drive,
                      double weight) const;

  const std::string &tableau() const;

private:
  friend class AdaptiveSolver;
  friend class Model;
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

/// How an adaptive solve controls its error (AdaptiveSolver; `odec simulate --rtol …`).
struct AdaptiveSettings {
  double rtol = 1e-6;         // relative tolerance, > 0
  double atol = 1e-9;         // absolute tolerance, >= 0
  int64_t maxSteps = 100000;  // per trajectory, accepted and rejected steps together, >= 1
  double firstStep = 0;       // the first step size; 0: Hairer's selection per trajectory
  double beta = 0.04;         // the PI controller's gain on the previous error, in [0, 0.2]
                              // (Hairer's dopri5; 0: the I controller of torchdiffeq)
  bool stepToTimes = false;   // steps end on every output time instead of dense output
  /// AdaptiveSolver::loss's gradient: Discrete, the exact gradient of the computed solution
  /// through its accepted steps; Continuous, the adjoint ODE integrated backward with its own
  /// error control (as torchdiffeq's odeint_adjoint).
  Adjoint adjoint = Adjoint::Discrete;
};

/// Adaptive steps with an embedded pair (a tableau with bhat: DormandPrince5, Tsit5,
/// CashKarp45, Fehlberg45, BogackiShampine3, or a user's tableau block): one JIT-compiled
/// function runs the whole solve, each trajectory with its own step size. A step's error is
/// estimated from the difference of the pair's two solutions in Hairer's RMS norm with weights
/// atol + rtol·max(|x_n|, |x_{n+1}|); a step with error ≤ 1 is accepted, and the next step is
/// h·min(10, max(0.2, 0.9·err^(−α)·err_prev^β)) with α = 1/(q+1) − 0.75β (q the pair's lower
/// order; err_prev the previous accepted step's error, at least 1e-4): Hairer's PI controller;
/// after a rejection h·min(1, max(0.2, 0.9·err^(−α))). Steps end on the last output time; the
/// states at the other output times come from the dense output of the step that passed them
/// (the pair's continuous extension where its tableau has `dense`, as DormandPrince5 and Tsit5
/// do, else the cubic Hermite interpolant of the step's ends and slopes), or, with
/// stepToTimes, the step that would cross an output time is shortened to end on it. The first
/// slope is reused: an FSAL pair's last stage (of an autonomous model), else f(x_{n+1})
/// evaluated once per accepted step (which the Hermite output also reads). Driven models read
/// their inputs at the stage times (the host interpolates them while the compiled solve
/// steps). Double or float, LLVM path.
class AdaptiveSolver {
public:
  struct Result {
    std::vector<double> states;    // batch x times x stateDim; states at times[0] are x0
    std::vector<int64_t> accepted; // per trajectory
    std::vector<int64_t> rejected; // per trajectory
    /// Field evaluations over the batch, per trajectory 1 + (stages − 1) x (accepted +
    /// rejected), plus accepted for a pair that is not FSAL, plus the one of the first-step
    /// selection (its trial Euler step's slope) when it ran.
    int64_t nfe = 0;
  };

  /// Solves from x0 (batch x stateDim) at times[0] through the strictly increasing output times
  /// `times` (at least two, finite). Throws std::invalid_argument for bad sizes, times or
  /// settings, and std::runtime_error naming the trajectory and the time it reached when a
  /// solve takes more than maxSteps steps or its step size underflows (a stiff or blowing-up
  /// solution, or a field that is not finite there).
  /// A driven model (one that reads `t` or declares inputs) starts at times[0] too; `drive`
  /// gives its input samples (drive.inputs: one set for all or one per trajectory, covering
  /// [times[0], times.back()]; drive.t0 must be empty). The stages read the inputs at their
  /// own times, t_n + c_i h, through each input's interpolation.
  Result solve(const std::vector<double> &params, const std::vector<double> &x0,
               const std::vector<double> &times, const AdaptiveSettings &settings = {},
               const Drive &drive = {}) const;

  struct Loss : Result {
    double loss = 0;                // mean of (observed − value)² over the values not NaN
    int64_t count = 0;              // those values
    std::vector<double> gradParams; // paramCount()
    std::vector<double> gradX0;     // batch x stateDim
  };
  /// The solve, and the mean squared error of what the data observe (Model::observedColumns:
  /// the outputs, else the state) at times[1], times[2], … against `values` (batch x
  /// (times − 1) x observedDim(); NaN: missing, left out), with its exact gradient with respect
  /// to the parameters and x0 through the accepted steps, their sizes held fixed (the discrete
  /// adjoint of the computed solution, "discretize, then optimize": the step-size control
  /// is not differentiated). With settings.adjoint = Continuous instead ("optimize, then
  /// discretize", torchdiffeq's odeint_adjoint): the solve outputs by dense output, and the
  /// adjoint system [x, λ, θ̄]' = −[f, −λᵀ∂f/∂x, −λᵀ∂f/∂θ] (the field's symbolic VJP) is
  /// integrated backward from each observation time to the one before with the same pair and
  /// tolerances (the error norm over all of x, λ and θ̄), x restarted there from the forward
  /// solution and λ jumping by the loss's ∂L/∂x; its gradient approaches the discrete one as
  /// the tolerances shrink. Autonomous models observed in their states (no outputs).
  /// The discrete loss compares what solve() outputs with the same settings: the dense output
  /// between step ends, differentiated through the stages it weighs, or with stepToTimes the
  /// ends of steps shortened to the times. (A driven model with a held input steps to the
  /// times whatever the settings say when its pair's dense output weighs f(x_{n+1}), which
  /// such an input may make differ on the two sides of t_{n+1}: DormandPrince5, Tsit5, and
  /// the Hermite interpolant of the others.) The gradient is that of exactly the values
  /// compared; the accepted steps are replayed by the observation-time solver's fused
  /// discrete adjoint (ObservedSolver; its compile is made on the first call).
  Loss loss(const std::vector<double> &params, const std::vector<double> &x0,
            const std::vector<double> &times, const std::vector<double> &values,
            const AdaptiveSettings &settings = {}, const Drive &drive = {}) const;

  const std::string &tableau() const;

private:
  friend class Model;
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

/// What `Model::cppHeader` puts into the generated header.
struct CppExportOptions {
  std::vector<double> params; // baked-in parameter values (paramCount), or empty: zeros
  bool singlePrecision = false; // Real = float instead of double
  bool withMain = false;        // add main(): --step H --steps N --x0 a,b,... prints the CSV
  std::string sourceFile;       // named in the header comment
  std::string cpu = ""; // objectCode/buildSharedLibrary: the CPU (CompileOptions::cpu), any
};

/// A model's inverse modified differential equation for a tableau (`odec imde`): the field
/// f_h = f_0 + h f_1 + … + h^K f_K + O(h^{K+1}) whose step-h solution the tableau's method
/// reproduces (or, inverted, the field whose IMDE is the model's).
class Imde {
public:
  /// The highest order the series is implemented to.
  static int maxOrder();
  int order() const;
  /// The coefficients are exact rationals (a rational tableau).
  bool exact() const;
  /// f_k in elementary differentials ("1//2 f′f"), k = 0..order.
  const std::vector<std::string> &formulas() const;
  /// f_k as Julia code, k = 0..order.
  const std::vector<std::string> &julia() const;
  /// h^k f_k at the flat state x with the flat parameters, k = 0..order.
  /// std::invalid_argument for wrong sizes.
  std::vector<std::vector<double>> terms(const std::vector<double> &params,
                                         const std::vector<double> &x, double h) const;

private:
  friend class Model;
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

class Model {
public:
  const std::string &name() const;
  const std::vector<TensorInfo> &states() const;
  const std::vector<TensorInfo> &params() const;
  int64_t stateDim() const;
  int64_t paramCount() const;

  /// Column names of the flat state vector: `x[1]`, `x[2]`, `q[1]`, ...
  std::vector<std::string> stateColumns() const;
  /// The model reads neither the time `t` nor inputs: its solves take no Drive.
  bool autonomous() const;
  /// The `input` declarations (empty without), their total elements and their column names
  /// (`u[1]`, `u[2]`, ...: InputSamples::values's columns and the data files' input columns).
  const std::vector<TensorInfo> &inputs() const;
  int64_t inputDim() const;
  std::vector<std::string> inputColumns() const;
  /// What data observe (ObservedSolver, `odec train`): the `output` lines' columns (`y[1]`,
  /// ...) when the model has outputs, else the state's.
  std::vector<std::string> observedColumns() const;
  int64_t observedDim() const;
  /// The model declares `output` lines.
  bool hasOutputs() const;

  /// One draw of every parameter from its declared prior; the same seed gives bit-identical
  /// values everywhere.
  std::vector<double> sampleParams(uint64_t seed) const;
  /// Reads a parameter JSON file ({"W1": [[...], ...], "k": 1.5}); every parameter must be
  /// present with its exact shape and finite values.
  std::vector<double> loadParams(const std::string &path) const;
  std::vector<double> parseParams(const std::string &jsonText) const;
  /// The parameter JSON text for a flat vector.
  std::string paramsToJson(const std::vector<double> &params) const;

  /// Stability-informed initialization with the settings of the program's `init` block for
  /// this model (std::invalid_argument when there is none), drawing from `seed`: the same seed
  /// gives bit-identical parameters. Throws InitError when the constraint cannot be met.
  InitResult initialize(uint64_t seed) const;
  /// The settings of the program's init block for this model (to adjust before
  /// `initialize(seed, settings)`); throws std::invalid_argument when there is none.
  InitSettings initSettings() const;
  /// The init block's settings re-targeted to the solver and step that will train
  /// (`odec train --init stability`): the constraint's region follows the new tableau when
  /// it followed the block's solver. A block whose region is another tableau than its solver
  /// (`stability(Euler)` with `solver = RK4`) is re-targeted only to its own solver, a new
  /// step; otherwise std::invalid_argument, as for a step that is not positive and finite.
  InitSettings initSettings(const std::string &tableau, double step) const;
  /// The same with explicit settings (the init block, if any, is ignored).
  InitResult initialize(uint64_t seed, const InitSettings &settings) const;
  /// The eigenvalues λ of ∂f/∂x for `params` at each flat state of `points` (a driven model at
  /// the time and inputs of `inputs`, as InitSettings::operatingInputs); with no points, at
  /// the init block's operating points, or at the origin when there is no init block.
  std::vector<std::vector<std::complex<double>>>
  eigenvalues(const std::vector<double> &params,
              const std::vector<std::vector<double>> &points = {},
              const std::vector<std::vector<double>> &inputs = {}) const;
  /// The time scales observed data show: the eigenvalues of A in the least-squares linear fit
  /// dx/dt ≈ A x + c to the trajectories of `path` (the files `odec train --data` reads, sampled
  /// every multiple of `step`). Throws std::runtime_error (a file:line message) for a bad file
  /// and std::invalid_argument when the data do not determine the fit.
  std::vector<std::complex<double>> dataEigenvalues(const std::string &path, double step) const;
  /// The report of an initialization of this model; with `data` (dataEigenvalues of the
  /// training data) also the data's time scales and, when they disagree, a warning.
  InitReport initReport(const InitResult &r,
                        const std::vector<std::complex<double>> *data = nullptr) const;

  /// Trains the parameters on observed trajectories (`odec train`): the model's file is
  /// compiled once (this Model), the loss gradient JIT-compiled once for settings.tableau with
  /// this model's compile options. Throws std::invalid_argument for bad settings,
  /// std::runtime_error (a file:line message) for bad data, InitError when `init = stability`
  /// cannot be met. Divergence and an interruption are outcomes, not exceptions: the
  /// checkpoint and the results are saved either way.
  TrainResult train(const TrainSettings &settings, const TrainOutput &output = {}) const;

  /// JIT-compiles the solver for a tableau of the program (built-in or user-defined, explicit
  /// or implicit; see Simulator). Throws std::invalid_argument for an unknown tableau, or for
  /// an implicit one when a state is a matrix (Newton needs the state Jacobian).
  /// Explicit tableaux (here and in lossGradient) compile code for chunks of one vector
  /// register's worth of trajectories (8 doubles on AVX-512, 4 on AVX2, 2 on SSE; twice as many
  /// in float), or of two registers' worth when the field's largest matrix product has at least
  /// 1024 multiply-adds per trajectory; the first call with a smaller batch compiles, once,
  /// code for the power of two that fits it (1, 2, 4, …), which runs a single trajectory 2-3x
  /// faster. Results differ between the widths only in the order of a few sums (≤ 1e-14
  /// relative, tested).
  Simulator simulator(const std::string &tableau) const;
  /// JIT-compiles loss-and-gradient for a tableau (see LossGradient and Adjoint); the
  /// continuous adjoint rejects implicit tableaux with std::invalid_argument. The discrete
  /// adjoint of an explicit tableau is compiled with the forward solver it calls; the next
  /// `simulator` of this model for the same tableau and precision takes that solver instead
  /// of compiling one (so ask for the loss gradient first when you need both).
  LossGradient lossGradient(const std::string &tableau, Adjoint adjoint = Adjoint::Discrete) const;
  /// The same through a chosen code generator. CodePath::Cpp needs an explicit tableau and
  /// offers the discrete adjoint only (std::invalid_argument otherwise).
  Simulator simulator(const std::string &tableau, CodePath path) const;
  LossGradient lossGradient(const std::string &tableau, Adjoint adjoint, CodePath path) const;
  /// The same on the LLVM path in a chosen precision; Precision::Float needs an explicit
  /// tableau (std::invalid_argument otherwise).
  Simulator simulator(const std::string &tableau, Precision precision) const;
  LossGradient lossGradient(const std::string &tableau, Adjoint adjoint,
                            Precision precision) const;
  /// The same with every compile option (the overloads above are shorthands for these).
  Simulator simulator(const std::string &tableau, const CompileOptions &options) const;
  LossGradient lossGradient(const std::string &tableau, Adjoint adjoint,
                            const CompileOptions &options) const;
  /// JIT-compiles the vector–Jacobian product of a solve (see Vjp) for a tableau, with the
  /// forward solver it calls (kept for the next `simulator` of this tableau and precision, as
  /// for lossGradient). Precision::Float needs an explicit tableau (std::invalid_argument).
  Vjp vjp(const std::string &tableau, Precision precision = Precision::Double) const;
  /// The same with every compile option; CodePath::Cpp has no VJP (std::invalid_argument).
  Vjp vjp(const std::string &tableau, const CompileOptions &options) const;
  /// JIT-compiles solves to observation times and their loss gradient (ObservedSolver) for an
  /// explicit tableau (std::invalid_argument otherwise), LLVM path, double or float.
  ObservedSolver observedSolver(const std::string &tableau) const;
  ObservedSolver observedSolver(const std::string &tableau, const CompileOptions &options) const;
  /// JIT-compiles adaptive solves (AdaptiveSolver) for an embedded pair; std::invalid_argument
  /// for a tableau without bhat, an implicit one, a driven model or CodePath::Cpp.
  AdaptiveSolver adaptiveSolver(const std::string &tableau) const;
  AdaptiveSolver adaptiveSolver(const std::string &tableau, const CompileOptions &options) const;

  /// The vector field, printed in Julia syntax after lowering (`ddt(x) = ...`).
  std::string fieldToString() const;
  /// The symbolic derivatives odec generates, in Julia syntax (`odec derive`): what =
  /// "field", "jacobian" (∂f/∂x), "vjp" (λᵀ∂f/∂x, λᵀ∂f/∂θ) or "jvp". std::invalid_argument for
  /// another name.
  std::string derivatives(const std::string &what) const;
  /// The IMDE of the field for `tableau` to `order`, or with `invert` the field whose IMDE is
  /// this one. std::invalid_argument for an unknown tableau or an order the series lacks.
  Imde imde(const std::string &tableau, int order, bool invert = false) const;
  /// The optimized LLVM IR of the fused solver (or, with adjoint, of the fused forward +
  /// discrete adjoint) for an explicit tableau, for `cpu` (as CompileOptions::cpu, but any CPU
  /// is allowed: the code is not run).
  std::string llvmIR(const std::string &tableau, bool adjoint = false,
                     const std::string &cpu = "") const;
  /// One self-contained C++17 header (standard library only) with the parameters, the field,
  /// its Jacobian, the fused solver and the discrete adjoint for an explicit tableau, in a
  /// namespace named after the model (`odec emit-cpp`; codegen/CppEmitter.h lists its API).
  std::string cppHeader(const std::string &tableau, const CppExportOptions &options = {}) const;

  /// `odec build`: cppHeader(tableau, options) plus an extern "C" adapter, compiled by
  /// in-process Clang for options.cpu (default: this machine) into a relocatable ELF object (returned as its bytes).
  /// With N = cSymbolPrefix() (`odec_<model>_`, e.g. `odec_Spiral_`) it defines, in double
  /// whatever options.singlePrecision says (a float build converts at the boundary):
  ///   void    Nsimulate(params, x0, out, batch, steps, h)   // Simulator::simulate's contract
  ///   double  Nloss_grad(params, x0, batch, steps, h, numTargets, targetSteps,
  ///                      targetWeights, targets, traj, gradParams, gradX0) // LossGradient's
  ///   void    Ndefault_params(double *out)  // the baked-in parameters (paramCount values)
  ///   int64_t Nstate_dim(void), Nparam_count(void)
  /// The object needs only libm and libc.
  std::string objectCode(const std::string &tableau, const CppExportOptions &options = {}) const;
  /// objectCode linked into the shared library `path` by the system linker `ld`.
  void buildSharedLibrary(const std::string &path, const std::string &tableau,
                          const CppExportOptions &options = {}) const;
  /// The prefix of objectCode's symbols: `odec_` + the model's C++ identifier + `_`.
  std::string cSymbolPrefix() const;

private:
  friend class Program;
  friend class Imde;
  friend class Simulator;
  friend class LossGradient;
  friend class Vjp;
  friend class ObservedSolver;
  friend class AdaptiveSolver;
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

/// A tableau of a program analysed (Program::tableau, `odec tableau`): its order, stability
/// function and stability region.
struct TableauInfo {
  std::string name;
  int stages = 0;          // field evaluations per step
  int order = 0;           // the order its coefficients satisfy (checked up to 6)
  bool isExplicit = false; // strictly lower-triangular A: the fused solvers; else Newton
  std::string text;        // the report `odec tableau` prints, a few aligned lines
  std::string json;        // the object of `odec tableau --json`
};

/// What Program::stabilityPlot draws besides the regions, and where (`odec stability`).
struct StabilityPlotSettings {
  /// The window's real and imaginary ranges (lo < hi); unset: one that shows every region's
  /// interesting part and, grown by a margin, every point.
  std::optional<std::pair<double, double>> real, imag;
  int grid = 320; // grid cells along the longer axis, 8..2000
  /// Points z = hλ drawn as markers (a model's eigenvalues times the step).
  std::vector<std::complex<double>> points;
};

/// What `odec check` reports of one file: its diagnostics and, on request, an intermediate
/// form. Unlike Program::fromFile, errors in the source do not throw: they are in the report.
struct CheckReport {
  bool ok = false;         // no errors
  std::string diagnostics; // every error and warning, formatted with source lines and carets
  std::string emitted;     // the requested form (empty when none, or "ir" of a file with errors)
};
class Program {
public:
  /// `odec check`: the report on one file, errors included rather than thrown. `emit`: "" /
  /// "none", "tokens", "ast" or "ir" (each model's field as SSA). Throws std::runtime_error
  /// when the file cannot be read, std::invalid_argument for another emit.
  static CheckReport check(const std::string &path, const std::string &emit = "");
  /// Parses and checks a .node file. Throws CompileError on any error, std::runtime_error
  /// when the file cannot be read.
  static Program fromFile(const std::string &path);
  /// Parses and checks .node text; `name` is used in diagnostics.
  static Program fromString(const std::string &text, const std::string &name = "<string>");

  std::vector<std::string> modelNames() const;
  /// Tableaux available to this program: the built-in prelude's and the file's own.
  std::vector<std::string> tableauNames() const;
  /// One of them analysed; std::invalid_argument for an unknown name. (The prelude's alone:
  /// Program::fromString("").)
  TableauInfo tableau(const std::string &name) const;
  /// An SVG picture of the stability regions {z : |R(z)| ≤ 1} of these tableaux (one filled,
  /// outlined region each, with axes and legend; an embedded pair's second method, bhat, is
  /// drawn beside it as "NAME (embedded)"). std::invalid_argument for an unknown
  /// tableau, no tableaux, an empty or inverted window or a grid outside 8..2000.
  std::string stabilityPlot(const std::vector<std::string> &tableaux,
                            const StabilityPlotSettings &settings = {}) const;
  /// A model by name; "" picks the only model (an error if there are several or none).
  Model model(const std::string &name = "") const;
  /// The same, with the options that the model's compiles use when the call names none:
  /// simulator(tableau), lossGradient(tableau, adjoint), the overloads that set only a precision
  /// or a code path (which keep defaults' cpu and cache), initialize and eigenvalues (their
  /// Jacobian). `odec --cpu X` passes its target this way.
  Model model(const std::string &name, const CompileOptions &defaults) const;
  /// Warnings produced while checking, formatted (empty when none).
  std::string warnings() const;

private:
  explicit Program(std::shared_ptr<const Compilation> comp) : comp_(std::move(comp)) {}
  static Program checked(std::shared_ptr<const Compilation> comp);
  std::shared_ptr<const Compilation> comp_;
};

} // namespace odec
