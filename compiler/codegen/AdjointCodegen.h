// The fused discrete adjoint as one LLVM function per (model, explicit tableau): a forward
// solve that stores every step state, the squared-error loss against targets at chosen steps,
// and the loss's exact gradient by reverse sweep through the steps and their stages.
//
//   double name(const double *params, const double *x0, int64_t batch, int64_t steps,
//               double h, int64_t numTargets, const int64_t *targetSteps,
//               const double *targetWeights, const double *targets, double *traj,
//               double *gradParams, double *gradX0)       (the ABI of jit::LossGradFn)
//
// Shape of the generated code:
//   prologue: uniform nodes of the field and of its VJP, once.
//   for each chunk of W trajectories (tail lanes masked as in the forward solver):
//     forward: a call of the forward solver (`forward`, the module's emitSimulator function)
//       on the chunk's trajectories, storing x_n into traj.
//     λ = ∂L/∂x_N;  for n = N-1 .. 0:
//       X = x_n (from traj); recompute the stage states X_i and the slopes they need;
//       keep the field values the VJP reads (tanh.(W1*x .+ b1) of an MLP) per stage;
//       for i = s-1 .. 0 (a loop over a table of live stages when the stages are rolled,
//       codegen/RungeKuttaStep.h):
//                          k̄_i = h (b_i λ + Σ_{j>i} a_ji X̄_j)
//                          X̄_i = J_x(X_i)ᵀ k̄_i,  θ̄ += J_θ(X_i)ᵀ k̄_i   (one memoized pass
//                          over the VJP, which starts from the recomputed stage's field values;
//                          the summands of θ̄ that are products, λ hᵀ for a weight matrix, only
//                          store their factors here: codegen/ParamGradient.h)
//       every few steps: θ̄ += the stored products, in one pass over θ̄
//       λ = λ + Σ_i X̄_i + ∂L/∂x_n
//     gradX0 rows = λ
//   gradParams = Σ over lanes of θ̄ (one accumulator per lane, summed in lane order at the end:
//   the result does not depend on thread scheduling and only on W through that order).
// The vector–Jacobian product of the solve (emitVjp) is the same sweep with another seed: λ
// at step n gains the given cotangent of x_n instead of the squared error's gradient, and
// there is no loss:
//
//   void name(const double *params, const double *x0, int64_t batch, int64_t steps,
//             double h, const double *cotangent, double *traj, double *gradParams,
//             double *gradX0, int64_t mode, const double *exo, double *tape)
//                                                        (the ABI of jit::VjpFn)
//
// mode (VjpMode, support/SolverAbi.h): the whole VJP; the reverse sweep on a trajectory that traj
// already holds (the forward call is skipped); or the two halves of the taped VJP below in two
// calls, the tape in the caller's memory in between.
//
// The tape. An adjoint emitted without a forward solver beside it (`forward` null: what
// training compiles) in batch code (rolled stages) solves forward itself and keeps, for the
// last K steps, every stage's state and the field values its VJP reads: those steps are not
// recomputed in the reverse sweep. K fills kTapeBytes (the ode_demo MLP 2-50-2: 18 steps of 8
// lanes, so a window of 9 steps is never recomputed; W2: 4 of 100). Both sweeps run as one loop
// over forward steps, then reverse steps, so that the field's code is emitted once, as in the
// adjoint that recomputes (JIT time); its forward arithmetic is the forward solver's, so traj
// and the gradients are what the recomputing adjoint gives, to the bit. One-lane code, and an
// adjoint beside a forward solver (a pair of callables, or a VJP handed its trajectory, which
// has no forward sweep to keep), recompute every step. A VJP alone can split the two sweeps
// over two calls (a forward pass, then the backward pass of a training framework): with
// kVjpTapeForward the forward sweep keeps its slots in the caller's `tape` (every chunk's, at
// the bytes per chunk the global vjpTapeSymbol(name) holds, with the steps the tape keeps; 0:
// no tape), and kVjpFromTape runs the reverse sweep from them.
//
// The VJP expressions come from ad::vjp(field, cotangent Variables (role Cotangent), wrt =
// states and parameters). Memory besides traj is O(s·D + P) per chunk and the tape (about
// kTapeBytes per call, or per chunk in a caller's tape), independent of N.
// In Float code (codegen/Precision.h) all of this runs in float, the buffers stay double, and
// the per-lane sums of θ̄ and of the loss are widened to double before they are added up.
#pragma once

#include "codegen/MachineModel.h"
#include "codegen/Precision.h"
#include "ir/Model.h"
#include "tableau/ButcherTableau.h"

#include <llvm/IR/Function.h>
#include <llvm/IR/Module.h>

#include <string>

namespace odec::codegen {

/// Bytes of stage values the forward sweep keeps per call for the reverse sweep (the tape):
/// the last steps' that fit; a quarter to an eighth of the level-2 cache of current x86-64
/// cores, so that the tape is read back from it (docs/performance.md, section 22).
constexpr int64_t kTapeBytes = 256 * 1024;

/// Fields with a larger matrix product (multiply-adds per trajectory) keep no tape: their
/// steps are dominated by products, which the tape's forward sweep computes less well than the
/// forward solver (W2, 32-128-32: 15–20 % slower with a tape of 3 to 12 of its 100 steps).
constexpr int64_t kTapeMaxProduct = 1024;

/// Adds the loss-and-gradient function to m. Throws std::invalid_argument for an implicit
/// tableau and InternalError for a malformed model.
/// forward: the forward solver of the same model, tableau, width, precision and machine in m,
/// which the forward sweep calls (it is marked noinline: one copy of its body); or null: batch
/// code then solves forward in its own sweep, keeping a tape, and one-lane code adds a forward
/// solver of its own (internal, `name`.forward). A module that holds both callables shares the
/// forward solver's code; an adjoint alone is faster to compile and to run.
llvm::Function *emitLossGrad(llvm::Module &m, const ir::ModelIR &model,
                             const ButcherTableau &tableau, int width, Precision precision,
                             const MachineModel &machine, const std::string &name,
                             llvm::Function *forward);

/// The global of a VJP's module that holds its tape's size: two i64, the bytes per chunk of W
/// trajectories and the last steps it keeps (0 and 0: no tape).
inline std::string vjpTapeSymbol(const std::string &vjpName) { return vjpName + ".tape"; }

/// Adds the vector–Jacobian product of the solve to m: the same sweep seeded by a cotangent of
/// every step state (B x (N+1) x D, the traj layout). Errors and `forward` as for emitLossGrad.
llvm::Function *emitVjp(llvm::Module &m, const ir::ModelIR &model, const ButcherTableau &tableau,
                        int width, Precision precision, const MachineModel &machine,
                        const std::string &name, llvm::Function *forward);

} // namespace odec::codegen
