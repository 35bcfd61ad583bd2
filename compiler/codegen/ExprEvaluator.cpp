#include "codegen/ExprEvaluator.h"

#include "support/InternalError.h"

#include <algorithm>

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
  std::vector<const ir::Node *> pass; // what this pass computes, in order
  std::unordered_map<const ir::Node *, std::vector<const ir::Node *>> users;
  for (const ir::Node *n : ir::topologicalOrder(roots)) {
    if (memo.count(n))
      continue;
    internalCheck(!n->is(ir::Op::Variable), "ExprEvaluator: a varying input is not bound");
    pass.push_back(n);
    for (const ir::Expr &a : n->args)
      users[a.get()].push_back(n);
  }
  std::unordered_set<const ir::Node *> requested;
  for (const ir::Expr &r : roots)
    requested.insert(r.get());
  auto fused = [&](const ir::Node *n) {
    auto it = users.find(n);
    return TensorEmitter::isFusable(*n) && !requested.count(n) && it != users.end() &&
           it->second.size() == 1 && TensorEmitter::isFusable(*it->second[0]);
  };
  // A product used once, by an Add that is computed on its own, is computed by that Add:
  // W·x + b as the product's loops, b added as they store (TensorEmitter::emitProductPlus).
  std::unordered_map<const ir::Node *, const ir::Node *> productOf; // Add → its product
  for (const ir::Node *n : pass) {
    if (!n->is(ir::Op::Add) || fused(n))
      continue;
    for (int k = 0; k < 2; ++k) {
      const ir::Node *m = n->args[size_t(k)].get(), *other = n->args[size_t(1 - k)].get();
      if (m->is(ir::Op::MatMul) && users.at(m).size() == 1 && !requested.count(m) &&
          other->shape == n->shape && (memo.count(other) || !fused(other))) {
        productOf[n] = m;
        break;
      }
    }
  }
  std::unordered_set<const ir::Node *> absorbed;
  for (const auto &[add, product] : productOf)
    absorbed.insert(product);
  for (const ir::Node *n : pass) {
    if (fused(n) || absorbed.count(n))
      continue; // computed in its user's loop
    if (auto it = productOf.find(n); it != productOf.end()) {
      const ir::Node *m = it->second;
      const ir::Node *other = n->args[0].get() == m ? n->args[1].get() : n->args[0].get();
      memo[n] = te_.emitProductPlus(*n, memo.at(m->args[0].get()), memo.at(m->args[1].get()),
                                    memo.at(other));
      continue;
    }
    if (std::any_of(n->args.begin(), n->args.end(),
                    [&](const ir::Expr &a) { return !memo.count(a.get()); })) {
      memo[n] = te_.emitFused(*n, memo);
      continue;
    }
    std::vector<Tensor> args;
    for (const ir::Expr &a : n->args)
      args.push_back(memo.at(a.get()));
    memo[n] = te_.emit(*n, args);
  }
  return memo;
}

} // namespace odec::codegen
