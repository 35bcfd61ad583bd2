// Model-level rules: types, priors, ddt equations, unused parameters.
#include "SemaTestUtil.h"

using namespace odec::test;
using Errors = std::vector<std::string>;

namespace {
/// A one-state model whose line 3 is `line`.
std::string withLine(const std::string &line) {
  return "model M\n"
         "    state x::Vector{2}\n" +
         line + "\n" +
         "    ddt(x) = x\n"
         "end\n";
}
} // namespace

TEST(SemaModel, Types) {
  auto r = runSema("model M\n"
                   "    const n = 4\n"
                   "    state x::Vector{n}\n"
                   "    state s::Real\n"
                   "    state W::Matrix{2, n}\n"
                   "    ddt(x) = x\n"
                   "    ddt(s) = s\n"
                   "    ddt(W) = W\n"
                   "end\n");
  ASSERT_TRUE(r->ok) << r->diags.formatAll();
  const auto &m = r->checked.models.at(0);
  ASSERT_EQ(m.states.size(), 3u);
  EXPECT_EQ(m.states[0].shape, odec::Shape::vector(4));
  EXPECT_EQ(m.states[1].shape, odec::Shape::scalar());
  EXPECT_EQ(m.states[2].shape, odec::Shape::matrix(2, 4));
}

TEST(SemaModel, BadTypes) {
  EXPECT_EQ(runSema(withLine("    state y::Vec{2}"))->errors()[0],
            "t.node:3:14: error: unknown type 'Vec'; expected Real, Vector{n} or Matrix{m,n}");
  EXPECT_EQ(runSema(withLine("    state y::Vector{2, 3}"))->errors()[0],
            "t.node:3:14: error: Vector takes 1 dimension, got 2");
  EXPECT_EQ(runSema(withLine("    state y::Vector{0}"))->errors()[0],
            "t.node:3:14: error: Vector{0} has no elements; sizes must be positive");
  EXPECT_EQ(runSema(withLine("    state y::Vector{1.5}"))->errors()[0],
            "t.node:3:21: error: a dimension must be an integer constant, got 1.5");
  EXPECT_EQ(runSema(withLine("    param W::Matrix{100000, 100000} ~ Zeros()"))->errors()[0],
            "t.node:3:14: error: Matrix{100000,100000} is too large: more than 16777216 elements");
}

TEST(SemaModel, Priors) {
  auto r = runSema("model M\n"
                   "    state x::Vector{2}\n"
                   "    param a::Real ~ Normal(0, 1//2)\n"
                   "    param b::Real ~ Uniform(-1, 2)\n"
                   "    param c::Real ~ Constant(sqrt(4))\n"
                   "    param d::Matrix{2,2} ~ Glorot()\n"
                   "    ddt(x) = a * b * c * d * x\n"
                   "end\n");
  ASSERT_TRUE(r->ok) << r->diags.formatAll();
  const auto &p = r->checked.models.at(0).params;
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].prior.kind, odec::Prior::Kind::Normal);
  EXPECT_EQ(p[0].prior.b, 0.5);
  EXPECT_EQ(p[1].prior.kind, odec::Prior::Kind::Uniform);
  EXPECT_EQ(p[1].prior.a, -1);
  EXPECT_EQ(p[2].prior.a, 2);
  EXPECT_EQ(p[3].prior.kind, odec::Prior::Kind::Glorot);
}

TEST(SemaModel, BadPriors) {
  EXPECT_EQ(runSema(withLine("    param k::Real ~ Gaussian(0, 1)"))->errors(),
            Errors{"t.node:3:21: error: unknown prior 'Gaussian'; known priors are Normal, "
                   "Uniform, Zeros, Ones, Glorot and Constant"});
  EXPECT_EQ(runSema(withLine("    param k::Real ~ Normal(0)"))->errors(),
            Errors{"t.node:3:21: error: 'Normal' takes 2 arguments, got 1"});
  EXPECT_EQ(runSema(withLine("    param k::Real ~ Normal(0, 0)"))->errors(),
            Errors{"t.node:3:31: error: the standard deviation of Normal must be positive, got 0"});
  EXPECT_EQ(runSema(withLine("    param k::Real ~ Uniform(2, 1)"))->errors(),
            Errors{"t.node:3:21: error: Uniform(a, b) needs a < b, got 2 and 1"});
  EXPECT_EQ(runSema(withLine("    param k::Real ~ Normal(x, 1)"))->errors(),
            Errors{"t.node:3:28: error: 'x' is not a constant (it is a state)"});
  EXPECT_EQ(runSema(withLine("    param k::Real ~ Normal(0, 1/0)"))->errors(),
            Errors{"t.node:3:31: error: constant '1/0' is not finite (evaluates to inf)"});
}

TEST(SemaModel, DdtRules) {
  auto r = runSema("model M\n"
                   "    state x::Vector{2}\n"
                   "    state y::Vector{3}\n"
                   "    state z::Real\n"
                   "    param k::Real ~ Zeros()\n"
                   "    ddt(x) = k * x\n"
                   "    ddt(x) = x\n"
                   "    ddt(y) = x\n"
                   "    ddt(k) = k\n"
                   "    ddt(w) = k\n"
                   "end\n");
  EXPECT_EQ(r->errors(),
            Errors({"t.node:7:9: error: duplicate ddt(x) (first defined at line 6)",
                    "t.node:8:14: error: ddt(y) has shape Vector{2}, but state 'y' is Vector{3}",
                    "t.node:9:9: error: ddt(k) is for the parameter 'k'; only states have a ddt",
                    "t.node:10:9: error: ddt(w) is for an undefined state 'w'",
                    "t.node:4:11: error: state 'z' has no ddt(z)"}));
}

TEST(SemaModel, NoStates) {
  auto r = runSema("model Empty\n"
                   "    const c = 1\n"
                   "end\n");
  EXPECT_EQ(r->errors(), Errors{"t.node:1:7: error: model 'Empty' has no states"});
}

TEST(SemaModel, UnusedParameterWarns) {
  auto r = runSema("model M\n"
                   "    state x::Vector{2}\n"
                   "    param k::Real ~ Zeros()\n"
                   "    param unused::Real ~ Zeros()\n"
                   "    ddt(x) = k * x\n"
                   "end\n");
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->warnings(), Errors{"t.node:4:11: warning: parameter 'unused' is never used"});
}

TEST(SemaModel, ConstsAreEvaluatedExactly) {
  auto r = runSema("model M\n"
                   "    const a = 1//10\n"
                   "    const b = [a, 2 * a]\n"
                   "    state x::Vector{2}\n"
                   "    ddt(x) = b .* x\n"
                   "end\n");
  ASSERT_TRUE(r->ok) << r->diags.formatAll();
  const auto &c = r->checked.models.at(0).consts;
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(*c[0].value.elems[0].exact, odec::Rational(1, 10));
  EXPECT_EQ(c[1].value.shape, odec::Shape::vector(2));
  EXPECT_EQ(*c[1].value.elems[1].exact, odec::Rational(1, 5));
}
