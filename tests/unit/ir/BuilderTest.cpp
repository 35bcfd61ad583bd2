// Builders: shape checks and the local simplifications promised in ir/Builder.h.
#include "ir/Builder.h"
#include "support/InternalError.h"

#include <gtest/gtest.h>

using namespace odec;
using namespace odec::ir;

namespace {
Expr vec(const char *name, int n) { return variable(name, VarRole::State, 0, Shape::vector(n)); }
Expr mat(const char *name, int m, int n) {
  return variable(name, VarRole::Param, 0, Shape::matrix(m, n));
}
} // namespace

TEST(Builder, ShapeMismatchesAreInternalErrors) {
  EXPECT_THROW(add(vec("x", 3), vec("y", 2)), InternalError);
  EXPECT_THROW(matmul(mat("W", 2, 3), vec("x", 2)), InternalError);
  EXPECT_THROW(matmul(vec("x", 2), vec("y", 2)), InternalError);
  EXPECT_THROW(slice(vec("x", 3), 2, 0, Shape::vector(2)), InternalError);
  EXPECT_THROW(constant(Shape::vector(3), {1, 2}), InternalError);
  EXPECT_THROW(broadcast(vec("x", 3), Shape::vector(4)), InternalError);
  EXPECT_THROW(sumTo(vec("x", 3), Shape::vector(2)), InternalError);
  EXPECT_THROW(concat({vec("x", 2), mat("W", 3, 2)}, 1), InternalError);
  EXPECT_THROW(unary(Op::Add, vec("x", 2)), InternalError);
  EXPECT_THROW(constant(Shape{Shape::Kind::Vector, 3, 2}, std::vector<double>(6)), InternalError);
}

TEST(Builder, ResultShapes) {
  EXPECT_EQ(matmul(mat("W", 4, 3), vec("x", 3))->shape, Shape::vector(4));
  EXPECT_EQ(matmul(transpose(vec("x", 3)), vec("y", 3))->shape, Shape::scalar());
  EXPECT_EQ(matmul(vec("x", 3), transpose(vec("y", 2)))->shape, Shape::matrix(3, 2));
  EXPECT_EQ(matmul(transpose(vec("x", 4)), mat("W", 4, 3))->shape, Shape::rowVector(3));
  EXPECT_EQ(transpose(mat("W", 4, 3))->shape, Shape::matrix(3, 4));
  EXPECT_EQ(concat({vec("x", 2), vec("y", 3)}, 0)->shape, Shape::vector(5));
  EXPECT_EQ(concat({vec("x", 2), vec("y", 2)}, 1)->shape, Shape::matrix(2, 2));
  EXPECT_EQ(concat({scalar(1), vec("y", 2)}, 0)->shape, Shape::vector(3));
  // A scalar operand is broadcast to the other's shape.
  Expr s = variable("s", VarRole::Param, 0, Shape::scalar());
  Expr e = mul(s, vec("x", 3));
  EXPECT_EQ(e->shape, Shape::vector(3));
  EXPECT_TRUE(e->args[0]->is(Op::Broadcast));
  // Julia's `2 * x` through matmul is scaling.
  EXPECT_EQ(matmul(s, vec("x", 3))->op, Op::Mul);
}

TEST(Builder, ShapeRules) {
  EXPECT_EQ(*broadcastShape(Shape::vector(3), Shape::rowVector(2)), Shape::matrix(3, 2));
  EXPECT_EQ(*broadcastShape(Shape::scalar(), Shape::vector(3)), Shape::vector(3));
  EXPECT_EQ(*broadcastShape(Shape::vector(3), Shape::matrix(3, 4)), Shape::matrix(3, 4));
  EXPECT_FALSE(broadcastShape(Shape::vector(3), Shape::vector(2)));
  EXPECT_EQ(*matmulShape(Shape::matrix(2, 3), Shape::matrix(3, 5)), Shape::matrix(2, 5));
  EXPECT_FALSE(matmulShape(Shape::matrix(2, 3), Shape::vector(2)));
}

