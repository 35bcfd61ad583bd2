// Shape inference and the strict Julia shape rules of operators.
#include "SemaTestUtil.h"

using namespace odec::test;
using Errors = std::vector<std::string>;

TEST(SemaShapes, ArithmeticResultShapes) {
  EXPECT_EQ(exprShape("W * v"), "Vector{2}");
  EXPECT_EQ(exprShape("x' * x"), "Real");
  EXPECT_EQ(exprShape("x * x'"), "Matrix{2,2}");
  EXPECT_EQ(exprShape("x' * A"), "RowVector{2}");
  EXPECT_EQ(exprShape("A * W"), "Matrix{2,3}");
  EXPECT_EQ(exprShape("W'"), "Matrix{3,2}");
  EXPECT_EQ(exprShape("2 * W"), "Matrix{2,3}");
  EXPECT_EQ(exprShape("x / 2"), "Vector{2}");
  EXPECT_EQ(exprShape("s ^ 2"), "Real");
  EXPECT_EQ(exprShape("-x + x"), "Vector{2}");
}

TEST(SemaShapes, BroadcastFollowsJulia) {
  EXPECT_EQ(exprShape("x .+ 1"), "Vector{2}");
  EXPECT_EQ(exprShape("1 .- x"), "Vector{2}");
  EXPECT_EQ(exprShape("x .* x'"), "Matrix{2,2}");
  EXPECT_EQ(exprShape("W .* x"), "Matrix{2,3}");
  EXPECT_EQ(exprShape("W .^ 2"), "Matrix{2,3}");
  EXPECT_EQ(exprShape("x ./ s"), "Vector{2}");
}

TEST(SemaShapes, AddNeedsEqualShapes) {
  EXPECT_EQ(exprErrors("s + x"),
            Errors{"t.node:9:11: error: shapes differ in Real + Vector{2}; use '.+' to broadcast"});
  EXPECT_EQ(exprErrors("W - A"),
            Errors{"t.node:9:11: error: shapes differ in Matrix{2,3} - Matrix{2,2}; use '.-' to "
                   "broadcast"});
}

TEST(SemaShapes, ProductNamesBothShapes) {
  EXPECT_EQ(exprErrors("W * x"), Errors{"t.node:9:11: error: cannot multiply Matrix{2,3} by "
                                        "Vector{2}: inner dimensions 3 and 2 differ"});
  EXPECT_EQ(exprErrors("x * x"), Errors{"t.node:9:11: error: cannot multiply Vector{2} by "
                                        "Vector{2}; use '.*' elementwise or transpose one side "
                                        "(x' * y)"});
}

TEST(SemaShapes, DivisionAndPower) {
  EXPECT_EQ(exprErrors("s / x"), Errors{"t.node:9:11: error: cannot divide by Vector{2}: '/' "
                                        "needs a Real divisor; use './' elementwise"});
  EXPECT_EQ(exprErrors("x ^ 2"), Errors{"t.node:9:11: error: '^' needs Real operands, got "
                                        "Vector{2} ^ Real; use '.^' elementwise"});
}

TEST(SemaShapes, BroadcastMismatch) {
  EXPECT_EQ(exprErrors("x .+ v"), Errors{"t.node:9:11: error: cannot broadcast Vector{2} .+ "
                                         "Vector{3}: sizes must be equal or 1"});
}

TEST(SemaShapes, RationalDivision) {
  EXPECT_EQ(exprShape("1//6"), "Real");
  EXPECT_EQ(exprErrors("1 // 0"), Errors{"t.node:9:9: error: division by zero in '1 // 0'"});
  EXPECT_EQ(exprErrors("s // 2"), Errors{"t.node:9:9: error: 's' is not a constant"});
  EXPECT_EQ(exprErrors("0.5 // 2"),
            Errors{"t.node:9:13: error: '//' needs integer operands, got 0.5 and 2"});
}

TEST(SemaShapes, CascadesAreSuppressed) {
  // One undefined name inside a big expression gives one error, not one per parent.
  EXPECT_EQ(exprErrors("tanh.(W' * (x .+ q)) .* 2 + s"),
            Errors{"t.node:9:26: error: undefined name 'q'"});
  // Independent mistakes in both operands are both reported.
  EXPECT_EQ(exprErrors("(W * x) + (s + x)"),
            Errors({"t.node:9:12: error: cannot multiply Matrix{2,3} by Vector{2}: inner "
                    "dimensions 3 and 2 differ",
                    "t.node:9:22: error: shapes differ in Real + Vector{2}; use '.+' to "
                    "broadcast"}));
}

TEST(SemaShapes, AstIsAnnotated) {
  auto r = runSema(exprModel("tanh.(W' * x) .+ v"));
  ASSERT_TRUE(r->ok) << r->diags.formatAll();
  const auto &let = static_cast<const odec::ast::LetDecl &>(*r->program->models[0]->decls[7]);
  const auto &add = static_cast<const odec::ast::BinaryExpr &>(*let.value);
  const auto &call = static_cast<const odec::ast::CallExpr &>(*add.lhs);
  const auto &mul = static_cast<const odec::ast::BinaryExpr &>(*call.args[0]);
  EXPECT_EQ(mul.lhs->shape->str(), "Matrix{3,2}");
  EXPECT_EQ(mul.shape->str(), "Vector{3}");
  EXPECT_EQ(add.rhs->shape->str(), "Vector{3}");
  const auto &w = static_cast<const odec::ast::IdentExpr &>(
      *static_cast<const odec::ast::TransposeExpr &>(*mul.lhs).operand);
  EXPECT_EQ(w.resolved, r->program->models[0]->decls[2].get());
}
