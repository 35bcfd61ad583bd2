// Tableaux: exact coefficients, sizes, fields, the row-sum warning, shadowing the prelude.
#include "SemaTestUtil.h"

#include <cmath>

using namespace odec::test;
using Errors = std::vector<std::string>;
using odec::Rational;

namespace {
std::vector<Rational> exact(const std::vector<odec::Coefficient> &cs) {
  std::vector<Rational> out;
  for (const auto &c : cs) {
    EXPECT_TRUE(c.exact.has_value());
    out.push_back(c.exact.value_or(Rational(-999)));
  }
  return out;
}
} // namespace

TEST(SemaTableau, PreludeIsExact) {
  auto r = runSema("");
  ASSERT_TRUE(r->ok) << r->diags.formatAll();
  EXPECT_TRUE(r->diags.diagnostics().empty()) << r->diags.formatAll();
  const auto *rk4 = r->checked.findTableau("RK4");
  ASSERT_NE(rk4, nullptr);
  EXPECT_TRUE(rk4->fromPrelude);
  EXPECT_EQ(rk4->tableau.stages, 4);
  EXPECT_EQ(exact(rk4->tableau.b), (std::vector<Rational>{Rational(1, 6), Rational(1, 3),
                                                          Rational(1, 3), Rational(1, 6)}));
  EXPECT_EQ(exact(rk4->tableau.c), (std::vector<Rational>{0, Rational(1, 2), Rational(1, 2), 1}));
  EXPECT_EQ(*rk4->tableau.A[1 * 4 + 0].exact, Rational(1, 2));
  const auto *rk38 = r->checked.findTableau("RK38");
  ASSERT_NE(rk38, nullptr);
  EXPECT_EQ(*rk38->tableau.A[2 * 4 + 0].exact, Rational(-1, 3));
  EXPECT_EQ(r->checked.tableaux.size(), 21u);
  const auto *euler = r->checked.findTableau("Euler");
  ASSERT_NE(euler, nullptr);
  EXPECT_EQ(euler->tableau.stages, 1);
}

TEST(SemaTableau, IrrationalCoefficientsAreDoubles) {
  auto r = runSema("");
  const auto *gl = r->checked.findTableau("GaussLegendre2");
  ASSERT_NE(gl, nullptr);
  EXPECT_FALSE(gl->tableau.c[0].exact.has_value());
  EXPECT_NEAR(gl->tableau.c[0].value, 0.5 - std::sqrt(3.0) / 6, 1e-15);
  EXPECT_NEAR(gl->tableau.A[1].value, 0.25 - std::sqrt(3.0) / 6, 1e-15);
  EXPECT_EQ(*gl->tableau.A[0].exact, Rational(1, 4));
  EXPECT_EQ(*gl->tableau.b[1].exact, Rational(1, 2));
}

TEST(SemaTableau, DecimalsAndArithmeticStayExact) {
  auto r = runSema("tableau T\n"
                   "    c = [0, 0.1 + 1//5]\n"
                   "    A = [0 0; 3//10 0]\n"
                   "    b = [1 - 2^(-1), (1//2)^1]\n"
                   "end\n");
  ASSERT_TRUE(r->ok) << r->diags.formatAll();
  EXPECT_TRUE(r->warnings().empty());
  const auto *t = r->checked.findTableau("T");
  EXPECT_EQ(exact(t->tableau.c), (std::vector<Rational>{0, Rational(3, 10)}));
  EXPECT_EQ(exact(t->tableau.b), (std::vector<Rational>{Rational(1, 2), Rational(1, 2)}));
  EXPECT_FALSE(t->fromPrelude);
}

