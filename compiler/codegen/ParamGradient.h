// The parameter gradient θ̄ of the fused discrete adjoint (codegen/AdjointCodegen.h): the sum,
// over every stage of every step of the reverse sweep, of J_θ(X_i)ᵀ k̄_i, kept per lane.
//
// Each parameter's VJP is split into its summands. A summand that is a product of two
// varying factors (θ̄_W = λ hᵀ for every product W·h in the field) is deferred: each live
// stage stores its two factors as one slot of Ā = [A_1 … A_L] (columns) and B̄ = [B_1; …; B_L]
// (rows), and θ̄_W += Ā·B̄ runs every kDeferredSlots slots, after whole steps (RK4: every step;
// Euler: every 4 steps; one-lane code: every step). Adding each stage's product as it came read
// and wrote all of θ̄_W (one <W x real> per element) per stage, and materialized the product
// first; deferred, θ̄_W is read and written once per flush with several fused multiply-adds per
// element in between (docs/performance.md, section 10). With several lanes and large products,
// the flush sums over the lanes as it adds (codegen/LaneSumProduct.h): θ̄_W is then one
// uniform copy, not one per lane (section 12); so is a summand that is a product's column
// factor (a bias's λ beside λ hᵀ), summed from that product's slots. Every other summand (a
// product with a constant factor, which would be copied into the slots at every stage) is
// added at its stage, per lane. Lanes past the batch add nothing.
#pragma once

#include "autodiff/FieldVjp.h"
#include "codegen/ExprEvaluator.h"

#include <functional>
#include <unordered_set>
#include <utility>
#include <vector>

namespace odec::codegen {

class ParamGradient {
public:
  /// A node's values at every stage of the step, row i stage i's (RungeKuttaStep::stageRows),
  /// or a null tensor.
  using StageRows = std::function<Tensor(const ir::Node &)>;

  /// thetaBar: varying, the parameters' layout, cleared by the caller. varyingInputs: the
  /// states and cotangents. liveStages of the tableau's `stages` run their VJP in each step.
  /// stageRows, when given, may spare copying a factor into the slots. Emits, at the builder's
  /// position, the clearing of its own accumulators.
  ParamGradient(TensorEmitter &te, const ir::ModelIR &model, const ad::FieldVjp &vjp,
                const std::unordered_set<const ir::Node *> &varyingInputs,
                const Tensor &thetaBar, int64_t liveStages, int64_t stages,
                StageRows stageRows = {});

  /// What a stage's VJP pass must evaluate for θ̄ (besides the state VJPs).
  const std::vector<ir::Expr> &roots() const { return roots_; }

  /// Before each chunk's reverse sweep of `steps` steps.
  void beginSweep(llvm::Value *steps);
  /// A stage's contribution: `values` from its VJP pass (roots() among them), the stage (an
  /// i64) the liveStage-th live one of reverse step i (all counted from 0). inBatch: the
  /// chunk's lanes.
  void addStage(const TensorMap &values, llvm::Value *inBatch, llvm::Value *i,
                llvm::Value *liveStage, llvm::Value *stage);
  /// After the stages of reverse step i of `steps`: adds the deferred products when due.
  void endStep(llvm::Value *i, llvm::Value *steps);
  /// After every sweep: θ̄ of parameter element p (an i64), summed over the lanes, as a double.
  llvm::Value *total(llvm::Value *p);

private:
  struct Deferred {
    ir::Expr a, b; // the factors' sources (a transposed vector is read as its argument)
    Tensor acc;    // θ̄_W's part of θ̄, or of summed_ (several lanes)
    Tensor slotsA, slotsB;
    Tensor aRows;   // Āᵀ where the VJP pass keeps it (stage slots), or null
    Tensor bRows;   // B̄ where the recomputation keeps it (stage slots), or null
    int64_t inner;  // A's columns
    int64_t offset; // its parameter's first element
  };

  void flush();
  /// Zeros the slots (when a flush spans several steps) where `condition` (an i1) holds.
  void clearSlotsIf(llvm::Value *condition);
  void clear(const Tensor &t);

  TensorEmitter &te_;
  Tensor thetaBar_, summed_; // summed_: the deferred products' lane sums (several lanes)
  int64_t liveStages_, stepsPerFlush_;
  StageRows stageRows_;
  bool stageSlots_ = false; // slot j holds stage j (else: the live stages of the flush's steps)
  llvm::Value *lanes_ = nullptr; // the chunk's lanes, for the flush
  std::vector<Deferred> deferred_;
  struct Immediate {
    ir::Expr term;
    Tensor acc;     // its part of θ̄
    int64_t offset; // its parameter's first element
  };
  std::vector<Immediate> immediate_;
  /// Summands summed from a deferred product's Ā (by index) into their part of summed_.
  std::vector<std::pair<size_t, Tensor>> rowSums_;
  Tensor ones_; // a column of ones, one per slot: Ā·1 sums Ā's slots
  std::vector<ir::Expr> roots_;
};

} // namespace odec::codegen
