// Rooted trees and order conditions against textbook orders and hand-computed conditions.
#include "TestTableaux.h"

#include "tableau/OrderConditions.h"

#include <gtest/gtest.h>
#include <map>

namespace odec::test {
namespace {

TEST(RootedTrees, CountsPerOrderAreTheKnownSequence) {
  // OEIS A000081: 1, 1, 2, 4, 9, 20 rooted trees with 1..6 vertices.
  const int expected[] = {1, 1, 2, 4, 9, 20};
  int counts[kMaxCheckedOrder] = {};
  for (const RootedTree &t : rootedTrees())
    ++counts[t.order - 1];
  for (int n = 0; n < kMaxCheckedOrder; ++n)
    EXPECT_EQ(counts[n], expected[n]) << "order " << n + 1;
  EXPECT_EQ(rootedTrees().size(), 37u);
}

TEST(RootedTrees, HeapOrderingsSumToFactorial) {
  // α(t) = n!/(σ(t)γ(t)) counts the increasing labellings of t; over all trees of order n
  // they are the (n−1)! recursive trees. This checks densities and symmetries together.
  int64_t sum[kMaxCheckedOrder + 1] = {}, factorial[kMaxCheckedOrder + 1] = {1};
  for (int n = 1; n <= kMaxCheckedOrder; ++n)
    factorial[n] = factorial[n - 1] * n;
  for (const RootedTree &t : rootedTrees()) {
    ASSERT_EQ(factorial[t.order] % (t.symmetry * t.density), 0);
    sum[t.order] += factorial[t.order] / (t.symmetry * t.density);
  }
  for (int n = 1; n <= kMaxCheckedOrder; ++n)
    EXPECT_EQ(sum[n], factorial[n - 1]) << "order " << n;
}

TEST(RootedTrees, NotationAndDensities) {
  const std::vector<RootedTree> &trees = rootedTrees();
  std::map<std::string, int64_t> density;
  for (size_t k = 0; k < trees.size(); ++k)
    density[treeNotation(int(k))] = trees[k].density;
  EXPECT_EQ(density.size(), 37u); // every tree has a distinct notation
  EXPECT_EQ(density.at("τ"), 1);
  EXPECT_EQ(density.at("[τ]"), 2);
  EXPECT_EQ(density.at("[τ τ]"), 3);
  EXPECT_EQ(density.at("[[τ]]"), 6);
  EXPECT_EQ(density.at("[[[τ]]]"), 24);
  EXPECT_EQ(density.at("[τ τ τ τ τ]"), 6);
  EXPECT_EQ(density.at("[[[[[τ]]]]]"), 720);
}

TEST(OrderConditions, TextbookOrders) {
  struct Case {
    ButcherTableau t;
    int order;
  };
  for (const Case &c : {Case{euler(), 1}, Case{midpoint(), 2}, Case{heun(), 2}, Case{ralston(), 2},
                        Case{kutta3(), 3}, Case{ssprk3(), 3}, Case{rk4(), 4}, Case{rk38(), 4},
                        Case{implicitMidpoint(), 2}, Case{backwardEuler(), 1}}) {
    OrderConditions r = checkOrderConditions(c.t);
    EXPECT_EQ(r.order, c.order) << c.t.name;
    EXPECT_TRUE(r.exact) << c.t.name;
    EXPECT_TRUE(r.rowSumConsistent) << c.t.name;
  }
}

TEST(OrderConditions, GaussLegendreInDouble) {
  OrderConditions r = checkOrderConditions(gaussLegendre2());
  EXPECT_EQ(r.order, 4);
  EXPECT_FALSE(r.exact);
  EXPECT_TRUE(r.rowSumConsistent);
}

TEST(OrderConditions, SixthOrderMethodsSatisfyAll37Conditions) {
  OrderConditions exact6 = checkOrderConditions(butcher6());
  EXPECT_EQ(exact6.order, 6);
  EXPECT_TRUE(exact6.exact);
  EXPECT_EQ(exact6.firstFailedTree, -1);
  EXPECT_EQ(checkOrderConditions(gaussLegendre3()).order, 6);
  // a71 += δ, a72 −= δ (δ = 1/4 − 9/44 = 1/22): row sums and every condition on b and c
  // alone survive, but Σ b_i a_ij c_j moves by b7 (δ c1 − δ c2) = −11/120 · 1/22 · 1/3 ≠ 0,
  // so the tree [[τ]] fails and the order is 2.
  ButcherTableau t = butcher6();
  t.A[6 * 7 + 0] = Coefficient::rational(Q(1, 4));
  t.A[6 * 7 + 1] = Coefficient::rational(Q(-9, 11) - Q(1, 22));
  OrderConditions broken = checkOrderConditions(t);
  EXPECT_EQ(broken.order, 2);
  EXPECT_TRUE(broken.rowSumConsistent);
}

TEST(OrderConditions, ChangingOneWeightBreaksConsistency) {
  // b4 = 1/3: Σb = 7/6 ≠ 1, so not even the tree τ holds.
  OrderConditions r = checkOrderConditions(rk4({Q(1, 6), Q(1, 3), Q(1, 3), Q(1, 3)}));
  EXPECT_EQ(r.order, 0);
  EXPECT_EQ(r.firstFailedTree, 0);
}

TEST(OrderConditions, PerturbedWeightsKeepingLowConditionsGiveOrderTwo) {
  // b = (1/6, 1/6, 1/2, 1/6): Σb = 1, Σbc = 1/2, Σbc² = 1/24 + 1/8 + 1/6 = 1/3, but
  // Σ b_i a_ij c_j = 1/2·1/2·1/2 + 1/6·1·1/2 = 5/24 ≠ 1/6: the tree [[τ]] fails.
  OrderConditions r = checkOrderConditions(rk4({Q(1, 6), Q(1, 6), Q(1, 2), Q(1, 6)}));
  EXPECT_EQ(r.order, 2);
  EXPECT_EQ(treeNotation(r.firstFailedTree), "[[τ]]");
}

TEST(OrderConditions, PerturbedStageCouplingGivesOrderTwo) {
  // Row 3 of RK4 becomes (1/4, 1/4, 0, 0): row sums and b unchanged, so order ≥ 2, but
  // Σ b_i a_ij c_j = 1/3·1/4·1/2 + 1/6·1·1/2 = 1/8 ≠ 1/6.
  ButcherTableau t = rk4();
  t.A[8] = Coefficient::rational(Q(1, 4));
  t.A[9] = Coefficient::rational(Q(1, 4));
  OrderConditions r = checkOrderConditions(t);
  EXPECT_EQ(r.order, 2);
  EXPECT_TRUE(r.rowSumConsistent);
}

TEST(OrderConditions, RowSumViolationIsReported) {
  ButcherTableau t = heun();
  t.c[1] = Coefficient::rational(Q(1, 2)); // A's row sum is 1
  EXPECT_FALSE(checkOrderConditions(t).rowSumConsistent);
}

TEST(OrderConditions, InexactTableauUsesTolerance) {
  // RK4 with every coefficient as a double: same order, decided in double.
  ButcherTableau t = rk4();
  for (auto *v : {&t.A, &t.b, &t.c})
    for (Coefficient &x : *v)
      x = Coefficient::real(x.value);
  OrderConditions r = checkOrderConditions(t);
  EXPECT_EQ(r.order, 4);
  EXPECT_FALSE(r.exact);
}

} // namespace
} // namespace odec::test
