// Evaluation of a set of IR expressions inside generated code, shared by every kernel odec
// emits (fused solvers, the discrete adjoint, point functions).
//
// Inputs are Variable nodes of two kinds: uniform ones (parameters: bound once, to tensors
// of doubles) and varying ones (states, cotangents: bound anew at every pass, to tensors of
// <W x double>). A node is varying when it depends on a varying input. The constructor emits
// every uniform node once, at the builder's insertion point (the prologue); evaluate() then
// emits the varying nodes that some roots need, each once per pass, memoized on node identity
// so that subterms shared between roots (the forward values a VJP reuses) are computed once.
// An elementwise node that is no root and has one user in the pass, itself elementwise, is
// computed inside its user's loop (TensorEmitter::emitFused) and is not stored: the VJP's
// λ ⊙ (1 − t²) is one pass over the hidden layer, not three. Likewise a product used once, by
// an Add, is computed with it (W·x + b: the product's loops add b as they store).
// Neither changes a rounding.
#pragma once

#include "codegen/TensorEmitter.h"

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace odec::codegen {

class ExprEvaluator {
public:
  /// roots: every expression any pass will evaluate. uniformInputs: tensors of the uniform
  /// Variables. varyingInputs: the Variables each pass binds. A Variable reachable from the
  /// roots that is in neither is an InternalError naming `owner` (a model or function).
  ExprEvaluator(TensorEmitter &te, const std::vector<ir::Expr> &roots,
                const TensorMap &uniformInputs,
                const std::unordered_set<const ir::Node *> &varyingInputs,
                const std::string &owner);

  /// Values of roots (and of everything they depend on but fused nodes) with the varying
  /// inputs bound as given. Values live in per-node storage: the next pass overwrites them.
  TensorMap evaluate(const std::vector<ir::Expr> &roots, const TensorMap &varyingInputs);

  /// The prologue's values (every uniform node).
  const TensorMap &uniformValues() const { return uniform_; }

private:
  TensorEmitter &te_;
  TensorMap uniform_;
};

} // namespace odec::codegen
