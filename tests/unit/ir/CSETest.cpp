// Common-subexpression elimination by structural hashing.
#include "ir/CSE.h"
#include "ir/Builder.h"
#include "ir/Interpreter.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace odec;
using namespace odec::ir;

namespace {
/// tanh.(W * x .+ b), built afresh each call: equal structure, distinct nodes.
Expr layer(const Expr &W, const Expr &x, const Expr &b) {
  return unary(Op::Tanh, add(matmul(W, x), b));
}
} // namespace

TEST(CSE, MergesStructurallyEqualSubtrees) {
  Expr x = variable("x", VarRole::State, 0, Shape::vector(2));
  Expr W = variable("W", VarRole::Param, 0, Shape::matrix(2, 2));
  Expr b = variable("b", VarRole::Param, 1, Shape::vector(2));
  Expr e1 = layer(W, x, b), e2 = layer(W, x, b);
  ASSERT_NE(e1, e2);
  Expr root = add(e1, e2);
  auto out = cse(std::vector<Expr>{root, e2});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]->args[0], out[0]->args[1]);
  EXPECT_EQ(out[1], out[0]->args[0]);
  EXPECT_EQ(topologicalOrder({out[0]}).size(), 7u); // x W matmul b add tanh add
  // Same value as before.
  auto vals = [&](const Node &v) -> std::vector<double> {
    if (v.name == "x")
      return {1, 2};
    if (v.name == "W")
      return {0.1, 0.2, 0.3, 0.4};
    return {0.5, -0.5};
  };
  EXPECT_EQ(evaluate(out[0], vals), evaluate(root, vals));
}

TEST(CSE, KeepsDistinctNodesAndUnchangedIdentity) {
  Expr x = variable("x", VarRole::State, 0, Shape::vector(2));
  Expr y = variable("y", VarRole::State, 1, Shape::vector(2));
  Expr e = add(unary(Op::Sin, x), unary(Op::Cos, x));
  EXPECT_EQ(cse(std::vector<Expr>{e})[0], e); // nothing to merge: the same node comes back
  Expr f = add(unary(Op::Sin, x), unary(Op::Sin, y));
  Expr g = cse(std::vector<Expr>{f})[0];
  EXPECT_NE(g->args[0], g->args[1]);
  // Constants merge by value.
  Expr c = add(add(x, constant(Shape::vector(2), {1, 2})), constant(Shape::vector(2), {1, 2}));
  Expr cc = cse(std::vector<Expr>{c})[0];
  EXPECT_EQ(cc->args[1], cc->args[0]->args[1]);
}

TEST(CSE, FunctionInputsStayTheVariablesUsed) {
  Expr x = variable("x", VarRole::State, 0, Shape::vector(2));
  Expr xDup = variable("x", VarRole::State, 0, Shape::vector(2));
  Function f{"F", {x}, {add(xDup, unary(Op::Exp, x))}, {"out"}};
  Function g = cse(f);
  EXPECT_EQ(g.outputs[0]->args[0], x);
  EXPECT_EQ(g.outputs[0]->args[1]->args[0], x);
  // f itself cannot be evaluated (xDup is no input); g can.
  auto out = evaluate(g, {{1, 2}});
  EXPECT_DOUBLE_EQ(out[0][0], 1 + std::exp(1.0));
  EXPECT_DOUBLE_EQ(out[0][1], 2 + std::exp(2.0));
}
