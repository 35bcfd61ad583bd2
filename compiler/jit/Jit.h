// JIT compilation of fused Runge–Kutta solvers, of their discrete adjoints and of point
// evaluations of IR functions. The one public face of LLVM in odec: this header includes no
// LLVM headers, so the driver and the tools build without them.
//
// compileSimulator generates one LLVM function per (model, tableau) (see
// codegen/SimulatorCodegen.h for its shape), optimizes it for the host CPU and JIT-compiles it
// through ORC's LLJIT; compileLossGrad (codegen/AdjointCodegen.h) and compileFunction
// (codegen/FunctionCodegen.h) do the same for their functions. Every generated function is
// reentrant: its working state lives in its own stack frame, or in heap buffers it allocates
// on entry and frees on return (large tensors), so one compiled object may be called from
// several threads at once.
#pragma once

#include "codegen/Precision.h"
#include "ir/Model.h"
#include "support/SolverAbi.h"
#include "tableau/ButcherTableau.h"

#include <cstdint>
#include <memory>
#include <string>

namespace odec::jit {

/// ABI of a fused forward solver: N steps of an explicit RK method over a batch of B
/// trajectories. params: flat parameter vector (ModelIR::params concatenated, each row-major);
/// x0: B x D row-major (D = ModelIR::stateDim(), states concatenated in declaration order);
/// out: B x (N+1) x D row-major, out[(b*(N+1) + n)*D + d]; out[b][0] = x0[b]; exo: the
/// exogenous values of every stage (LossGradArgs::exo), null for an autonomous model.
using SimulateFn = void (*)(const double *params, const double *x0, double *out, int64_t batch,
                            int64_t steps, double h, const double *exo);

/// Wall-clock seconds spent in each phase of compiling (bench/jit_latency.cpp reads them).
struct CompilePhaseTimes {
  double emit = 0;        // generating and verifying LLVM IR (the adjoint's VJP included)
  double optimize = 0;    // LLVM's pass pipeline
  double jitSetup = 0;    // target machine and JIT objects
  double machineCode = 0; // instruction selection, object emission and linking (ORC)
  int parts = 0;          // machine-code objects generated (a module split for threads: 2)
};

using codegen::Precision;

struct CompileOptions {
  int optLevel = 2;    // 0..3, LLVM's -O levels
  int vectorWidth = 8; // W: trajectories per SIMD chunk of double code, a <W x double> each
                       // (defaultOptions: one vector register's worth for the target, or two)
  CompilePhaseTimes *phaseTimes = nullptr; // when set, each compile adds its phases' times
  /// The arithmetic of the fused solvers and the discrete adjoint (compileFunction is always
  /// double). The ABI stays double; Float code converts on load and store, and its chunks hold
  /// 2W trajectories (see lanesPerChunk), so a chunk fills the same registers.
  Precision precision = Precision::Double;
  /// The CPU the code is for (jit/Target.h): an LLVM CPU name or an x86-64 level; "" = the
  /// environment's ODEC_CPU, else this machine. Code that runs here (compile*) must be for a CPU
  /// whose features this machine has (std::invalid_argument otherwise); code that is only
  /// written out (emit*LLVM, emitSolversObject) may be for any.
  std::string cpu = "";
  /// The target triple of code that is only written out; "" = this machine's.
  std::string triple = "";
  /// Whether JIT-compiled code may come from, and goes to, the on-disk cache (jit/ObjectCache.h).
  bool cache = true;
  /// At most how many parts a JIT-compiled module is split into, each optimized and compiled on
  /// a thread of its own (a forward solver beside its adjoint; 1 = never split). The code
  /// computes the same bits either way.
  int parts = 2;
};

/// How many LLVM modules this process has JIT-compiled or loaded from the cache (every compile*
/// call is one): for tests that check that code is shared, not compiled twice.
int64_t modulesCompiled();

/// Trajectories per SIMD chunk of the code compiled with `options`: vectorWidth for double,
/// twice that for float (half the bytes per lane). A batch split into slices of whole chunks
/// (as `odec bench --threads` does) runs no partial chunk except the last.
inline int lanesPerChunk(const CompileOptions &options) {
  return options.precision == Precision::Float ? 2 * options.vectorWidth : options.vectorWidth;
}

/// Multiply-adds per trajectory of a field's largest matrix product from which defaultOptions
/// gives the model two registers' worth of trajectories per chunk.
constexpr int64_t kWideChunkMultiplyAdds = 1024;

/// The options that suit the model on the target `cpu` (CompileOptions::cpu): vectorWidth = the
/// doubles of one of the target's vector registers (8 for AVX-512, 4 for AVX2, 2 for SSE), twice
/// that (two registers per state element) when the field's largest matrix product has at least
/// kWideChunkMultiplyAdds multiply-adds per trajectory. In batch-vectorized code every weight of a product is
/// broadcast from memory, and for a large product those broadcasts bound the loop; with two
/// registers per element each broadcast feeds two fused multiply-adds (W2's forward solver
/// 10 % faster). The adjoint's time is within ±2 % either way, and twice the vector width costs
/// 15–30 % more JIT time, which a small field would pay for nothing (docs/performance.md,
/// section 11).
CompileOptions defaultOptions(const ir::ModelIR &model, Precision precision = Precision::Double,
                              const std::string &cpu = "");

/// `full` narrowed for a batch size known before compiling: the chunk holds the smallest power
/// of two ≥ min(batch, full's chunk) trajectories, so a small batch (B = 1) runs narrow vectors
/// instead of mostly idle full-width ones (docs/performance.md, section 7).
inline CompileOptions optionsForBatch(const CompileOptions &full, int64_t batch) {
  CompileOptions options = full;
  const int lanes = lanesPerChunk(full), perWidth = lanes / full.vectorWidth;
  int chunk = perWidth; // float code holds two trajectories per unit of vectorWidth
  while (chunk < lanes && chunk < batch)
    chunk *= 2;
  options.vectorWidth = chunk / perWidth;
  return options;
}

/// A JIT-compiled simulator. Owns the JIT (and with it the machine code); non-copyable.
class CompiledSimulator {
public:
  virtual ~CompiledSimulator() = default;
  CompiledSimulator(const CompiledSimulator &) = delete;
  CompiledSimulator &operator=(const CompiledSimulator &) = delete;

