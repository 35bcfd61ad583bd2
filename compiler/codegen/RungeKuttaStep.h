// One step of an explicit Runge–Kutta method on a chunk's state, as LLVM IR: the stage
// states X_i = X + h Σ_{j<i} a_ij K_j, the slopes K_i = f(X_i) (the field inlined through an
// ExprEvaluator) and the update X + h Σ_i b_i K_i. Shared by the forward solver and by the
// adjoint, which recomputes a step's stages from its stored state.
//
// The stages are either straight-line code, one copy of the field per stage with the
// tableau's coefficients as constants (zero coefficients generate no code), or "rolled": one
// loop over the stages, one copy of the field, the coefficients read from a table. Rolled
// stages cut the machine code, and with it JIT time, by about the stage count, and cost run
// time: 2–4 % on the benchmark MLPs (docs/performance.md, section 11). Stage indices are i64
// values: constants in straight-line code, the loop's counter when rolled. Both forms compute
// every stage state and slope with the same roundings (for finite values).
#pragma once

#include "codegen/ExprEvaluator.h"
#include "ir/Model.h"
#include "tableau/ButcherTableau.h"

#include <functional>
#include <vector>

namespace odec::codegen {

/// dst[d] = base[d] + scale * Σ_j coef[j] * terms[j][d] for d < dst's size, with base = 0
/// when null; zero coefficients are skipped. Everything varying; scale is a <W x real>.
void emitCombination(llvm::IRBuilder<> &b, TensorEmitter &te, const Tensor &dst, const Tensor *base,
                     llvm::Value *scale, const std::vector<double> &coef,
                     const std::vector<Tensor> &terms);
/// The same with coefficients computed at run time (varying values; null: skipped).
void emitCombination(llvm::IRBuilder<> &b, TensorEmitter &te, const Tensor &dst, const Tensor *base,
                     llvm::Value *scale, const std::vector<llvm::Value *> &coef,
                     const std::vector<Tensor> &terms);

/// The same for `count` terms chosen at run time, the j-th (an i64) being coef(j) · term(j):
/// sum (dst's shape) holds the running sum. Each element's arithmetic is emitCombination's.
void emitCombination(llvm::IRBuilder<> &b, TensorEmitter &te, const Tensor &dst, const Tensor *base,
                     llvm::Value *scale, const Tensor &sum, llvm::Value *count,
                     const std::function<llvm::Value *(llvm::Value *j)> &coef,
                     const std::function<Tensor(llvm::Value *j)> &term);

/// Fields up to this many IR nodes times stages are copied into each stage (straight-line
/// code); larger ones run their stages as a loop over one copy of the field. A chain of 1 000
/// `tanh` bindings, copied into RK4's four stages, is one basic block of ~130 000 instructions,
/// and LLVM's instruction selection, machine CSE and register allocation grow faster than
/// linearly in a block's length: `odec simulate` of such a chain took 6.0 s straight-line and
/// 1.2 s rolled, 4 000 bindings 32 s and 6.5 s (docs/performance.md, section 16). W1–W3 and
/// the examples' fields have at most 28 nodes, so their code is unchanged.
constexpr size_t kMaxStraightLineNodes = 1000;

/// Whether a solver for this field and tableau rolls its stages for the field's size alone
/// (kMaxStraightLineNodes); callers may roll smaller fields for reasons of their own.
bool stagesTooLargeForStraightLine(const ir::ModelIR &model, const ButcherTableau &tableau);

class RungeKuttaStep {
public:
  /// field evaluates model.ddt with the states as its varying inputs.
  RungeKuttaStep(llvm::IRBuilder<> &b, TensorEmitter &te, ExprEvaluator &field,
                 const ir::ModelIR &model, const ButcherTableau &tableau, bool rolled);

  /// Whether the stages run as a loop (batch-vectorized code).
  bool rolled() const { return rolled_; }
  /// Rolled stages may keep the stage states, and the field values their VJP reads directly,
  /// of several steps: `slots` copies of them (the adjoint's tape), of which setSlot picks the
  /// one that emitRecomputation writes and stageState, fieldValues and
  /// stageRows read. One slot unless set, before anything is emitted.
  /// With `relocate`, the slots' storage (stage states and kept values) is where it maps each
  /// buffer (TensorEmitter::relocateScope), so that it may hold more slots than `slots`: the
  /// tape of every chunk of a batch, in memory the caller keeps between two calls.
  void setSlots(int64_t slots, TensorEmitter::Relocation relocate = {});
  /// The slot (an i64 below the slot count, or within the relocated storage) of the step
  /// emitted next.
  void setSlot(llvm::Value *slot) { slot_ = slot; }
  /// Elements of one slot per stage: the stage state and every field value that `uses` read
  /// directly (an upper bound: uniform ones are not kept).
  static int64_t slotElements(const ir::ModelIR &model, const std::vector<ir::Expr> &uses);
  /// The first storage scope (TensorEmitter::setStorageScope) of the values emitRecomputation
  /// keeps (rolled: that one and the next, the slots'; straight-line: one per stage); from
  /// keptScope() + stages + 1 on, scopes are free for the caller.
  int keptScope() const { return keptScope_; }
  /// body(i) for every stage index i of `indices` in order: a loop reading the index from a
  /// table when rolled, else straight-line with constant indices.
  void forEachStage(const std::vector<int> &indices,
                    const std::function<void(llvm::Value *position, llvm::Value *stage)> &body);

