// The fused adaptive solver: an embedded Runge–Kutta pair (tableau with bhat) with error
// control, as one LLVM function per (model, tableau).
//
//   void name(const double *params, const double *x0, double *out, int64_t batch,
//             const double *times, int64_t count, const double *h0,
//             const double *control, double *stats,
//             double *steps, int64_t capacity,
//             jit::ExogenousFn exogenous, void *context,
//             const double *breaks, int64_t breakStride)  (the ABI of jit::AdaptiveFn)
//
//   times:   count ≥ 1 output times shared by the batch, strictly increasing; times[0] = t0.
//   out:     batch x count x D, the state of each trajectory at each output time (out[., 0] = x0).
//   h0:      batch first step sizes (> 0, or 0: Hairer's selection).
//   control: rtol, atol, max steps per trajectory (accepted + rejected), safety, min factor,
//            max factor, β, step to times (0 or 1), record states (0 or 1) (AdaptiveControl in
//            jit/Jit.h names them).
//   stats:   batch x 5: accepted steps, rejected steps, status (0 done, 1 max steps reached,
//            2 the step size underflowed, 3 it underflowed with an error estimate that is not a
//            number: the field is not finite there), the time reached and the last step tried.
//   steps:   batch x capacity: the lengths of each trajectory's first `capacity` accepted
//            steps in order, negated for a step that ended on an output time (the last, or with
//            step to times any) (capacity 0: nothing recorded; steps may then be null). With
//            record states, batch x capacity x (1 + D): each length followed by the state the
//            step reached.
//   exogenous, context: for a model that reads the time or inputs, the host function that
//            gives a stage's exogenous values (t, then the inputs) at the stage's time t + c_i h,
//            called with `context` for the W lanes of a chunk (null for an autonomous model).
//   breaks:  batch x breakStride: each trajectory's times inside (t0, t_end) where its inputs
//            jump or kink, increasing, then +inf (at least one): steps end on them.
//
// Every lane steps on its own (one step size per trajectory): a lane whose step is rejected
// retries with a smaller one while the others go on. The batch streams through one chunk of W
// lanes: a lane whose trajectory is done takes the next one not yet started (its x0, f(x0) and
// first step), so that trajectories of few steps do not leave lanes idle while their chunk's
// slowest steps on; past the batch's last trajectory a lane is masked off (its steps have
// length 0 and change nothing). Which lane steps a trajectory changes none of its arithmetic.
// h0 = 0 picks a trajectory's first step by Hairer's selection (Hairer, Nørsett, Wanner I,
// II.4), from x0, f(x0) and one more field evaluation. Steps end on the last
// output time (never beyond it) and the states at earlier output times come from the dense
// output of the accepted step that passed them (SolverPlan::dense: the pair's own extension, or
// the cubic Hermite interpolant); with step to times, a step that would cross the next output
// time is shortened to end on it instead, so every output is a state the method computed. The
// first slope f(x_n) is carried from step to step: an FSAL pair's last stage (of an autonomous
// model: a driven one reads a held input's jump at t_{n+1} from the left in that stage), or
// f(x_{n+1}) computed once after an accepted step, and kept after a rejection. The error of a step is
//   err = sqrt(mean_d (h Σ_i (b_i − bhat_i) K_id / (atol + rtol max(|x_d|, |x_new,d|)))²)
// (Hairer's RMS norm), the step is accepted when err ≤ 1, and the next step size is (Hairer's
// PI controller of dopri5; β = 0: the classic I controller)
//   h · min(maxFactor, max(minFactor, safety · err^(−α) · err_prev^β)),  α = 1/(q+1) − 0.75 β,
// after an accepted step (err_prev: the last accepted step's error, at least 1e-4, initially
// 1e-4), and h · min(1, max(minFactor, safety · err^(−α))) after a rejection; q the lower order
// of the pair (Hairer, Nørsett, Wanner I, II.4; Gustafsson's PI control).
#pragma once

#include "codegen/MachineModel.h"
#include "codegen/Precision.h"
#include "ir/Model.h"
#include "tableau/ButcherTableau.h"

#include <string>

namespace llvm {
class Function;
class Module;
} // namespace llvm

// Declared without LLVM's headers: the driver checks a pair with requireAdaptive.
namespace odec::codegen {

/// Throws std::invalid_argument for a tableau without embedded weights or an implicit one.
void requireAdaptive(const ir::ModelIR &model, const ButcherTableau &tableau);

/// Adds the adaptive solver to m (requireAdaptive first).
llvm::Function *emitAdaptiveSimulator(llvm::Module &m, const ir::ModelIR &model,
                                      const ButcherTableau &tableau, int width,
                                      Precision precision, const MachineModel &machine,
                                      const std::string &name);

/// The exponent's q: the lower of the orders of b and bhat.
int embeddedErrorOrder(const ButcherTableau &tableau);

} // namespace odec::codegen
