#include "codegen/ExprEvaluator.h"

#include "syntax/Diagnostics.h"

namespace odec::codegen {

ExprEvaluator::ExprEvaluator(TensorEmitter &te, const std::vector<ir::Expr> &roots,
                             const TensorMap &uniformInputs,
                             const std::unordered_set<const ir::Node *> &varyingInputs,
                             const std::string &owner)
    : te_(te) {
  std::unordered_set<const ir::Node *> varying;
  for (const ir::Node *n : ir::topologicalOrder(roots)) {
    if (n->is(ir::Op::Variable)) {
      if (varyingInputs.count(n)) {
        varying.insert(n);
      } else if (auto it = uniformInputs.find(n); it != uniformInputs.end()) {
        uniform_[n] = it->second;
      } else {
        throw InternalError("codegen: variable '" + n->name + "' is not an input of " + owner);
      }
      continue;
    }
    bool v = false;
    for (const ir::Expr &a : n->args)
      v = v || varying.count(a.get());
    if (v) {
      varying.insert(n);
      continue;
    }
    std::vector<Tensor> args;
    for (const ir::Expr &a : n->args)
      args.push_back(uniform_.at(a.get()));
    uniform_[n] = te_.emit(*n, args);
  }
}

TensorMap ExprEvaluator::evaluate(const std::vector<ir::Expr> &roots,
                                  const TensorMap &varyingInputs) {
  TensorMap memo = uniform_;
  for (const auto &[var, t] : varyingInputs)
    memo[var] = t;
  for (const ir::Node *n : ir::topologicalOrder(roots)) {
    if (memo.count(n))
      continue;
    internalCheck(!n->is(ir::Op::Variable), "ExprEvaluator: a varying input is not bound");
    std::vector<Tensor> args;
    for (const ir::Expr &a : n->args)
      args.push_back(memo.at(a.get()));
    memo[n] = te_.emit(*n, args);
  }
  return memo;
}

} // namespace odec::codegen
