// codegen/VectorMath.h (the IR exp and tanh inside the fused solvers) against glibc over dense
// sweeps (double tanh: against glibc's long double tanhl, rounded) and at the special values, at
// every level this machine runs (instruction selection differs per level: packed conversions,
// blends, FMA). The values come out of a compiled simulator, so what is
// measured is the vectorized code the solvers run (one trajectory per SIMD lane): with states
// (x, y), ddt(x) = 0, ddt(y) = op(x), and y0 = 0, one Euler step of size 1 gives y1 = op(x0)
// exactly (0 + 1·v = v). The bounds asserted here are the ones VectorMath.h documents. Float
// code (jit::Precision::Float) rounds its input to float and widens its result exactly, so
// its results are compared with glibc's expf/tanhf of the rounded input, in float ulps.
#include "JitTestSupport.h"
#include "jit/Target.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace odec;

namespace {

/// op applied lane-wise by JIT-compiled solver code.
class VectorKernel {
public:
  VectorKernel(ir::Op op, jit::Precision precision, const std::string &cpu) {
    ir::ModelIR m;
    m.name = "Elementwise";
    m.states = {odec::testing::slot("x", ir::VarRole::State, 0, Shape::scalar(), 0),
                odec::testing::slot("y", ir::VarRole::State, 1, Shape::scalar(), 1)};
    m.ddt = {ir::zerosLike(m.states[0].var), ir::unary(op, m.states[0].var)};
    jit::CompileOptions options;
    options.precision = precision;
    options.cpu = cpu;
    sim_ = jit::compileSimulator(m, odec::testing::explicitTableaux()[0].tableau, options);
  }

  std::vector<double> operator()(const std::vector<double> &xs) const {
    const int64_t B = int64_t(xs.size());
    std::vector<double> x0(size_t(2 * B), 0.0), out(size_t(4 * B));
    for (int64_t b = 0; b < B; ++b)
      x0[size_t(2 * b)] = xs[size_t(b)];
    sim_->function()(nullptr, x0.data(), out.data(), B, 1, 1.0, nullptr);
    std::vector<double> y(xs.size());
    for (int64_t b = 0; b < B; ++b)
      y[size_t(b)] = out[size_t(4 * b + 3)];
    return y;
  }

private:
  std::unique_ptr<jit::CompiledSimulator> sim_;
};

/// Distance in units in the last place between two finite doubles of the same sign.
int64_t ulps(double a, double b) {
  return std::abs(std::bit_cast<int64_t>(a) - std::bit_cast<int64_t>(b));
}

std::vector<double> linspace(double lo, double hi, int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i)
    v.push_back(lo + (hi - lo) * i / (n - 1));
  return v;
}

struct Worst {
  int64_t ulps = 0;
  double relative = 0, at = 0;
};

Worst compare(const VectorKernel &k, const std::vector<double> &xs, double (*ref)(double)) {
  const std::vector<double> got = k(xs);
  Worst w;
  for (size_t i = 0; i < xs.size(); ++i) {
    const double want = ref(xs[i]);
    const int64_t u = ulps(got[i], want);
    if (u > w.ulps)
      w = {u, std::abs(got[i] - want) / std::abs(want), xs[i]};
  }
  return w;
}

constexpr double kInf = std::numeric_limits<double>::infinity();

/// exp at ±0 (1), overflow (`over`, 1e300, inf → inf), underflow (`under`, −1e300, −inf → 0),
/// NaN, two arguments with subnormal results (within two units of the subnormal spacing of
/// `ref`'s precision) and a tiny argument (1).
void expectExpSpecialValues(jit::Precision precision, double over, double under,
                            std::pair<double, double> subnormal, double tiny, double (*ref)(double),
                            double spacing) {
  for (const std::string &cpu : jit::runnableLevels()) {
    SCOPED_TRACE(cpu);
    VectorKernel exp(ir::Op::Exp, precision, cpu);
    const std::vector<double> got = exp({0.0, -0.0, over, 1e300, kInf, under, -1e300, -kInf,
                                         std::nan(""), subnormal.first, subnormal.second, tiny});
    EXPECT_EQ(got[0], 1.0);
    EXPECT_EQ(got[1], 1.0);
    EXPECT_EQ(got[2], kInf);
    EXPECT_EQ(got[3], kInf);
    EXPECT_EQ(got[4], kInf);
    EXPECT_EQ(got[5], 0.0);
    EXPECT_EQ(got[6], 0.0);
    EXPECT_EQ(got[7], 0.0);
    EXPECT_TRUE(std::isnan(got[8]));
    EXPECT_LE(std::abs(got[9] - ref(subnormal.first)), 2 * spacing);
    EXPECT_LE(std::abs(got[10] - ref(subnormal.second)), 2 * spacing);
    EXPECT_EQ(got[11], 1.0);
  }
}