  SimulateFn function() const { return fn_; }

protected:
  explicit CompiledSimulator(SimulateFn fn) : fn_(fn) {}

private:
  SimulateFn fn_;
};

/// Throws odec::InternalError (Diagnostics.h) on a verifier failure, std::invalid_argument with a
/// clear message for an implicit tableau ("tableau 'X' is implicit; the fused solvers need an
/// explicit tableau (strictly lower-triangular A)").
std::unique_ptr<CompiledSimulator> compileSimulator(const ir::ModelIR &model,
                                                    const ButcherTableau &tableau,
                                                    const CompileOptions &options = {});

/// The optimized LLVM IR text of the same function (for `odec emit-llvm`).
std::string emitSimulatorLLVM(const ir::ModelIR &model, const ButcherTableau &tableau,
                              const CompileOptions &options = {});

// ---------------------------------------------------------------------------------------
// Adaptive steps (codegen/AdaptiveCodegen.h).

/// The control values of an adaptive solve, in the order of the function's `control` buffer.
struct AdaptiveControl {
  double rtol = 1e-6, atol = 1e-9;
  double maxSteps = 100000; // per trajectory, accepted and rejected together
  double safety = 0.9, minFactor = 0.2, maxFactor = 10;
  double beta = 0.04;      // the PI controller's gain on the previous error (0: I controller)
  double stepToTimes = 0;  // 1: steps end on every output time (no dense output)
  double recordStates = 0; // 1: each recorded step's length is followed by its end state
                           // (the LLVM path only; the emitted C++ reads the first eight)
};

/// A driven model's exogenous values for an adaptive solve's stage, lane by lane: for each of the
/// `lanes` lanes whose mask is nonzero, those of trajectory traj[l] at times[l] (t, then the
/// inputs; a held input from the left when `left`) into out[e·lanes + l]. Must not throw.
using ExogenousFn = void (*)(void *context, const double *times, const int64_t *traj,
                             const double *mask, int64_t lanes, int64_t left, double *out);

using AdaptiveFn = void (*)(const double *params, const double *x0, double *out, int64_t batch,
                            const double *times, int64_t count, const double *h0,
                            const double *control, double *stats, double *steps,
                            int64_t capacity, ExogenousFn exogenous, void *context,
                            const double *breaks, int64_t breakStride);

/// A JIT-compiled adaptive solver. Owns the JIT; non-copyable.
class CompiledAdaptive {
public:
  virtual ~CompiledAdaptive() = default;
  CompiledAdaptive(const CompiledAdaptive &) = delete;
  CompiledAdaptive &operator=(const CompiledAdaptive &) = delete;