TEST(Builder, AdditiveAndMultiplicativeIdentities) {
  Expr x = vec("x", 3);
  Expr zero = fill(Shape::vector(3), 0), one = fill(Shape::vector(3), 1);
  EXPECT_EQ(add(x, zero), x);
  EXPECT_EQ(add(zero, x), x);
  EXPECT_EQ(sub(x, zero), x);
  EXPECT_EQ(mul(x, one), x);
  EXPECT_EQ(mul(one, x), x);
  EXPECT_EQ(mul(x, scalar(1)), x); // the broadcast scalar folds to ones first
  EXPECT_EQ(div(x, scalar(1)), x);
  Expr z = mul(x, scalar(0));
  EXPECT_TRUE(z->isConstantValue(0));
  EXPECT_EQ(z->shape, Shape::vector(3));
  Expr n = sub(zero, x); // 0 - x = -x
  EXPECT_TRUE(n->is(Op::Neg));
  EXPECT_EQ(n->args[0], x);
  EXPECT_EQ(neg(neg(x)), x);
  EXPECT_TRUE(add(x, one)->is(Op::Add)); // not an identity: kept
}

TEST(Builder, StructuralSimplifications) {
  Expr x = vec("x", 3);
  Expr W = mat("W", 2, 3);
  EXPECT_EQ(transpose(transpose(x)), x);
  EXPECT_EQ(transpose(transpose(W)), W);
  Expr s = variable("s", VarRole::Param, 0, Shape::scalar());
  EXPECT_EQ(transpose(s), s);
  EXPECT_EQ(broadcast(x, Shape::vector(3)), x);
  EXPECT_EQ(sumTo(x, Shape::vector(3)), x);
  EXPECT_EQ(slice(x, 0, 0, Shape::vector(3)), x);
  Expr z = matmul(fill(Shape::matrix(2, 3), 0), x);
  EXPECT_TRUE(z->isConstantValue(0));
  EXPECT_EQ(z->shape, Shape::vector(2));
  EXPECT_TRUE(matmul(W, zerosLike(x))->isConstantValue(0));
}

TEST(Builder, ConstantFolding) {
  Expr five = add(scalar(2), scalar(3));
  ASSERT_TRUE(five->isConstant());
  EXPECT_EQ(five->values, std::vector<double>{5});
  // [1 2; 3 4] * [1, 1] = [3, 7]
  Expr A = constant(Shape::matrix(2, 2), {1, 2, 3, 4});
  Expr v = matmul(A, constant(Shape::vector(2), {1, 1}));
  ASSERT_TRUE(v->isConstant());
  EXPECT_EQ(v->shape, Shape::vector(2));
  EXPECT_EQ(v->values, (std::vector<double>{3, 7}));
  Expr At = transpose(A);
  ASSERT_TRUE(At->isConstant());
  EXPECT_EQ(At->values, (std::vector<double>{1, 3, 2, 4}));
  Expr e = unary(Op::Exp, scalar(0));
  ASSERT_TRUE(e->isConstant());
  EXPECT_EQ(e->values[0], 1.0);
  EXPECT_TRUE(sum(A)->isConstantValue(10));
  // A variable anywhere stops folding.
  EXPECT_FALSE(add(scalar(2), variable("s", VarRole::Param, 0, Shape::scalar()))->isConstant());
}

TEST(Builder, OpTableNamesEveryOp) {
  EXPECT_STREQ(opInfo(Op::Tanh).name, "tanh");
  EXPECT_EQ(opInfo(Op::MatMul).category, OpCategory::Structural);
  EXPECT_EQ(opInfo(Op::Heaviside).category, OpCategory::Unary);
  EXPECT_EQ(opInfo(Op::Min).category, OpCategory::Binary);
  EXPECT_STREQ(opInfo(Op::Concat).name, "concat");
}

TEST(Builder, TopologicalOrderListsSharedNodesOnce) {
  Expr x = vec("x", 3);
  Expr t = unary(Op::Tanh, x);
  Expr e = add(t, mul(t, x));
  auto order = topologicalOrder({e, t});
  ASSERT_EQ(order.size(), 4u);
  EXPECT_EQ(order.front(), x.get());
  EXPECT_EQ(order.back(), e.get());
}
