#include "ir/IR.h"

#include "support/InternalError.h"

#include <unordered_set>

namespace odec::ir {

const OpInfo &opInfo(Op op) {
  // Indexed by Op; the static_assert below keeps the table in step with the enum.
  static const OpInfo table[] = {
      {"const", OpCategory::Leaf, ""},
      {"var", OpCategory::Leaf, ""},
      {"neg", OpCategory::Unary, "-"},
      {"exp", OpCategory::Unary, "exp"},
      {"log", OpCategory::Unary, "log"},
      {"sin", OpCategory::Unary, "sin"},
      {"cos", OpCategory::Unary, "cos"},
      {"tanh", OpCategory::Unary, "tanh"},
      {"sigmoid", OpCategory::Unary, "sigmoid"},
      {"relu", OpCategory::Unary, "relu"},
      {"softplus", OpCategory::Unary, "softplus"},
      {"sqrt", OpCategory::Unary, "sqrt"},
      {"abs", OpCategory::Unary, "abs"},
      {"sign", OpCategory::Unary, "sign"},
      {"heaviside", OpCategory::Unary, "heaviside"},
      {"add", OpCategory::Binary, "+"},
      {"sub", OpCategory::Binary, "-"},
      {"mul", OpCategory::Binary, "*"},
      {"div", OpCategory::Binary, "/"},
      {"pow", OpCategory::Binary, "^"},
      {"max", OpCategory::Binary, "max"},
      {"min", OpCategory::Binary, "min"},
      {"matmul", OpCategory::Structural, "*"},
      {"transpose", OpCategory::Structural, "'"},
      {"broadcast", OpCategory::Structural, ""},
      {"sumto", OpCategory::Structural, "sum"},
      {"slice", OpCategory::Structural, ""},
      {"concat", OpCategory::Structural, ""},
  };
  static_assert(sizeof(table) / sizeof(table[0]) == size_t(Op::Concat) + 1,
                "opInfo table out of step with enum Op");
  return table[size_t(op)];
}

bool Node::isConstantValue(double v) const {
  if (op != Op::Constant)
    return false;
  for (double x : values)
    if (x != v)
      return false;
  return true;
}

Node::Node(Init &&init)
    : op(init.op), shape(init.shape), args(std::move(init.args)), values(std::move(init.values)),
      name(std::move(init.name)), role(init.role), index(init.index), attr0(init.attr0),
      attr1(init.attr1) {}

Expr Node::make(Init init) { return Expr(new Node(std::move(init))); }

std::vector<const Node *> topologicalOrder(const std::vector<Expr> &roots) {
  // Iterative post-order: models with long chains of bindings must not overflow the stack.
  std::vector<const Node *> order;
  std::unordered_set<const Node *> done;
  std::vector<std::pair<const Node *, size_t>> stack;
  for (const Expr &root : roots) {
    if (!root || done.count(root.get()))
      continue;
    stack.push_back({root.get(), 0});
    while (!stack.empty()) {
      auto &[node, next] = stack.back();
      if (next < node->args.size()) {
        const Node *arg = node->args[next++].get();
        if (!done.count(arg))
          stack.push_back({arg, 0});
        continue;
      }
      if (done.insert(node).second)
        order.push_back(node);
      stack.pop_back();
    }
  }
  return order;
}

} // namespace odec::ir