  AdaptiveFn function() const { return fn_; }

protected:
  explicit CompiledAdaptive(AdaptiveFn fn) : fn_(fn) {}

private:
  AdaptiveFn fn_;
};

/// Errors as for compileSimulator, and std::invalid_argument for a tableau without bhat.
std::unique_ptr<CompiledAdaptive> compileAdaptive(const ir::ModelIR &model,
                                                  const ButcherTableau &tableau,
                                                  const CompileOptions &options = {});

// ---------------------------------------------------------------------------------------
// Point evaluation of an IR function.

/// ABI of a compiled ir::Function: inputs = the Function's inputs concatenated in order (each
/// row-major), outputs likewise (each output row-major, in order).
using PointFn = void (*)(const double *inputs, double *outputs);

class CompiledFunction {
public:
  virtual ~CompiledFunction() = default;
  CompiledFunction(const CompiledFunction &) = delete;
  CompiledFunction &operator=(const CompiledFunction &) = delete;

  PointFn function() const { return fn_; }
  int64_t inputSize() const { return inputSize_; }   // elements of `inputs`
  int64_t outputSize() const { return outputSize_; } // elements of `outputs`

protected:
  CompiledFunction(PointFn fn, int64_t inputSize, int64_t outputSize)
      : fn_(fn), inputSize_(inputSize), outputSize_(outputSize) {}

private:
  PointFn fn_;
  int64_t inputSize_, outputSize_;
};

/// Variables of every role may be inputs; an output that uses a Variable missing from
/// f.inputs is an InternalError. (options.vectorWidth is irrelevant here.)
std::unique_ptr<CompiledFunction> compileFunction(const ir::Function &f,
                                                  const CompileOptions &options = {});

// ---------------------------------------------------------------------------------------
// Exact gradients through the solve.

/// The discrete adjoint's contract is odec::LossGradArgs's (support/SolverAbi.h): the
/// gradient is that of the computed discrete loss, to rounding (what finite differences of
/// simulate approach); memory besides traj is O(s·D + P) per SIMD chunk, independent of N
/// (stage values are recomputed from the stored step states, never stored).
using odec::LossGradArgs;
using odec::LossGradFn;

/// A loss-and-gradient evaluator with the LossGradArgs contract: the compiled discrete adjoint,
/// the host-composed continuous one, or the implicit tableaux' one. Returns L.
class LossGradient {
public:
  virtual ~LossGradient() = default;
  LossGradient(const LossGradient &) = delete;
  LossGradient &operator=(const LossGradient &) = delete;

  virtual double operator()(const LossGradArgs &args) const = 0;

protected:
  LossGradient() = default;
};

/// The JIT-compiled discrete adjoint: one LLVM function (codegen/AdjointCodegen.h).
class CompiledLossGrad : public LossGradient {
public:
  LossGradFn function() const { return fn_; }
  double operator()(const LossGradArgs &args) const override { return call(fn_, args); }

protected:
  explicit CompiledLossGrad(LossGradFn fn) : fn_(fn) {}

private:
  LossGradFn fn_;
};

/// The discrete adjoint alone (what training needs): batch code solves forward in its own
/// sweep, keeping a tape (codegen/AdjointCodegen.h); one-lane code brings the forward solver it
/// calls. Errors as for compileSimulator.
std::unique_ptr<CompiledLossGrad> compileLossGrad(const ir::ModelIR &model,
                                                  const ButcherTableau &tableau,
                                                  const CompileOptions &options = {});

/// The forward solver and the discrete adjoint of one (model, tableau), compiled as one module
/// (two callables for the price of one JIT set-up). The adjoint's trajectory is the forward
/// solver's to the bit.
struct CompiledSolvers {
  std::unique_ptr<CompiledSimulator> simulator;
  std::unique_ptr<CompiledLossGrad> lossGrad;
};

/// Errors as for compileSimulator.
CompiledSolvers compileSolvers(const ir::ModelIR &model, const ButcherTableau &tableau,
                               const CompileOptions &options = {});

/// The optimized LLVM IR text of compileLossGrad's module (for `odec emit-llvm --adjoint`).
std::string emitLossGradLLVM(const ir::ModelIR &model, const ButcherTableau &tableau,
                             const CompileOptions &options = {});

/// The module of compileSolvers (forward solver and discrete adjoint) as a relocatable object
/// file for options' target, which need not be this machine (options.triple, options.cpu):
/// the bytes of an ELF (or the target's) object, ready for a linker.
std::string emitSolversObject(const ir::ModelIR &model, const ButcherTableau &tableau,
                              const CompileOptions &options = {});

/// The continuous adjoint's augmented field, with states [x..., λ..., θ̄...] in that order
/// (λ_k shaped like state k, named "lambda_<x>"; θ̄_p shaped like parameter p, matrices
/// included, named "<p>_bar") and the model's parameters:
///   ẋ = f(x, θ),   λ̇ = −J_x(x, θ)ᵀ λ,   θ̄̇ = −J_θ(x, θ)ᵀ λ.
ir::ModelIR continuousAdjointModel(const ir::ModelIR &model);

/// The continuous adjoint, with the LossGradArgs contract: traj and L come from the forward
/// solve as in the discrete adjoint; then the augmented state [x_N, ∂L/∂x_N, 0] is integrated
/// from t_N back to 0 with the same tableau and step −h (compileSimulator on
/// continuousAdjointModel, composed on the host segment by segment), λ jumping by ∂L/∂x_n at
/// each target step; gradX0 = λ(0), gradParams = Σ_b θ̄_b(0).
///
/// How it differs from the discrete adjoint: it is a discretization of the gradient of the
/// continuous problem, so it is O(h^p) away from the exact gradient of the loss that was
/// computed (p = the tableau's order), not equal to it to rounding. x is re-integrated backward
/// from x_N rather than read from traj, which amplifies errors for dissipative fields (their
/// backward flow is expanding) and can be unstable. It stores only the state of the current
/// segment (memory O(B·(2D+P)) besides traj), at the cost of one extra field evaluation per
/// stage for x and of integrating θ̄ per trajectory.
std::unique_ptr<LossGradient> compileContinuousAdjoint(const ir::ModelIR &model,
                                                       const ButcherTableau &tableau,
                                                       const CompileOptions &options = {});

// ---------------------------------------------------------------------------------------
// The vector–Jacobian product of a solve.

/// The VJP of a solve: VjpFn (support/SolverAbi.h).
using odec::VjpFn;

/// A VJP evaluator with the VjpFn contract: the compiled one or the implicit tableaux' one.
class Vjp {
public:
  virtual ~Vjp() = default;
  Vjp(const Vjp &) = delete;
  Vjp &operator=(const Vjp &) = delete;

