#include "imde/ModifyingSeries.h"

#include "tableau/NumericTableau.h"
#include "tableau/OrderConditions.h"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <type_traits>

namespace odec::imde {

int maxImdeOrder() { return kMaxCheckedOrder - 1; }

namespace {

// One way of cutting a tree: the index of its skeleton and of each remaining
// subtree.
struct Partition {
  int skeleton;
  std::vector<int> subtrees;
};

// The index in rootedTrees() of the tree whose root has these subtrees.
int treeIndex(std::vector<int> children) {
  static const std::map<std::vector<int>, int> byChildren = [] {
    std::map<std::vector<int>, int> m;
    const auto &trees = rootedTrees();
    for (size_t k = 0; k < trees.size(); ++k)
      m.emplace(trees[k].children, int(k));
    return m;
  }();
  std::sort(children.begin(), children.end());
  return byChildren.at(children);
}

// Canonical indices of the trees rooted at each vertex of a forest given by
// parent links (parent[v] < v, or -1 for a root).
std::vector<int> canonicalIndices(const std::vector<int> &parent) {
  std::vector<std::vector<int>> children(parent.size());
  std::vector<int> index(parent.size());
  for (size_t v = parent.size(); v-- > 0;) {
    index[v] = treeIndex(children[v]);
    if (parent[v] >= 0)
      children[size_t(parent[v])].push_back(index[v]);
  }
  return index;
}

// A labelled copy of tree `t` in preorder: parent[v] < v, parent[0] = -1.
void labelledCopy(int t, int parentVertex, std::vector<int> &parent) {
  parent.push_back(parentVertex);
  int self = int(parent.size()) - 1;
  for (int c : rootedTrees()[size_t(t)].children)
    labelledCopy(c, self, parent);
}

// Every partition of tree t except the uncut one. Vertex v > 0 hangs from its
// parent by edge v; a cut edge makes v the root of a new subtree, and subtrees
// are numbered in preorder, so the skeleton's parent links again point
// backwards.
std::vector<Partition> partitions(int t) {
  std::vector<int> parent;
  labelledCopy(t, -1, parent);
  const size_t n = parent.size();
  std::vector<Partition> out;
  for (uint32_t cuts = 1; cuts < (1u << (n - 1)); ++cuts) {
    std::vector<int> part(n), subtreeParent(n), skeletonParent;
    std::vector<int> rootOf;
    for (size_t v = 0; v < n; ++v) {
      bool newPart = v == 0 || (cuts >> (v - 1) & 1);
      if (newPart) {
        part[v] = int(rootOf.size());
        rootOf.push_back(int(v));
        skeletonParent.push_back(v == 0 ? -1 : part[size_t(parent[v])]);
        subtreeParent[v] = -1;
      } else {
        part[v] = part[size_t(parent[v])];
        subtreeParent[v] = parent[v];
      }
    }
    std::vector<int> at = canonicalIndices(subtreeParent);
    Partition p{canonicalIndices(skeletonParent)[0], {}};
    for (int r : rootOf)
      p.subtrees.push_back(at[size_t(r)]);
    out.push_back(std::move(p));
  }
  return out;
}

// Elementary weights Φ(t) = bᵀ g(t), g(t)_i = Π_children (A g(u))_i, for the
// first `count` trees.
template <class T> std::vector<T> elementaryWeights(const NumericTableau<T> &m, size_t count) {
  const auto &trees = rootedTrees();
  const size_t s = size_t(m.s);
  std::vector<std::vector<T>> Ag(count);
  std::vector<T> phi(count, T(0));
  for (size_t k = 0; k < count; ++k) {
    std::vector<T> g(s, T(1));
    for (int child : trees[k].children)
      for (size_t i = 0; i < s; ++i)
        g[i] *= Ag[size_t(child)][i];
    Ag[k].assign(s, T(0));
    for (size_t i = 0; i < s; ++i) {
      for (size_t j = 0; j < s; ++j)
        Ag[k][i] += m.a(int(i), int(j)) * g[j];
      phi[k] += m.b[i] * g[i];
    }
  }
  return phi;
}

// Solves x ⋆ p = q tree by tree (see the header).
template <class T>
std::vector<T> solveSubstitution(const std::vector<T> &p, const std::vector<T> &q) {
  if (p[0] == T(0))
    throw std::invalid_argument("the method's weights b sum to zero: it has no modified equation");
  std::vector<T> x(p.size());
  for (size_t t = 0; t < p.size(); ++t) {
    T rest = q[t];
    for (const Partition &part : partitions(int(t))) {
      T term = p[size_t(part.skeleton)];
      for (int s : part.subtrees)
        term *= x[size_t(s)];
      rest -= term;
    }
    x[t] = rest / p[0];
  }
  return x;
}

} // namespace

SeriesCoefficients modifyingCoefficients(const ButcherTableau &tab, int order, Direction dir) {
  if (order < 0 || order > maxImdeOrder())
    throw std::invalid_argument("the IMDE order must be between 0 and " +
                                std::to_string(maxImdeOrder()));
  const auto &trees = rootedTrees();
  size_t count = 0;
  while (count < trees.size() && trees[count].order <= order + 1)
    ++count;
  SeriesCoefficients r;
  r.coefficient = exactOrDouble(
      tab,
      [&](const auto &m) {
        using T = typename std::decay_t<decltype(m.b)>::value_type;
        std::vector<T> method = elementaryWeights(m, count), flow(count);
        for (size_t k = 0; k < count; ++k)
          flow[k] = T(1) / T(trees[k].density);
        std::vector<T> x = dir == Direction::Forward ? solveSubstitution(method, flow)
                                                     : solveSubstitution(flow, method);
        std::vector<Coefficient> out;
        for (const T &v : x) {
          if constexpr (std::is_same_v<T, Rational>)
            out.push_back(Coefficient::rational(v));
          else
            out.push_back(Coefficient::real(v));
        }
        return out;
      },
      &r.exact);
  return r;
}

} // namespace odec::imde
