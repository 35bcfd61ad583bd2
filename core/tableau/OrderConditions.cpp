#include "tableau/OrderConditions.h"

#include "tableau/NumericTableau.h"

#include <algorithm>
#include <map>

namespace odec {

// Appends to `out` every tree of order `n` whose root's children (total order `remaining`)
// have indices ≥ `minChild`, the ones chosen so far being `chosen`.
static void treesOfOrder(int n, int remaining, int minChild, std::vector<int> &chosen,
                         std::vector<RootedTree> &out, size_t known) {
  if (remaining == 0) {
    RootedTree t;
    t.order = n;
    t.children = chosen;
    t.density = n;
    std::map<int, int> multiplicity;
    for (int c : chosen) {
      t.density *= out[size_t(c)].density;
      ++multiplicity[c];
    }
    // σ(t) = Π over distinct subtrees u of σ(u)^m · m!, m the multiplicity of u.
    for (auto [c, m] : multiplicity)
      for (int k = 1; k <= m; ++k)
        t.symmetry *= out[size_t(c)].symmetry * k;
    out.push_back(std::move(t));
    return;
  }
  for (size_t c = size_t(minChild); c < known; ++c) {
    if (out[c].order > remaining)
      continue;
    chosen.push_back(int(c));
    treesOfOrder(n, remaining - out[c].order, int(c), chosen, out, known);
    chosen.pop_back();
  }
}

const std::vector<RootedTree> &rootedTrees() {
  static const std::vector<RootedTree> trees = [] {
    std::vector<RootedTree> out;
    for (int n = 1; n <= kMaxCheckedOrder; ++n) {
      std::vector<int> chosen;
      treesOfOrder(n, n - 1, 0, chosen, out, out.size()); // children come from smaller orders
    }
    return out;
  }();
  return trees;
}

std::string treeNotation(int index) {
  const RootedTree &t = rootedTrees().at(size_t(index));
  if (t.children.empty())
    return "τ";
  std::string s = "[";
  for (size_t k = 0; k < t.children.size(); ++k) {
    if (k)
      s += ' ';
    s += treeNotation(t.children[k]);
  }
  return s + "]";
}

template <class T> static bool sameValue(const T &x, const T &y) { return isNegligible(x - y); }

/// g(t) of every tree t (rootedTrees() order): one entry per stage.
template <class T> static std::vector<std::vector<T>> elementaryWeights(const NumericTableau<T> &t) {
  const std::vector<RootedTree> &trees = rootedTrees();
  const size_t s = size_t(t.s);
  std::vector<std::vector<T>> g(trees.size());  // g[k] = g(tree k)
  std::vector<std::vector<T>> Ag(trees.size()); // A g(tree k)
  for (size_t k = 0; k < trees.size(); ++k) {
    g[k].assign(s, T(1));
    for (int child : trees[k].children)
      for (size_t i = 0; i < s; ++i)
        g[k][i] *= Ag[size_t(child)][i];
    Ag[k].assign(s, T(0));
    for (size_t i = 0; i < s; ++i)
      for (size_t j = 0; j < s; ++j)
        Ag[k][i] += t.a(int(i), int(j)) * g[k][j];
  }
  return g;
}

template <class T> static OrderConditions check(const NumericTableau<T> &t) {
  const std::vector<RootedTree> &trees = rootedTrees();
  const size_t s = size_t(t.s);
  OrderConditions r;
  r.order = kMaxCheckedOrder;
  const std::vector<std::vector<T>> g = elementaryWeights(t);
  for (size_t k = 0; k < trees.size(); ++k) {
    T phi(0);
    for (size_t i = 0; i < s; ++i)
      phi += t.b[i] * g[k][i];
    if (!sameValue(phi, T(1) / T(trees[k].density)) && trees[k].order <= r.order) {
      r.order = trees[k].order - 1;
      if (r.firstFailedTree < 0)
        r.firstFailedTree = int(k);
    }
  }
  r.rowSumConsistent = true;
  for (size_t i = 0; i < s; ++i) {
    T rowSum(0);
    for (size_t j = 0; j < s; ++j)
      rowSum += t.a(int(i), int(j));
    r.rowSumConsistent = r.rowSumConsistent && sameValue(rowSum, t.c[i]);
  }
  return r;
}

// Σ_i b_i(θ) g(t)_i = θ^|t|/γ(t) for every θ is, power by power, Σ_i D_ij g(t)_i = 1/γ(t)
// for θ^|t| and 0 for every other power of the extension's degree.
template <class T> static int checkDense(const NumericTableau<T> &t) {
  const std::vector<RootedTree> &trees = rootedTrees();
  const std::vector<std::vector<T>> g = elementaryWeights(t);
  int order = std::min(kMaxCheckedOrder, t.degree);
  for (size_t k = 0; k < trees.size(); ++k)
    for (int j = 0; j < t.degree && trees[k].order <= order; ++j) {
      T phi(0);
      for (size_t i = 0; i < size_t(t.s); ++i)
        phi += t.dense[i * size_t(t.degree) + size_t(j)] * g[k][i];
      const T want = j + 1 == trees[k].order ? T(1) / T(trees[k].density) : T(0);
      if (!sameValue(phi, want))
        order = trees[k].order - 1;
    }
  return order;
}

int denseOrder(const ButcherTableau &t) {
  if (!t.hasDense())
    return -1;
  return exactOrDouble(t, [](const auto &n) { return checkDense(n); });
}

OrderConditions checkOrderConditions(const ButcherTableau &t) {
  bool exact = false;
  OrderConditions r = exactOrDouble(
      t, [](const auto &n) { return check(n); }, &exact);
  r.exact = exact;
  return r;
}

} // namespace odec