  virtual void operator()(const double *params, const double *x0, int64_t batch, int64_t steps,
                          double h, const double *cotangent, double *traj, double *gradParams,
                          double *gradX0, VjpMode mode, const double *exo,
                          double *tape = nullptr) const = 0;
  /// Bytes of the tape kVjpTapeForward keeps for this batch (0: the code keeps none).
  virtual int64_t tapeBytes(int64_t /*batch*/) const { return 0; }
  /// The last steps of a solve that tape holds (the reverse sweep recomputes the others).
  virtual int64_t tapeSteps(int64_t /*batch*/) const { return 0; }

protected:
  Vjp() = default;
};

class CompiledVjp : public Vjp {
public:
  VjpFn function() const { return fn_; }
  void operator()(const double *params, const double *x0, int64_t batch, int64_t steps, double h,
                  const double *cotangent, double *traj, double *gradParams, double *gradX0,
                  VjpMode mode, const double *exo, double *tape) const override {
    fn_(params, x0, batch, steps, h, cotangent, traj, gradParams, gradX0, mode, exo, tape);
  }
  int64_t tapeBytes(int64_t batch) const override {
    return (batch + lanes_ - 1) / lanes_ * tapeBytesPerChunk_;
  }
  int64_t tapeSteps(int64_t) const override { return tapeSteps_; }
  /// Trajectories per chunk (the code's vector width).
  int64_t lanes() const { return lanes_; }

protected:
  CompiledVjp(VjpFn fn, int64_t lanes, int64_t tapeBytesPerChunk, int64_t tapeSteps)
      : fn_(fn), lanes_(lanes), tapeBytesPerChunk_(tapeBytesPerChunk), tapeSteps_(tapeSteps) {}

private:
  VjpFn fn_;
  int64_t lanes_, tapeBytesPerChunk_, tapeSteps_;
};

/// The forward solver and the VJP of one (model, tableau) in one module, as CompiledSolvers.
struct CompiledVjpSolvers {
  std::unique_ptr<CompiledSimulator> simulator;
  std::unique_ptr<CompiledVjp> vjp;
};

/// Errors as for compileSimulator.
CompiledVjpSolvers compileVjp(const ir::ModelIR &model, const ButcherTableau &tableau,
                              const CompileOptions &options = {});

/// The VJP alone (the host API's Vjp): batch code solves forward in its own sweep and keeps a
/// tape, which it can hand to the caller between a forward and a backward call (VjpMode);
/// one-lane code brings the forward solver it calls. Errors as for compileSimulator.
std::unique_ptr<CompiledVjp> compileVjpAlone(const ir::ModelIR &model,
                                             const ButcherTableau &tableau,
                                             const CompileOptions &options = {});

} // namespace odec::jit
