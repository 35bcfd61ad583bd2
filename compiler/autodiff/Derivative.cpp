#include "autodiff/Derivative.h"

#include "autodiff/Rules.h"
#include "ir/Builder.h"
#include "support/InternalError.h"

#include <unordered_map>
#include <unordered_set>

namespace odec::ad {

using ir::Expr;
using ir::Node;

namespace {

using NodeMap = std::unordered_map<const Node *, Expr>;

/// Owning handles of every node in `order`: topologicalOrder gives raw pointers, and rules
/// that reuse a node (tanh′ = 1 − y²) need its handle.
NodeMap handlesOf(const std::vector<const Node *> &order, const std::vector<Expr> &roots) {
  NodeMap handles;
  for (const Expr &r : roots)
    handles.emplace(r.get(), r);
  for (const Node *n : order)
    for (const Expr &arg : n->args)
      handles.emplace(arg.get(), arg);
  return handles;
}

void checkVariables(const std::vector<Expr> &vars) {
  for (const Expr &v : vars)
    internalCheck(v && v->is(ir::Op::Variable), "autodiff: differentiating w.r.t. a non-Variable");
}

void accumulate(NodeMap &sums, const Node *n, const Expr &e) {
  if (!e)
    return;
  auto [it, fresh] = sums.emplace(n, e);
  if (!fresh)
    it->second = ir::add(it->second, e);
}

/// m's entry for `like`, or exact zeros shaped like it when there is none.
Expr orZeros(const NodeMap &m, const Expr &like) {
  auto it = m.find(like.get());
  return it != m.end() ? it->second : ir::zerosLike(like);
}

/// The tensor of shape `shape` with a 1 at element i (row-major), zeros elsewhere.
Expr unit(const Shape &shape, int64_t i) {
  std::vector<double> v(size_t(shape.size()), 0.0);
  v[size_t(i)] = 1.0;
  return ir::constant(shape, std::move(v));
}

} // namespace

std::vector<Expr> vjp(const std::vector<Expr> &outputs, const std::vector<Expr> &cotangents,
                      const std::vector<Expr> &wrt) {
  internalCheck(outputs.size() == cotangents.size(), "vjp: one cotangent per output expected");
  checkVariables(wrt);
  const auto order = ir::topologicalOrder(outputs);
  const NodeMap handles = handlesOf(order, outputs);

  // Only nodes that depend on some w carry adjoints: rules for the other arguments are
  // never built (and could be ill-defined: d(aᵇ)/db needs log a).
  std::unordered_set<const Node *> active;
  for (const Expr &w : wrt)
    active.insert(w.get());
  for (const Node *n : order)
    for (const Expr &arg : n->args)
      if (active.count(arg.get())) {
        active.insert(n);
        break;
      }

  NodeMap adjoint;
  for (size_t i = 0; i < outputs.size(); ++i)
    if (active.count(outputs[i].get()))
      accumulate(adjoint, outputs[i].get(), conform(cotangents[i], outputs[i]->shape));

  // Reverse topological order: every use of a node is visited before the node itself, so its
  // adjoint is complete when it is propagated, once.
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const Node *n = *it;
    auto g = adjoint.find(n);
    if (g == adjoint.end() || n->args.empty())
      continue;
    std::vector<bool> wanted;
    for (const Expr &arg : n->args)
      wanted.push_back(active.count(arg.get()) > 0);
    std::vector<Expr> contributions = pullback(handles.at(n), g->second, wanted);
    for (size_t i = 0; i < n->args.size(); ++i)
      accumulate(adjoint, n->args[i].get(), contributions[i]);
  }

  std::vector<Expr> result;
  for (const Expr &w : wrt)
    result.push_back(orZeros(adjoint, w));
  return result;
}

std::vector<Expr> jvp(const std::vector<Expr> &outputs, const std::vector<Expr> &wrt,
                      const std::vector<Expr> &tangents) {
  internalCheck(wrt.size() == tangents.size(), "jvp: one tangent per variable expected");
  checkVariables(wrt);
  const auto order = ir::topologicalOrder(outputs);
  const NodeMap handles = handlesOf(order, outputs);

  NodeMap tangent;
  for (size_t j = 0; j < wrt.size(); ++j)
    accumulate(tangent, wrt[j].get(), conform(tangents[j], wrt[j]->shape));

  for (const Node *n : order) {
    if (n->args.empty())
      continue;
    std::vector<Expr> argTangents;
    for (const Expr &arg : n->args) {
      auto t = tangent.find(arg.get());
      argTangents.push_back(t != tangent.end() ? t->second : nullptr);
    }
    if (Expr t = pushforward(handles.at(n), argTangents))
      tangent.emplace(n, t);
  }

  std::vector<Expr> result;
  for (const Expr &out : outputs)
    result.push_back(orZeros(tangent, out));
  return result;
}

Expr gradient(const Expr &scalar, const Expr &var) {
  internalCheck(scalar->shape.size() == 1, "gradient: the expression is not Real-valued");
  return vjp({scalar}, {ir::fill(scalar->shape, 1.0)}, {var})[0];
}

Expr jacobian(const Expr &f, const Expr &var) {
  const Shape &fs = f->shape, &xs = var->shape;
  internalCheck((fs.isScalar() || fs.isVector()) && (xs.isScalar() || xs.isVector()),
                "jacobian: f and x must be Real or Vector");
  const int m = fs.rows, n = xs.rows;
  std::vector<Expr> pieces;
  if (m <= n) {
    // Row i = (∂f/∂x)ᵀ eᵢ, one reverse sweep each.
    for (int i = 0; i < m; ++i) {
      Expr row = vjp({f}, {unit(fs, i)}, {var})[0];
      pieces.push_back(conform(ir::transpose(row), Shape::matrix(1, n)));
    }
  } else {
    // Column j = (∂f/∂x) eⱼ, one forward sweep each.
    for (int j = 0; j < n; ++j)
      pieces.push_back(conform(jvp({f}, {var}, {unit(xs, j)})[0], Shape::matrix(m, 1)));
  }
  Expr J = pieces.size() == 1 ? pieces[0] : ir::concat(std::move(pieces), m <= n ? 0 : 1);
  return conform(J, Shape::matrix(m, n));
}

} // namespace odec::ad