  /// The stage states of the step from X and their slopes. h is a <W x real>. With
  /// firstSlopeKnown (straight-line only) the caller has put f(X) into slope(0): an adaptive
  /// solve carries it from the step before (FSAL, or a rejected step's retry).
  void emitStages(const Tensor &X, llvm::Value *h, bool firstSlopeKnown = false);
  /// Stage i's slope from the last emitStages (a view of D elements).
  Tensor slope(int i);
  /// K = f(X) with the first stage's exogenous values.
  void emitSlope(const Tensor &X, const Tensor &K);
  /// X = X + h Σ_i b_i K_i, after emitStages(X, h).
  void emitUpdate(const Tensor &X, llvm::Value *h);
  /// dst = base + h Σ_i w_i K_i (base = 0 when null) with the slopes of the last emitStages:
  /// an embedded pair's second solution, or its error estimate (w = b − bhat).
  void emitWeighted(const Tensor &dst, const Tensor *base, llvm::Value *h,
                    const std::vector<double> &weights);
  /// The adjoint's recomputation of a step: every stage state, the slopes of all stages but
  /// the last (which only the step's update needs), and the field values of each stage that
  /// the expressions `uses` (its VJP) share with the field, kept in storage of the stage's own
  /// (fieldValues). Straight-line, the last stage keeps none.
  /// With lastSlope (an i1; rolled stages only), the last stage's slope too where it holds:
  /// then a forward step that keeps what a recomputation keeps (the adjoint's taped sweep).
  void emitRecomputation(const Tensor &X, llvm::Value *h, const std::vector<ir::Expr> &uses,
                         llvm::Value *lastSlope = nullptr);

  /// Every stage's exogenous values of the current step, as emitRecomputation loads them: for
  /// a step whose stage values come from a slot.
  void loadExogenousRows();

  /// The state of stage i (straight-line: X itself for a stage with no earlier slopes).
  Tensor stageState(llvm::Value *i);
  /// Stage i's kept field values from emitRecomputation, with the field's states bound to the
  /// stage's state: where its VJP pass starts (from the states alone for a straight-line last
  /// stage).
  TensorMap fieldValues(llvm::Value *i);
  /// n's values at every stage as one varying s × size(n) tensor, row i stage i's, from
  /// rolled stages: a field value the recomputation keeps, or the state Variable of a
  /// one-state model (the stage states). Null otherwise (straight-line stages, other nodes).
  Tensor stageRows(const ir::Node &n);
  /// The field's state Variables bound to views of the flat state X, and its exogenous ones
  /// (t, inputs) to stage i's values (loaded by emitStages).
  TensorMap bindStage(const Tensor &X, llvm::Value *i);
  /// For a non-autonomous model: how stage `stage` (an i64) of the current step loads its
  /// exogenous values into dst (ModelIR::exoDim() varying elements). The caller's loader knows
  /// the step. Must be set before emitStages.
  void setExogenousLoader(std::function<void(const Tensor &dst, llvm::Value *stage)> load) {
    loadExo_ = std::move(load);
  }
  /// A table of the tableau's coefficients (any rows × cols values) as a uniform tensor.
  Tensor table(const std::vector<double> &values);

private:
  /// Stage i's exogenous values into its row (for a non-autonomous model).
  void loadExogenous(llvm::Value *i);
  /// K = f(X), the ddt of every state packed into the flat K, from the states or from values
  /// already computed (`known`); returns every node's value.
  TensorMap emitField(const TensorMap &known, const Tensor &K);
  /// uses: null, or what a VJP pass will evaluate (the field values it shares are kept).
  /// lastSlope: an i1, a constant in straight-line stages.
  void emitStages(const Tensor &X, llvm::Value *h, llvm::Value *lastSlope,
                  const std::vector<ir::Expr> *uses, bool firstSlopeKnown);
  /// Stage i's kept value of n: in the current slot, or in the stage's copy; null if none.
  Tensor keptValue(const ir::Node &n, llvm::Value *i);
  Tensor row(const Tensor &all, llvm::Value *i);
  /// Stage i's copy in the current slot (rolled).
  llvm::Value *slotCopy(llvm::Value *i);
  /// The stage states of every slot (allocated at first use: setSlots may change their size).
  const Tensor &stageStates();

  llvm::IRBuilder<> &b_;
  TensorEmitter &te_;
  ExprEvaluator &field_;
  const ir::ModelIR &model_;
  const ButcherTableau &tableau_;
  bool rolled_;
  Tensor K_, sum_;           // s rows of D: slopes; one row: scratch (rolled)
  Tensor stageX_;           // slots × s rows of D: stage states (stageStates())
  int64_t slots_ = 1;
  TensorEmitter::Relocation relocate_; // of the slots' storage (setSlots)
  llvm::Value *slot_ = nullptr; // the current slot (null: slot 0)
  Tensor A_;                // the tableau's A, s × s (rolled)
  Tensor exoRows_;          // s rows of exoDim(): each stage's exogenous values
  std::function<void(const Tensor &, llvm::Value *)> loadExo_;
  std::vector<Tensor> straightState_; // straight-line: each stage's state (X or its row)
  std::vector<TensorMap> kept_; // straight-line: each stage's values; rolled: the loop body's
  int keptScope_ = 0;           // the storage scope of the kept values (the first, straight-line)
};

} // namespace odec::codegen
