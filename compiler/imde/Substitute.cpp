#include "imde/Substitute.h"

#include "ir/Builder.h"
#include "support/InternalError.h"

namespace odec::imde {

namespace {

ir::Expr rebuild(const ir::Node &n, std::vector<ir::Expr> args) {
  using ir::Op;
  switch (ir::opInfo(n.op).category) {
  case ir::OpCategory::Leaf:
    break;
  case ir::OpCategory::Unary:
    return ir::unary(n.op, args[0]);
  case ir::OpCategory::Binary:
    return ir::binary(n.op, args[0], args[1]);
  case ir::OpCategory::Structural:
    switch (n.op) {
    case Op::MatMul:
      return ir::matmul(args[0], args[1]);
    case Op::Transpose:
      return ir::transpose(args[0]);
    case Op::Broadcast:
      return ir::broadcast(args[0], n.shape);
    case Op::SumTo:
      return ir::sumTo(args[0], n.shape);
    case Op::Slice:
      return ir::slice(args[0], n.attr0, n.attr1, n.shape);
    case Op::Concat:
      return ir::concat(std::move(args), n.attr0);
    default:
      break;
    }
  }
  throw InternalError(std::string("substitute: cannot rebuild ") + ir::opInfo(n.op).name);
}

} // namespace

std::vector<ir::Expr> substitute(const std::vector<ir::Expr> &roots,
                                 const std::unordered_map<const ir::Node *, ir::Expr> &with) {
  // topologicalOrder yields raw nodes; `handle` recovers the shared handle of
  // each.
  std::unordered_map<const ir::Node *, ir::Expr> handle, result(with);
  const std::vector<const ir::Node *> order = ir::topologicalOrder(roots);
  for (const auto &r : roots)
    handle.emplace(r.get(), r);
  for (const ir::Node *n : order)
    for (const auto &a : n->args)
      handle.emplace(a.get(), a);
  for (const ir::Node *n : order) {
    if (result.count(n))
      continue;
    std::vector<ir::Expr> args;
    bool changed = false;
    for (const auto &a : n->args) {
      args.push_back(result.at(a.get()));
      changed = changed || args.back() != a;
    }
    result[n] = changed ? rebuild(*n, std::move(args)) : handle.at(n);
  }
  std::vector<ir::Expr> out;
  for (const auto &r : roots)
    out.push_back(result.at(r.get()));
  return out;
}

} // namespace odec::imde
