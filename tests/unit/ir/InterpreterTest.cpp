// The reference interpreter against values computed by hand.
#include "ir/Interpreter.h"
#include "ir/Builder.h"
#include "ir/Model.h"
#include "support/InternalError.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace odec;
using namespace odec::ir;

namespace {
std::vector<double> eval(const Expr &e, const Expr &x, std::vector<double> xv) {
  return evaluate(e, [&](const Node &v) {
    EXPECT_EQ(&v, x.get());
    return xv;
  });
}
} // namespace

TEST(Interpreter, MatrixOperations) {
  Expr W = variable("W", VarRole::Param, 0, Shape::matrix(2, 3));
  std::vector<double> w = {1, 2, 3, 4, 5, 6};
  Expr x = constant(Shape::vector(3), {1, 0, -1});
  EXPECT_EQ(eval(matmul(W, x), W, w), (std::vector<double>{-2, -2}));
  EXPECT_EQ(eval(transpose(W), W, w), (std::vector<double>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(eval(sumTo(W, Shape::vector(2)), W, w), (std::vector<double>{6, 15}));
  EXPECT_EQ(eval(sumTo(W, Shape::rowVector(3)), W, w), (std::vector<double>{5, 7, 9}));
  EXPECT_EQ(eval(sum(W), W, w), (std::vector<double>{21}));
  EXPECT_EQ(eval(slice(W, 1, 1, Shape::rowVector(2)), W, w), (std::vector<double>{5, 6}));
  EXPECT_EQ(eval(slice(W, 0, 2, Shape::vector(2)), W, w), (std::vector<double>{3, 6}));
  Expr col = constant(Shape::vector(2), {10, 20});
  EXPECT_EQ(eval(add(W, broadcast(col, Shape::matrix(2, 3))), W, w),
            (std::vector<double>{11, 12, 13, 24, 25, 26}));
  EXPECT_EQ(eval(concat({W, transpose(constant(Shape::vector(3), {7, 8, 9}))}, 0), W, w),
            (std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(eval(concat({W, col}, 1), W, w), (std::vector<double>{1, 2, 3, 10, 4, 5, 6, 20}));
}

TEST(Interpreter, ElementwiseFunctions) {
  EXPECT_DOUBLE_EQ(evalUnary(Op::Sigmoid, 0.0), 0.5);
  EXPECT_DOUBLE_EQ(evalUnary(Op::Softplus, 0.0), std::log(2.0));
  EXPECT_DOUBLE_EQ(evalUnary(Op::Softplus, 800.0), 800.0); // no overflow
  EXPECT_DOUBLE_EQ(evalUnary(Op::Softplus, -2.0), std::log(1 + std::exp(-2.0)));
  EXPECT_EQ(evalUnary(Op::Relu, -3.0), 0.0);
  EXPECT_EQ(evalUnary(Op::Relu, 3.0), 3.0);
  EXPECT_EQ(evalUnary(Op::Sign, -3.0), -1.0);
  EXPECT_EQ(evalUnary(Op::Sign, 0.0), 0.0);
  EXPECT_EQ(evalUnary(Op::Heaviside, 0.0), 0.0);
  EXPECT_EQ(evalUnary(Op::Heaviside, 1e-300), 1.0);
  EXPECT_EQ(evalBinary(Op::Pow, 2.0, 10.0), 1024.0);
  EXPECT_EQ(evalBinary(Op::Max, 2.0, -1.0), 2.0);
  EXPECT_EQ(evalBinary(Op::Min, 2.0, -1.0), -1.0);
  EXPECT_THROW(evalUnary(Op::Add, 1.0), InternalError);
}

TEST(Interpreter, SpiralFieldByHand) {
  // ddt(x) = W2 * tanh.(W1 * x .+ b1) .+ b2 with H = 2, evaluated through ModelIR::field.
  ModelIR m;
  m.name = "Tiny";
  auto slot = [](std::string n, VarRole r, int i, Shape s, int64_t off) {
    return ModelIR::Slot{n, s, variable(n, r, i, s), off};
  };
  m.states = {slot("x", VarRole::State, 0, Shape::vector(2), 0)};
  m.params = {slot("W1", VarRole::Param, 0, Shape::matrix(2, 2), 0),
              slot("b1", VarRole::Param, 1, Shape::vector(2), 4),
              slot("W2", VarRole::Param, 2, Shape::matrix(2, 2), 6),
              slot("b2", VarRole::Param, 3, Shape::vector(2), 10)};
  Expr h = unary(Op::Tanh, add(matmul(m.params[0].var, m.states[0].var), m.params[1].var));
  m.ddt = {add(matmul(m.params[2].var, h), m.params[3].var)};
  EXPECT_EQ(m.stateDim(), 2);
  EXPECT_EQ(m.paramCount(), 12);
  Function f = m.field();
  ASSERT_EQ(f.inputs.size(), 5u);
  EXPECT_EQ(f.outputNames, std::vector<std::string>{"ddt(x)"});
  auto out = evaluate(f, {{0.5, -1}, {1, 0, 0, 2}, {0, 1}, {1, 1, 0, 1}, {0.25, 0}});
  double h0 = std::tanh(0.5), h1 = std::tanh(-2 + 1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_DOUBLE_EQ(out[0][0], h0 + h1 + 0.25);
  EXPECT_DOUBLE_EQ(out[0][1], h1);
  EXPECT_THROW(evaluate(f, {{0.5, -1}}), InternalError);
}