/// tanh at ±0, beyond saturation (±big, ±1e300, ±inf), NaN and a tiny subnormal (returned
/// unchanged).
void expectTanhSpecialValues(jit::Precision precision, double big, double tiny) {
  for (const std::string &cpu : jit::runnableLevels()) {
    SCOPED_TRACE(cpu);
    VectorKernel tanh(ir::Op::Tanh, precision, cpu);
    const std::vector<double> got =
        tanh({0.0, -0.0, big, -big, 400.0, -1e300, kInf, -kInf, std::nan(""), tiny});
    EXPECT_EQ(got[0], 0.0);
    EXPECT_FALSE(std::signbit(got[0]));
    EXPECT_EQ(got[1], 0.0); // (−0's sign does not survive the harness's 0 + 1·v)
    EXPECT_EQ(got[2], 1.0);
    EXPECT_EQ(got[3], -1.0);
    EXPECT_EQ(got[4], 1.0);
    EXPECT_EQ(got[5], -1.0);
    EXPECT_EQ(got[6], 1.0);
    EXPECT_EQ(got[7], -1.0);
    EXPECT_TRUE(std::isnan(got[8]));
    EXPECT_EQ(got[9], tiny);
  }
}

} // namespace

TEST(VectorMath, ExpWithinTwoUlpOverTheNormalRange) {
  std::vector<double> xs = linspace(-708, 709.7, 2'000'001);
  for (double x : linspace(-1, 1, 200'001))
    xs.push_back(x);
  for (const std::string &cpu : jit::runnableLevels()) {
    SCOPED_TRACE(cpu);
    VectorKernel exp(ir::Op::Exp, jit::Precision::Double, cpu);
    const Worst w = compare(exp, xs, std::exp);
    EXPECT_LE(w.ulps, 2) << "at x = " << w.at;
    EXPECT_LE(w.relative, 4.5e-16);
  }
}

TEST(VectorMath, ExpSpecialValues) {
  // exp(−720) and exp(−740) are subnormal doubles (spacing 2^-1074).
  expectExpSpecialValues(
      jit::Precision::Double, 710.0, -746.0, {-720.0, -740.0}, 1e-300,
      [](double x) { return std::exp(x); }, 4.9406564584124654e-324);
}

TEST(VectorMath, TanhWithinThreeUlpEverywhere) {
  std::vector<double> xs = linspace(-25, 25, 4'000'001);
  for (double x : linspace(-0.7, 0.7, 400'001)) // both sides of the 0.625 switch, densely
    xs.push_back(x);
  for (int e = -300; e <= -1; ++e) // tiny arguments: tanh x = x to the last bit
    for (double m : {1.0, 1.7, 3.3, 7.9})
      xs.insert(xs.end(), {m * std::pow(10.0, e), -m * std::pow(10.0, e)});
  // Against tanhl (x87 long double, 11 more bits) rounded to double: glibc's double tanh is
  // itself up to ~2 ulp off (2.1 ulp at x = −0.2339), so ulps against it measure both errors.
  for (const std::string &cpu : jit::runnableLevels()) {
    SCOPED_TRACE(cpu);
    VectorKernel tanh(ir::Op::Tanh, jit::Precision::Double, cpu);
    const Worst w = compare(tanh, xs, [](double x) { return double(std::tanh((long double)x)); });
    EXPECT_LE(w.ulps, 2) << "at x = " << w.at;
    EXPECT_LE(w.relative, 2.5e-16);
  }
}

TEST(VectorMath, TanhSpecialValues) {
  expectTanhSpecialValues(jit::Precision::Double, 19.5, 5e-324);
}

// ---------------------------------------------------------------------------------------
// Float code: the same algorithms with Cephes' single-precision coefficients (expf.c, tanhf.c).

namespace {

/// Distance in float ulps between two finite floats of the same sign.
int64_t floatUlps(float a, float b) {
  return std::abs(int64_t(std::bit_cast<int32_t>(a)) - int64_t(std::bit_cast<int32_t>(b)));
}

/// The worst float-ulp distance of k's float results from ref at the float-rounded inputs.
Worst compareFloat(const VectorKernel &k, const std::vector<double> &xs, float (*ref)(float)) {
  const std::vector<double> got = k(xs);
  Worst w;
  for (size_t i = 0; i < xs.size(); ++i) {
    const float want = ref(float(xs[i]));
    EXPECT_EQ(double(float(got[i])), got[i]) << "not a float result at x = " << xs[i];
    const int64_t u = floatUlps(float(got[i]), want);
    if (u > w.ulps)
      w = {u, std::abs(got[i] - double(want)) / std::abs(double(want)), xs[i]};
  }
  return w;
}

constexpr double kFloatSubnormal = 1.4012984643248171e-45; // 2^-149

} // namespace

TEST(VectorMath, FloatExpWithinTwoUlpOverTheNormalRange) {
  std::vector<double> xs = linspace(-87.3, 88.72, 2'000'001);
  for (double x : linspace(-1, 1, 200'001))
    xs.push_back(x);
  for (const std::string &cpu : jit::runnableLevels()) {
    SCOPED_TRACE(cpu);
    VectorKernel exp(ir::Op::Exp, jit::Precision::Float, cpu);
    const Worst w = compareFloat(exp, xs, expf);
    EXPECT_LE(w.ulps, 2) << "at x = " << w.at;
    EXPECT_LE(w.relative, 2.4e-7);
  }
}

TEST(VectorMath, FloatExpSpecialValues) {
  // 88.8 is above log(FLT_MAX) ≈ 88.72, so it overflows in float; exp(−95) and exp(−102.5) are
  // subnormal floats (spacing 2^-149).
  expectExpSpecialValues(
      jit::Precision::Float, 88.8, -104.0, {-95.0, -102.5}, 1e-30,
      [](double x) { return double(expf(float(x))); }, kFloatSubnormal);
}

TEST(VectorMath, FloatTanhWithinThreeUlpEverywhere) {
  std::vector<double> xs = linspace(-12, 12, 2'000'001);
  for (double x : linspace(-0.7, 0.7, 400'001)) // both sides of the 0.625 switch, densely
    xs.push_back(x);
  for (int e = -44; e <= -1; ++e) // tiny arguments, subnormal floats included: tanh x = x
    for (double m : {1.0, 1.7, 3.3, 7.9})
      xs.insert(xs.end(), {m * std::pow(10.0, e), -m * std::pow(10.0, e)});
  for (const std::string &cpu : jit::runnableLevels()) {
    SCOPED_TRACE(cpu);
    VectorKernel tanh(ir::Op::Tanh, jit::Precision::Float, cpu);
    const Worst w = compareFloat(tanh, xs, tanhf);
    EXPECT_LE(w.ulps, 3) << "at x = " << w.at;
    EXPECT_LE(w.relative, 3.6e-7);
  }
}

TEST(VectorMath, FloatTanhSpecialValues) {
  // 1e-40 is a subnormal float.
  expectTanhSpecialValues(jit::Precision::Float, 9.5, double(1e-40f));
}

TEST(VectorMath, WholeNumberPowersAreMultipliedOutWithinAFewUlp) {
  // y.^k with a constant whole-number k runs as multiplications (no libm call per lane):
  // within |k|/2 + 1 ulp of pow for |k| ≤ 15 (the roundings of the products compound), exact
  // at pow's special values (zeros compared by value: the Euler step's 0 + (−0) is +0).
  for (int k : {-7, -2, -1, 0, 1, 2, 3, 4, 5, 15}) {
    ir::ModelIR m;
    m.name = "Power";
    m.states = {odec::testing::slot("x", ir::VarRole::State, 0, Shape::scalar(), 0),
                odec::testing::slot("y", ir::VarRole::State, 1, Shape::scalar(), 1)};
    m.ddt = {ir::zerosLike(m.states[0].var),
             ir::binary(ir::Op::Pow, m.states[0].var, ir::fill(Shape::scalar(), double(k)))};
    auto sim = jit::compileSimulator(m, odec::testing::explicitTableaux()[0].tableau);
    std::vector<double> xs = linspace(-3, 3, 601);
    xs.erase(std::remove(xs.begin(), xs.end(), 0.0), xs.end());
    xs.insert(xs.end(), {0.0, -0.0, 1e-3, 7.5, -7.5, INFINITY, -INFINITY});
    const int64_t B = int64_t(xs.size());
    std::vector<double> x0(size_t(2 * B), 0.0), out(size_t(4 * B));
    for (int64_t b = 0; b < B; ++b)
      x0[size_t(2 * b)] = xs[size_t(b)];
    sim->function()(nullptr, x0.data(), out.data(), B, 1, 1.0, nullptr);
    for (int64_t b = 0; b < B; ++b) {
      const double x = xs[size_t(b)], got = out[size_t(4 * b + 3)], want = std::pow(x, k);
      if (want == 0)
        EXPECT_EQ(got, 0.0) << x << "^" << k;
      else if (!std::isfinite(want))
        EXPECT_EQ(std::bit_cast<uint64_t>(got), std::bit_cast<uint64_t>(want)) << x << "^" << k;
      else
        EXPECT_LE(ulps(got, want), std::abs(k) / 2 + 1)
            << x << "^" << k << ": " << got << " vs " << want;
    }
  }
}