TEST(SemaTableau, Sizes) {
  auto r = runSema("tableau T\n"
                   "    c = [0, 1]\n"
                   "    A = [0 0 0; 1 0 0]\n"
                   "    b = [1//2, 1//2]\n"
                   "end\n"
                   "tableau U\n"
                   "    c = [0, 1, 2]\n"
                   "    A = [0 0; 1 0]\n"
                   "    b = [1//2, 1//2]\n"
                   "end\n");
  EXPECT_EQ(
      r->errors(),
      Errors({"t.node:3:9: error: A is Matrix{2,3}, but b has 2 entries: A must be Matrix{2,2}",
              "t.node:7:9: error: c is Vector{3}, but b has 2 entries: c must be Vector{2}"}));
}

TEST(SemaTableau, Fields) {
  auto r = runSema("tableau T\n"
                   "    c = [0]\n"
                   "    c = [0]\n"
                   "    d = [0]\n"
                   "    b = [1]\n"
                   "end\n");
  EXPECT_EQ(r->errors(),
            Errors({"t.node:3:5: error: duplicate field 'c' (first set at line 2)",
                    "t.node:4:5: error: unknown tableau field 'd'; expected c, A, b and "
                    "optionally bhat and dense",
                    "t.node:1:9: error: tableau 'T' has no field 'A'"}));
}

TEST(SemaTableau, NonFiniteCoefficient) {
  auto r = runSema("tableau T\n"
                   "    c = [0]\n"
                   "    A = [1/0]\n"
                   "    b = [1]\n"
                   "end\n");
  EXPECT_EQ(r->errors(),
            Errors{"t.node:3:10: error: constant '1/0' is not finite (evaluates to inf)"});
}

TEST(SemaTableau, RowSumWarning) {
  auto r = runSema("tableau T\n"
                   "    c = [0, 1//3]\n"
                   "    A = [0 0; 1//2 0]\n"
                   "    b = [0, 1]\n"
                   "end\n");
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->warnings(), Errors{"t.node:2:9: warning: tableau 'T': c[2] = 1//3 differs from the "
                                  "row sum of A (1//2)"});
}

TEST(SemaTableau, ShadowingAndDuplicates) {
  auto r = runSema("tableau Kutta3\n"
                   "    c = [0, 1]\n"
                   "    A = [0 0; 1 0]\n"
                   "    b = [1//2, 1//2]\n"
                   "end\n"
                   "tableau Kutta3\n"
                   "    c = [0]\n"
                   "    A = [0]\n"
                   "    b = [1]\n"
                   "end\n");
  EXPECT_EQ(r->errors(),
            Errors{"t.node:6:9: error: duplicate tableau 'Kutta3' (first defined at line 1)"});
  EXPECT_EQ(r->warnings(), Errors{"t.node:1:9: warning: tableau 'Kutta3' shadows the built-in "
                                  "tableau of the same name"});
  const auto *k = r->checked.findTableau("Kutta3");
  ASSERT_NE(k, nullptr);
  EXPECT_FALSE(k->fromPrelude);
  EXPECT_EQ(k->tableau.stages, 2);
  EXPECT_EQ(r->checked.tableaux.size(), 21u);
}

TEST(SemaTableau, ACopyOfABuiltInShadowsQuietly) {
  // The built-in RK4 written out (0.5 for 1//2 as well: decimals are exact rationals), and a
  // Heun that differs from the built-in in one weight.
  auto r = runSema("tableau RK4\n"
                   "    c = [0, 0.5, 1//2, 1]\n"
                   "    A = [0 0 0 0; 1//2 0 0 0; 0 1//2 0 0; 0 0 1 0]\n"
                   "    b = [1//6, 1//3, 1//3, 1//6]\n"
                   "end\n"
                   "tableau Heun\n"
                   "    c = [0, 1]\n"
                   "    A = [0 0; 1 0]\n"
                   "    b = [1//3, 2//3]\n"
                   "end\n");
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->warnings(), Errors{"t.node:6:9: warning: tableau 'Heun' shadows the built-in "
                                  "tableau of the same name"});
  EXPECT_FALSE(r->checked.findTableau("RK4")->fromPrelude);
}
