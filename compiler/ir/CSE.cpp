#include "ir/CSE.h"

#include <cstring>
#include <functional>
#include <unordered_map>

namespace odec::ir {

namespace {

/// Two nodes are the same value when op, shape, payload and (already canonical) argument
/// nodes agree; the key compares exactly that.
struct Key {
  const Node *n;
  bool operator==(const Key &o) const {
    const Node &a = *n, &b = *o.n;
    return a.op == b.op && a.shape == b.shape && a.args == b.args && a.values == b.values &&
           a.name == b.name && a.role == b.role && a.index == b.index && a.attr0 == b.attr0 &&
           a.attr1 == b.attr1;
  }
};

struct KeyHash {
  size_t operator()(const Key &k) const {
    const Node &n = *k.n;
    size_t h = size_t(n.op) * 0x9e3779b97f4a7c15ull;
    auto mix = [&h](size_t v) { h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2); };
    mix(size_t(n.shape.kind));
    mix(size_t(n.shape.rows));
    mix(size_t(n.shape.cols));
    for (const Expr &a : n.args)
      mix(std::hash<const Node *>()(a.get()));
    for (double v : n.values) {
      uint64_t bits;
      std::memcpy(&bits, &v, sizeof bits);
      mix(size_t(bits));
    }
    mix(std::hash<std::string>()(n.name));
    mix(size_t(n.role));
    mix(size_t(n.index));
    mix(size_t(n.attr0));
    mix(size_t(n.attr1));
    return h;
  }
};

/// CSE of roots; `preferred` nodes (a function's inputs) win over structurally equal ones,
/// so the inputs still name the variables that the outputs use.
std::vector<Expr> cseWith(const std::vector<Expr> &roots, const std::vector<Expr> &preferred) {
  std::unordered_map<Key, Expr, KeyHash> table; // representatives by structure
  for (const Expr &p : preferred)
    table.emplace(Key{p.get()}, p);
  // Owning handles for the nodes that topologicalOrder lists as raw pointers.
  const std::vector<const Node *> order = topologicalOrder(roots);
  std::unordered_map<const Node *, Expr> handle;
  for (const Expr &r : roots)
    handle.emplace(r.get(), r);
  for (const Node *n : order)
    for (const Expr &a : n->args)
      handle.emplace(a.get(), a);

  std::unordered_map<const Node *, Expr> canonical; // every node -> its representative
  for (const Node *n : order) {
    std::vector<Expr> args;
    bool changed = false;
    for (const Expr &a : n->args) {
      args.push_back(canonical.at(a.get()));
      changed = changed || args.back() != a;
    }
    // Rebuild with canonical arguments only when one differs, so untouched subtrees keep
    // their identity.
    Expr self = handle.at(n);
    if (changed)
      self = Node::make({n->op, n->shape, std::move(args), n->values, n->name, n->role, n->index,
                         n->attr0, n->attr1});
    canonical[n] = table.emplace(Key{self.get()}, self).first->second;
  }
  std::vector<Expr> out;
  for (const Expr &r : roots)
    out.push_back(r ? canonical.at(r.get()) : r);
  return out;
}

} // namespace

std::vector<Expr> cse(const std::vector<Expr> &roots) { return cseWith(roots, {}); }

Function cse(const Function &f) {
  Function g = f;
  g.outputs = cseWith(f.outputs, f.inputs);
  return g;
}

} // namespace odec::ir
