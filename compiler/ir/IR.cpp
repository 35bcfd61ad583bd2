#include "ir/IR.h"

#include "support/InternalError.h"

#include <unordered_set>

namespace odec::ir {

const OpInfo &opInfo(Op op) {
  // Indexed by Op; the static_assert below keeps the table in step with the enum.
#define ODEC_UNARY_ROW(Name, ir, julia, builtin, lo, hi, second)                                 \
  {ir, OpCategory::Unary, julia, builtin, lo, hi, second},
#define ODEC_BINARY_ROW(Name, ir, julia, builtin, lo, hi, second)                                \
  {ir, OpCategory::Binary, julia, builtin, lo, hi, second},
  static const OpInfo table[] = {
      {"const", OpCategory::Leaf, "", "", 0, 0, 0},
      {"var", OpCategory::Leaf, "", "", 0, 0, 0},
      ODEC_UNARY_OPS(ODEC_UNARY_ROW) ODEC_BINARY_OPS(ODEC_BINARY_ROW)
      {"matmul", OpCategory::Structural, "*", "", 2, 2, 0},
      {"transpose", OpCategory::Structural, "'", "", 1, 1, 0},
      {"broadcast", OpCategory::Structural, "", "", 1, 1, 0},
      {"sumto", OpCategory::Structural, "sum", "", 1, 1, 0},
      {"slice", OpCategory::Structural, "", "", 1, 1, 0},
      {"concat", OpCategory::Structural, "", "", 1, -1, 0},
  };
#undef ODEC_UNARY_ROW
#undef ODEC_BINARY_ROW
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
