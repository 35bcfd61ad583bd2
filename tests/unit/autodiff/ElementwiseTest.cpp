// Every elementwise op's derivative rule, first and second order, in both modes, against
// central finite differences of the interpreter.
#include "FiniteDifference.h"

#include "autodiff/Derivative.h"
#include "ir/Builder.h"

#include <gtest/gtest.h>

namespace odec::ad::testing {
namespace {

using ir::Expr;
using ir::Op;

struct UnaryCase {
  Op op;
  Domain domain;
};

std::string unaryName(const ::testing::TestParamInfo<UnaryCase> &info) {
  return ir::opInfo(info.param.op).name;
}

class UnaryRule : public ::testing::TestWithParam<UnaryCase> {};

TEST_P(UnaryRule, FirstOrderMatchesFiniteDifferences) {
  Harness h;
  Expr x = h.var("x", Shape::vector(5), GetParam().domain);
  Expr y = ir::unary(GetParam().op, x);
  h.checkFirstOrder(y, {x});
  h.checkJacobian(y, x);
}

TEST_P(UnaryRule, FirstOrderOfMatrixArgumentMatchesFiniteDifferences) {
  Harness h;
  Expr x = h.var("X", Shape::matrix(2, 3), GetParam().domain);
  h.checkFirstOrder(ir::unary(GetParam().op, x), {x});
}

TEST_P(UnaryRule, SecondOrderMatchesFiniteDifferences) {
  // The gradient is ordinary IR: differentiating it gives the (diagonal) Hessian of
  // Σ wᵢ f(xᵢ), in both modes.
  Harness h;
  Expr x = h.var("x", Shape::vector(5), GetParam().domain);
  Expr w = h.randomConstant(Shape::vector(5));
  Expr g = gradient(ir::sum(ir::mul(w, ir::unary(GetParam().op, x))), x);
  h.checkJacobian(g, x);
  h.checkFirstOrder(g, {x});
}

INSTANTIATE_TEST_SUITE_P(
    AllUnaryOps, UnaryRule,
    ::testing::Values(UnaryCase{Op::Neg, Domain::AnySign}, UnaryCase{Op::Exp, Domain::AnySign},
                      UnaryCase{Op::Log, Domain::Positive}, UnaryCase{Op::Sin, Domain::AnySign},
                      UnaryCase{Op::Cos, Domain::AnySign}, UnaryCase{Op::Tanh, Domain::AnySign},
                      UnaryCase{Op::Sigmoid, Domain::AnySign}, UnaryCase{Op::Relu, Domain::AnySign},
                      UnaryCase{Op::Softplus, Domain::AnySign},
                      UnaryCase{Op::Sqrt, Domain::Positive}, UnaryCase{Op::Abs, Domain::AnySign},
                      UnaryCase{Op::Sign, Domain::AnySign},
                      UnaryCase{Op::Heaviside, Domain::AnySign}),
    unaryName);

struct BinaryCase {
  Op op;
  Domain a, b;
};

std::string binaryName(const ::testing::TestParamInfo<BinaryCase> &info) {
  return ir::opInfo(info.param.op).name;
}

class BinaryRule : public ::testing::TestWithParam<BinaryCase> {};

TEST_P(BinaryRule, FirstOrderInBothArgumentsMatchesFiniteDifferences) {
  Harness h;
  Expr a = h.var("a", Shape::matrix(2, 3), GetParam().a);
  Expr b = h.var("b", Shape::matrix(2, 3), GetParam().b);
  Expr y = ir::binary(GetParam().op, a, b);
  h.checkFirstOrder(y, {a, b});
  // One argument at a time: the other one's rule is not built, the result is unchanged.
  h.checkVjp(y, {a});
  h.checkVjp(y, {b});
  h.checkJvp(y, {b});
}

TEST_P(BinaryRule, SecondOrderMatchesFiniteDifferences) {
  Harness h;
  Expr a = h.var("a", Shape::vector(4), GetParam().a);
  Expr b = h.var("b", Shape::vector(4), GetParam().b);
  Expr w = h.randomConstant(Shape::vector(4));
  Expr L = ir::sum(ir::mul(w, ir::binary(GetParam().op, a, b)));
  for (const Expr &v : {a, b}) {
    Expr g = gradient(L, v);
    h.checkFirstOrder(g, {a, b});
    h.checkJacobian(g, a);
    h.checkJacobian(g, b);
  }
}

INSTANTIATE_TEST_SUITE_P(AllBinaryOps, BinaryRule,
                         ::testing::Values(BinaryCase{Op::Add, Domain::AnySign, Domain::AnySign},
                                           BinaryCase{Op::Sub, Domain::AnySign, Domain::AnySign},
                                           BinaryCase{Op::Mul, Domain::AnySign, Domain::AnySign},
                                           BinaryCase{Op::Div, Domain::AnySign, Domain::AnySign},
                                           BinaryCase{Op::Pow, Domain::Positive, Domain::AnySign},
                                           BinaryCase{Op::Max, Domain::AnySign, Domain::AnySign},
                                           BinaryCase{Op::Min, Domain::AnySign, Domain::AnySign}),
                         binaryName);

TEST(PowRule, ConstantExponentOfNegativeBaseNeedsNoLogarithm) {
  // x.^3 at x < 0: the exponent's rule (aᵇ log a) would be NaN, and is never built.
  Harness h;
  Expr x = h.var("x", Shape::vector(4));
  Expr cube = ir::binary(Op::Pow, x, ir::fill(x->shape, 3.0));
  h.checkFirstOrder(cube, {x});
  Expr g = gradient(ir::sum(cube), x);
  h.checkFirstOrder(g, {x});
  EXPECT_EQ(countNodes({g}, Op::Log), 0);
}

TEST(PiecewiseConstantRule, SignAndHeavisideHaveExactZeroDerivative) {
  Harness h;
  Expr x = h.var("x", Shape::vector(3));
  for (Op op : {Op::Sign, Op::Heaviside}) {
    Expr g = gradient(ir::sum(ir::unary(op, x)), x);
    EXPECT_TRUE(g->isConstantValue(0.0)) << ir::opInfo(op).name;
    EXPECT_EQ(g->shape, x->shape);
  }
}

TEST(ReluRule, SecondDerivativeIsExactZero) {
  // relu′ = H and H′ = 0: the Hessian of Σ relu(x) folds to a zero constant.
  Harness h;
  Expr x = h.var("x", Shape::vector(3));
  Expr hessian = jacobian(gradient(ir::sum(ir::unary(Op::Relu, x)), x), x);
  EXPECT_TRUE(hessian->isConstantValue(0.0));
  EXPECT_EQ(hessian->shape, Shape::matrix(3, 3));
}

} // namespace
} // namespace odec::ad::testing
