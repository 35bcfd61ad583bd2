#include "imde/ElementaryDifferentials.h"

#include "autodiff/Derivative.h"
#include "imde/Substitute.h"
#include "ir/Builder.h"
#include "tableau/OrderConditions.h"

namespace odec::imde {

namespace {

// "v2_x": the second tangent for state x (only seen when debugging: they are
// substituted away).
std::string tangentName(size_t j, const std::string &state) {
  std::string name = "v";
  name += std::to_string(j);
  name += '_';
  name += state;
  return name;
}

} // namespace

ElementaryDifferentials::ElementaryDifferentials(Field field, std::vector<ir::Expr> states)
    : field_(std::move(field)), states_(std::move(states)), derivatives_{field_} {}

const Field &ElementaryDifferentials::derivative(size_t m) {
  while (derivatives_.size() <= m) {
    size_t j = derivatives_.size(); // building f^(j) from f^(j-1) along v_j
    std::vector<ir::Expr> v;
    for (size_t i = 0; i < states_.size(); ++i)
      v.push_back(ir::variable(tangentName(j, states_[i]->name), ir::VarRole::State, int(i),
                               states_[i]->shape));
    tangents_.push_back(v);
    derivatives_.push_back(ad::jvp(derivatives_.back(), states_, v));
  }
  return derivatives_[m];
}

const Field &ElementaryDifferentials::of(int tree) {
  if (byTree_.size() <= size_t(tree))
    byTree_.resize(size_t(tree) + 1);
  Field &out = byTree_[size_t(tree)];
  if (!out.empty())
    return out;
  const std::vector<int> &children = rootedTrees().at(size_t(tree)).children;
  const Field &d = derivative(children.size());
  std::unordered_map<const ir::Node *, ir::Expr> with;
  for (size_t j = 0; j < children.size(); ++j) {
    const Field &arg = of(children[j]); // may grow byTree_: `out` is re-fetched below
    for (size_t i = 0; i < states_.size(); ++i)
      with.emplace(tangents_[j][i].get(), arg[i]);
  }
  Field result = substitute(d, with);
  return byTree_[size_t(tree)] = std::move(result);
}

std::string differentialName(int tree) {
  const std::vector<int> &children = rootedTrees().at(size_t(tree)).children;
  static const char *const primes[] = {"", "′", "″", "‴"};
  if (children.empty())
    return "f";
  if (children.size() == 1)
    return "f′" + differentialName(children[0]);
  std::string name = "f";
  name +=
      children.size() < 4 ? primes[children.size()] : "⁽" + std::to_string(children.size()) + "⁾";
  name += "(";
  // Larger subtrees first, as in f″(f′f,f).
  for (size_t j = children.size(); j-- > 0;)
    name += differentialName(children[j]) + (j ? "," : "");
  return name + ")";
}

} // namespace odec::imde
