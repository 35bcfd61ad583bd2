// Lowering to IR, checked by evaluating the IR with the interpreter against values
// computed by hand (plain loops here, independent of sema and the IR).
#include "SemaTestUtil.h"

#include "ir/Interpreter.h"
#include "lower/LowerModel.h"

#include <cmath>

using namespace odec;
using namespace odec::test;

namespace {

/// Lowers model `name` of `src`, which must check cleanly.
struct Lowered {
  std::unique_ptr<SemaRun> run;
  ir::ModelIR model;
};
Lowered lower(const std::string &src, const std::string &name = "M") {
  Lowered l{runSema(src), {}};
  EXPECT_TRUE(l.run->ok) << l.run->diags.formatAll();
  const sema::CheckedModel *m = l.run->checked.findModel(name);
  if (!m)
    throw std::runtime_error("model " + name + " did not check");
  l.model = lowerModel(*m);
  return l;
}

std::vector<double> iota(size_t n, double start, double step) {
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = start + step * double(i);
  return v;
}

void expectNear(const std::vector<double> &got, const std::vector<double> &want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], 1e-12 * std::max(1.0, std::fabs(want[i]))) << "element " << i;
}

} // namespace

TEST(Lower, SpiralMatchesHandComputation) {
  Lowered l = lower(readFile(ODEC_SOURCE_DIR "/examples/spiral.node"), "Spiral");
  const ir::ModelIR &m = l.model;
  ASSERT_EQ(m.states.size(), 1u);
  ASSERT_EQ(m.params.size(), 4u);
  EXPECT_EQ(m.stateDim(), 2);
  EXPECT_EQ(m.paramCount(), 32 + 16 + 32 + 2);
  EXPECT_EQ(m.params[2].name, "W2");
  EXPECT_EQ(m.params[2].offset, 48);
  EXPECT_EQ(m.params[3].offset, 80);
  EXPECT_EQ(m.params[1].var->role, ir::VarRole::Param);
  EXPECT_EQ(m.params[1].var->index, 1);

  std::vector<double> x = {0.3, -0.7};
  std::vector<double> W1 = iota(32, -0.5, 0.031), b1 = iota(16, 0.1, -0.013),
                      W2 = iota(32, 0.4, -0.027), b2 = {0.25, -0.125};
  // ddt(x) = W2 * tanh.(W1 * x .+ b1) .+ b2, row-major storage.
  std::vector<double> h(16), want(2);
  for (int i = 0; i < 16; ++i)
    h[i] = std::tanh(W1[i * 2] * x[0] + W1[i * 2 + 1] * x[1] + b1[i]);
  for (int i = 0; i < 2; ++i) {
    want[i] = b2[i];
    for (int k = 0; k < 16; ++k)
      want[i] += W2[i * 16 + k] * h[k];
  }
  auto out = ir::evaluate(m.field(), {x, W1, b1, W2, b2});
  ASSERT_EQ(out.size(), 1u);
  expectNear(out[0], want);
}

TEST(Lower, OscillatorInlinesConsts) {
  Lowered l = lower(readFile(ODEC_SOURCE_DIR "/examples/oscillator.node"), "Oscillator");
  EXPECT_EQ(l.model.states[1].offset, 1);
  // ddt(q) = p; ddt(p) = -k q - (1/10) p at q = 2, p = 3, k = 1.5.
  auto out = ir::evaluate(l.model.field(), {{2}, {3}, {1.5}});
  expectNear(out[0], {3});
  expectNear(out[1], {-1.5 * 2 - 0.1 * 3});
}

TEST(Lower, LetsAreSharedNodes) {
  Lowered l = lower("model M\n"
                    "    state x::Vector{2}\n"
                    "    state y::Vector{2}\n"
                    "    h = exp.(x)\n"
                    "    ddt(x) = h\n"
                    "    ddt(y) = h .* y\n"
                    "end\n");
  EXPECT_EQ(l.model.ddt[0].get(), l.model.ddt[1]->args[0].get());
}

TEST(Lower, IndexingArraysAndIdentity) {
  Lowered l = lower("model M\n"
                    "    state x::Vector{3}\n"
                    "    param W::Matrix{2,3} ~ Zeros()\n"
                    "    const c = [1 2; 3 4]\n"
                    "    r = W[2, :]\n"             // row 2 of W as a Vector{3}
                    "    top = [x[1:2]; W[1, 3]]\n" // Vector{3}
                    "    M = (c + I) * W[:, 1:2]\n" // Matrix{2,2}
                    "    ddt(x) = r .* top .+ [M[1, 2], M[2, 1], sum(c)]\n"
                    "end\n");
  std::vector<double> x = {1.5, -2, 0.5}, W = {1, 2, 3, 4, 5, 6};
  // r = (4,5,6); top = (1.5, -2, 3); (c + I) = [2 2; 3 5]; W[:,1:2] = [1 2; 4 5]
  // M = [2*1+2*4, 2*2+2*5; 3*1+5*4, 3*2+5*5] = [10 14; 23 31]
  auto out = ir::evaluate(l.model.field(), {x, W});
  expectNear(out[0], {4 * 1.5 + 14, 5 * -2.0 + 23, 6 * 3 + 10});
}

TEST(Lower, BroadcastsAndBuiltins) {
  Lowered l = lower("model M\n"
                    "    state x::Vector{2}\n"
                    "    state s::Real\n"
                    "    ddt(x) = max.(x, 0) .+ x' * x .- [sigmoid(s), relu(-s)] ./ norm(x)\n"
                    "    ddt(s) = dot(x, x) ^ 2 + softplus(s) - abs(s) / 2\n"
                    "end\n");
  std::vector<double> x = {3, -4};
  double s = 0.7, n2 = 25, norm = 5;
  auto out = ir::evaluate(l.model.field(), {x, {s}});
  double sig = 1 / (1 + std::exp(-s));
  expectNear(out[0], {3 + n2 - sig / norm, 0 + n2 - 0 / norm});
  expectNear(out[1], {n2 * n2 + std::log1p(std::exp(s)) - s / 2});
}

TEST(Lower, DerivativesCallTheDifferentiator) {
  Lowered l = lower("model M\n"
                    "    state x::Vector{2}\n"
                    "    param A::Matrix{2,2} ~ Zeros()\n"
                    "    H = 1//2 * x' * A * x\n"
                    "    ddt(x) = gradient(H, x) + jacobian(tanh.(A * x), x) * x\n"
                    "end\n");
  std::vector<double> x = {0.5, -1}, A = {1, 2, 3, 4};
  // gradient of x'Ax/2 = (A + A')x/2; jacobian of tanh.(Ax) = diag(1 - tanh²(Ax)) A.
  double a0 = A[0] * x[0] + A[1] * x[1], a1 = A[2] * x[0] + A[3] * x[1];
  std::vector<double> want = {
      ((A[0] + A[0]) * x[0] + (A[1] + A[2]) * x[1]) / 2 + (1 - std::pow(std::tanh(a0), 2)) * a0,
      ((A[2] + A[1]) * x[0] + (A[3] + A[3]) * x[1]) / 2 + (1 - std::pow(std::tanh(a1), 2)) * a1};
  auto out = ir::evaluate(l.model.field(), {x, A});
  expectNear(out[0], want);
}
