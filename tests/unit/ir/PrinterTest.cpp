// Julia-style printing and the SSA listing.
#include "ir/Printer.h"
#include "ir/Builder.h"

#include <gtest/gtest.h>

using namespace odec;
using namespace odec::ir;

namespace {
Expr var(const char *name, Shape s, VarRole r = VarRole::Param) { return variable(name, r, 0, s); }
} // namespace

TEST(Printer, SpiralField) {
  Expr x = var("x", Shape::vector(2), VarRole::State);
  Expr W1 = var("W1", Shape::matrix(16, 2)), b1 = var("b1", Shape::vector(16));
  Expr W2 = var("W2", Shape::matrix(2, 16)), b2 = var("b2", Shape::vector(2));
  Expr f = add(matmul(W2, unary(Op::Tanh, add(matmul(W1, x), b1))), b2);
  EXPECT_EQ(toJulia(f), "W2 * tanh.(W1 * x .+ b1) .+ b2");
}

TEST(Printer, ScalarsAndPrecedence) {
  Expr a = var("a", Shape::scalar()), b = var("b", Shape::scalar());
  Expr x = var("x", Shape::vector(3));
  EXPECT_EQ(toJulia(scalar(2)), "2.0");
  EXPECT_EQ(toJulia(scalar(0.1)), "0.1");
  EXPECT_EQ(toJulia(scalar(1e-10)), "1.0e-10");
  EXPECT_EQ(toJulia(mul(add(a, b), a)), "(a + b) * a");
  EXPECT_EQ(toJulia(sub(a, sub(a, b))), "a - (a - b)");
  EXPECT_EQ(toJulia(sub(sub(a, b), a)), "a - b - a");
  EXPECT_EQ(toJulia(neg(binary(Op::Pow, a, b))), "-a ^ b");
  EXPECT_EQ(toJulia(binary(Op::Pow, neg(a), b)), "(-a) ^ b");
  EXPECT_EQ(toJulia(unary(Op::Sin, a)), "sin(a)");
  // A scalar broadcast is implicit in the dotted operator.
  EXPECT_EQ(toJulia(add(x, scalar(2))), "x .+ 2.0");
  EXPECT_EQ(toJulia(mul(a, x)), "a .* x");
  EXPECT_EQ(toJulia(add(x, scalar(-1))), "x .+ -1.0");
  EXPECT_EQ(toJulia(binary(Op::Max, x, scalar(0))), "max.(x, 0.0)");
  EXPECT_EQ(toJulia(unary(Op::Sigmoid, x)), "sigmoid.(x)");
  EXPECT_EQ(toJulia(neg(x)), "-x");
}

TEST(Printer, StructuralOps) {
  Expr x = var("x", Shape::vector(3));
  Expr W = var("W", Shape::matrix(3, 4));
  EXPECT_EQ(toJulia(sum(x)), "sum(x)");
  EXPECT_EQ(toJulia(sumTo(W, Shape::vector(3))), "vec(sum(W, dims=2))");
  EXPECT_EQ(toJulia(sumTo(W, Shape::rowVector(4))), "sum(W, dims=1)");
  EXPECT_EQ(toJulia(slice(x, 1, 0, Shape::scalar())), "x[2]");
  EXPECT_EQ(toJulia(slice(x, 0, 0, Shape::vector(2))), "x[1:2]");
  EXPECT_EQ(toJulia(slice(W, 1, 0, Shape::rowVector(4))), "W[2, :]");
  EXPECT_EQ(toJulia(slice(W, 0, 2, Shape::matrix(3, 2))), "W[:, 3:4]");
  EXPECT_EQ(toJulia(concat({x, x}, 0)), "[x; x]");
  EXPECT_EQ(toJulia(transpose(x)), "x'");
  EXPECT_EQ(toJulia(transpose(add(W, W))), "(W .+ W)'");
  EXPECT_EQ(toJulia(matmul(transpose(x), x)), "x' * x");
  EXPECT_EQ(toJulia(broadcast(var("s", Shape::scalar()), Shape::vector(3))), "fill(s, 3)");
}

TEST(Printer, ConstantLiterals) {
  EXPECT_EQ(toJulia(constant(Shape::matrix(2, 2), {1, 2, 3, 4})), "[1.0 2.0; 3.0 4.0]");
  EXPECT_EQ(toJulia(constant(Shape::vector(2), {1, -2.5})), "[1.0, -2.5]");
  EXPECT_EQ(toJulia(constant(Shape::rowVector(2), {1, 2})), "[1.0 2.0]");
  EXPECT_EQ(toJulia(fill(Shape::vector(16), 0)), "zeros(16)");
  EXPECT_EQ(toJulia(fill(Shape::matrix(2, 3), 1)), "ones(2, 3)");
  EXPECT_EQ(toJulia(fill(Shape::vector(2), 0.5)), "fill(0.5, 2)");
}

TEST(Printer, FunctionNamesSharedTerms) {
  Expr x = var("x", Shape::vector(2), VarRole::State);
  Expr W = var("W", Shape::matrix(2, 2));
  Expr t = unary(Op::Tanh, matmul(W, x));
  Function f{"F", {x, W}, {add(t, mul(t, t))}, {"ddt(x)"}};
  EXPECT_EQ(toJulia(f), "t1 = tanh.(W * x)\nddt(x) = t1 .+ t1 .* t1\n");
  EXPECT_EQ(dumpSSA(f), "function F(x : Vector{2}, W : Matrix{2,2})\n"
                        "  %0 : Vector{2} = state x #0\n"
                        "  %1 : Matrix{2,2} = param W #0\n"
                        "  %2 : Vector{2} = matmul %1, %0\n"
                        "  %3 : Vector{2} = tanh %2\n"
                        "  %4 : Vector{2} = mul %3, %3\n"
                        "  %5 : Vector{2} = add %3, %4\n"
                        "  return ddt(x) = %5\n"
                        "end\n");
}
