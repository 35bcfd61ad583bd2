// Built-in functions: shapes, arity, broadcasting, sizes, the identity, derivatives.
#include "SemaTestUtil.h"

using namespace odec::test;
using Errors = std::vector<std::string>;

TEST(SemaBuiltins, ElementwiseAndReductions) {
  EXPECT_EQ(exprShape("tanh(s)"), "Real");
  EXPECT_EQ(exprShape("sigmoid.(W)"), "Matrix{2,3}");
  EXPECT_EQ(exprShape("max(s, 1)"), "Real");
  EXPECT_EQ(exprShape("max.(x, 0)"), "Vector{2}");
  EXPECT_EQ(exprShape("sum(W)"), "Real");
  EXPECT_EQ(exprShape("dot(x, x)"), "Real");
  EXPECT_EQ(exprShape("norm(v)"), "Real");
  EXPECT_EQ(exprShape("transpose(W)"), "Matrix{3,2}");
  EXPECT_EQ(exprShape("vcat(x, s, v)"), "Vector{6}");
}

TEST(SemaBuiltins, ElementwiseOnArrayNeedsBroadcast) {
  EXPECT_EQ(exprErrors("tanh(W * v)"),
            Errors{"t.node:9:9: error: 'tanh' applies to a Real, got Vector{2}; use "
                   "tanh.(W * v) elementwise"});
  EXPECT_EQ(exprErrors("max(x, s)"),
            Errors{"t.node:9:9: error: 'max' applies to Reals, got Vector{2} and Real; use "
                   "max.(x, s) elementwise"});
}

TEST(SemaBuiltins, Arity) {
  EXPECT_EQ(exprErrors("tanh(s, s)"), Errors{"t.node:9:9: error: 'tanh' takes 1 argument, got 2"});
  EXPECT_EQ(exprErrors("max(s)"), Errors{"t.node:9:9: error: 'max' takes 2 arguments, got 1"});
  EXPECT_EQ(exprErrors("zeros(1, 2, 3)"),
            Errors{"t.node:9:9: error: 'zeros' takes 1 or 2 arguments, got 3"});
  EXPECT_EQ(exprErrors("sum.(x)"),
            Errors{"t.node:9:9: error: 'sum' cannot be broadcast; only elementwise functions can"});
}

TEST(SemaBuiltins, ActivationsFromTheOpTable) {
  EXPECT_EQ(exprShape("gelu.(x)"), "Vector{2}");
  EXPECT_EQ(exprShape("erf(s)"), "Real");
  EXPECT_EQ(exprShape("elu.(W)"), "Matrix{2,3}");
  EXPECT_EQ(exprShape("elu.(W, 0.5)"), "Matrix{2,3}");
  EXPECT_EQ(exprShape("leakyrelu.(x, s)"), "Vector{2}");
  EXPECT_EQ(exprShape("softmax(x)"), "Vector{2}");
  EXPECT_EQ(exprErrors("leakyrelu.(x, s, s)"),
            Errors{"t.node:9:9: error: 'leakyrelu' takes 1 or 2 arguments, got 3"});
  EXPECT_EQ(exprErrors("silu(x)"),
            Errors{"t.node:9:9: error: 'silu' applies to a Real, got Vector{2}; use silu.(x) "
                   "elementwise"});
  EXPECT_EQ(exprErrors("softmax(W)"),
            Errors{"t.node:9:9: error: 'softmax' applies to a Vector, got Matrix{2,3} (for the "
                   "columns of a matrix, apply it to each column)"});
  EXPECT_EQ(exprErrors("softsgn.(x)"),
            Errors{"t.node:9:9: error: undefined function 'softsgn'; did you mean 'softsign'?"});
}

TEST(SemaBuiltins, UnknownFunction) {
  EXPECT_EQ(exprErrors("tanhh(s)"),
            Errors{"t.node:9:9: error: undefined function 'tanhh'; did you mean 'tanh'?"});
  EXPECT_EQ(exprErrors("W(s)"), Errors{"t.node:9:9: error: 'W' is not a function"});
}

TEST(SemaBuiltins, ZerosAndOnesTakeIntegerConstants) {
  EXPECT_EQ(exprShape("zeros(2)"), "Vector{2}");
  EXPECT_EQ(exprShape("ones(m, n)"), "Matrix{2,3}");
  EXPECT_EQ(exprErrors("zeros(s)"), Errors{"t.node:9:15: error: 's' is not a constant"});
  EXPECT_EQ(exprErrors("zeros(2.5)"),
            Errors{"t.node:9:15: error: a size must be an integer constant, got 2.5"});
  EXPECT_EQ(exprErrors("zeros(0)"),
            Errors{"t.node:9:9: error: zeros(0) has no elements; sizes must be positive"});
  EXPECT_EQ(exprErrors("zeros(100000, 100000)"),
            Errors{"t.node:9:9: error: zeros(100000, 100000) is too large: more than 16777216 "
                   "elements"});
}

TEST(SemaBuiltins, IdentityTakesItsSizeFromContext) {
  EXPECT_EQ(exprShape("A + I"), "Matrix{2,2}");
  EXPECT_EQ(exprShape("I - A"), "Matrix{2,2}");
  EXPECT_EQ(exprShape("I * W"), "Matrix{2,3}");
  EXPECT_EQ(exprShape("I(4)"), "Matrix{4,4}");
  EXPECT_EQ(exprErrors("W + I"),
            Errors{"t.node:9:13: error: cannot infer the size of I here; write I(n)"});
  EXPECT_EQ(exprErrors("I"),
            Errors{"t.node:9:9: error: cannot infer the size of I here; write I(n)"});
}

TEST(SemaBuiltins, Derivatives) {
  EXPECT_EQ(exprShape("gradient(dot(x, x), x)"), "Vector{2}");
  EXPECT_EQ(exprShape("gradient(sum(W * v), W)"), "Matrix{2,3}");
  EXPECT_EQ(exprShape("jacobian(W * v, v)"), "Matrix{2,3}");
  EXPECT_EQ(exprErrors("gradient(x, x)"),
            Errors{"t.node:9:18: error: 'gradient' needs a Real first argument, got Vector{2}"});
  EXPECT_EQ(exprErrors("gradient(s, 2 * s)"),
            Errors{"t.node:9:21: error: the second argument of 'gradient' must be a state, "
                   "parameter or input name"});
  EXPECT_EQ(exprErrors("jacobian(s, x)"),
            Errors{"t.node:9:18: error: 'jacobian' needs a Vector first argument, got Real"});
  EXPECT_EQ(exprErrors("jacobian(x, s)"),
            Errors{"t.node:9:21: error: the second argument of 'jacobian' must be a Vector state, "
                   "parameter or input name"});
}
