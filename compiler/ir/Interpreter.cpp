#include "ir/Interpreter.h"

#include "ir/OpTable.h"
#include "support/InternalError.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>

namespace odec::ir {

double evalUnary(Op op, double x) {
  internalCheck(opInfo(op).category == OpCategory::Unary, "evalUnary: not a unary op");
  ScalarMath m;
  return elementwiseValue(m, op, x, x);
}

double evalBinary(Op op, double a, double b) {
  internalCheck(opInfo(op).category == OpCategory::Binary, "evalBinary: not a binary op");
  ScalarMath m;
  return elementwiseValue(m, op, a, b);
}

namespace {

using Values = std::vector<double>;

Values evalNode(const Node &n, const std::vector<const Values *> &a, const VariableValues &vars) {
  const int R = n.shape.rows, C = n.shape.cols;
  Values out(size_t(n.shape.size()), 0.0);
  switch (opInfo(n.op).category) {
  case OpCategory::Leaf:
    if (n.op == Op::Constant)
      return n.values;
    out = vars(n);
    internalCheck(int64_t(out.size()) == n.shape.size(), "evaluate: variable value has wrong size");
    return out;
  case OpCategory::Unary:
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = evalUnary(n.op, (*a[0])[i]);
    return out;
  case OpCategory::Binary:
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = evalBinary(n.op, (*a[0])[i], (*a[1])[i]);
    return out;
  case OpCategory::Structural: break;
  }
  const Shape &s0 = n.args[0]->shape;
  switch (n.op) {
  case Op::MatMul: {
    const int K = s0.cols;
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < C; ++c) {
        double acc = 0;
        for (int k = 0; k < K; ++k)
          acc += (*a[0])[size_t(r) * K + k] * (*a[1])[size_t(k) * C + c];
        out[size_t(r) * C + c] = acc;
      }
    return out;
  }
  case Op::Transpose:
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < C; ++c)
        out[size_t(r) * C + c] = (*a[0])[size_t(c) * s0.cols + r];
    return out;
  case Op::Broadcast:
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < C; ++c)
        out[size_t(r) * C + c] =
            (*a[0])[size_t(s0.rows == 1 ? 0 : r) * s0.cols + (s0.cols == 1 ? 0 : c)];
    return out;
  case Op::SumTo:
    for (int r = 0; r < s0.rows; ++r)
      for (int c = 0; c < s0.cols; ++c)
        out[size_t(R == 1 ? 0 : r) * C + (C == 1 ? 0 : c)] += (*a[0])[size_t(r) * s0.cols + c];
    return out;
  case Op::Slice:
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < C; ++c)
        out[size_t(r) * C + c] = (*a[0])[size_t(n.attr0 + r) * s0.cols + n.attr1 + c];
    return out;
  case Op::Concat: {
    int offset = 0; // rows (axis 0) or columns (axis 1) already filled
    for (size_t p = 0; p < n.args.size(); ++p) {
      const Shape &ps = n.args[p]->shape;
      for (int r = 0; r < ps.rows; ++r)
        for (int c = 0; c < ps.cols; ++c) {
          size_t dst = n.attr0 == 0 ? size_t(offset + r) * C + c : size_t(r) * C + offset + c;
          out[dst] = (*a[p])[size_t(r) * ps.cols + c];
        }
      offset += n.attr0 == 0 ? ps.rows : ps.cols;
    }
    return out;
  }
  default: throw InternalError(std::string("evaluate: unhandled op ") + opInfo(n.op).name);
  }
}

/// Every node reachable from roots, each evaluated once.
std::unordered_map<const Node *, Values> evaluateAll(const std::vector<Expr> &roots,
                                                     const VariableValues &vars) {
  std::unordered_map<const Node *, Values> memo;
  for (const Node *n : topologicalOrder(roots)) {
    std::vector<const Values *> args;
    for (const Expr &a : n->args)
      args.push_back(&memo.at(a.get()));
    memo[n] = evalNode(*n, args, vars);
  }
  return memo;
}

} // namespace

std::vector<double> evaluate(const Expr &e, const VariableValues &vars) {
  return evaluateAll({e}, vars).at(e.get());
}

std::vector<std::vector<double>> evaluate(const Function &f,
                                          const std::vector<std::vector<double>> &inputs) {
  internalCheck(inputs.size() == f.inputs.size(), "evaluate: wrong number of inputs");
  std::unordered_map<const Node *, const std::vector<double> *> bound;
  for (size_t i = 0; i < inputs.size(); ++i)
    bound[f.inputs[i].get()] = &inputs[i];
  VariableValues vars = [&](const Node &v) {
    auto it = bound.find(&v);
    if (it == bound.end())
      throw InternalError("evaluate: variable '" + v.name + "' is not an input of " + f.name);
    return *it->second;
  };
  // One traversal for all outputs: nodes shared between outputs are evaluated once.
  auto memo = evaluateAll(f.outputs, vars);
  std::vector<std::vector<double>> out;
  for (const Expr &o : f.outputs)
    out.push_back(memo.at(o.get()));
  return out;
}

} // namespace odec::ir
