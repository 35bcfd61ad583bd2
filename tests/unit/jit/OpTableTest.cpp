// The op table (ir/OpTable.h) against independent references, for every elementwise op it
// lists: the interpreter's value, the derivative against central differences, the LLVM code
// (double and float, every lane of a batch chunk and its tail) and the emitted C++. A new op
// without a reference here fails the first test, so every op gets these checks.
#include "ir/Builder.h"
#include "ir/Interpreter.h"
#include "ir/OpTable.h"
#include "odec/odec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

using namespace odec;

namespace {

using Ref = std::function<double(double, double)>;

// Written from each op's mathematical definition, not from the table's formulas.
const std::map<std::string, Ref> &references() {
  static const std::map<std::string, Ref> refs = {
      {"neg", [](double x, double) { return -x; }},
      {"exp", [](double x, double) { return std::exp(x); }},
      {"log", [](double x, double) { return std::log(x); }},
      {"sin", [](double x, double) { return std::sin(x); }},
      {"cos", [](double x, double) { return std::cos(x); }},
      {"tanh", [](double x, double) { return std::tanh(x); }},
      {"sigmoid", [](double x, double) { return 0.5 + 0.5 * std::tanh(x / 2); }},
      {"relu", [](double x, double) { return x > 0 ? x : 0.0; }},
      {"softplus", [](double x, double) { return std::log1p(std::exp(x)); }},
      {"sqrt", [](double x, double) { return std::sqrt(x); }},
      {"abs", [](double x, double) { return std::fabs(x); }},
      {"sign", [](double x, double) { return double((x > 0) - (x < 0)); }},
      {"heaviside", [](double x, double) { return x > 0 ? 1.0 : 0.0; }},
      {"erf", [](double x, double) { return std::erf(x); }},
      {"gelu", [](double x, double) { return x * 0.5 * std::erfc(-x / std::sqrt(2.0)); }},
      {"silu", [](double x, double) { return x * (0.5 + 0.5 * std::tanh(x / 2)); }},
      {"softsign", [](double x, double) { return x / (1 + std::fabs(x)); }},
      {"add", [](double x, double y) { return x + y; }},
      {"sub", [](double x, double y) { return x - y; }},
      {"mul", [](double x, double y) { return x * y; }},
      {"div", [](double x, double y) { return x / y; }},
      {"pow", [](double x, double y) { return std::exp(y * std::log(x)); }},
      {"max", [](double x, double y) { return x > y ? x : y; }},
      {"min", [](double x, double y) { return x < y ? x : y; }},
      {"elu", [](double x, double a) { return x > 0 ? x : a * std::expm1(x); }},
      {"leakyrelu", [](double x, double a) { return x > 0 ? x : a * x; }},
  };
  return refs;
}

std::vector<ir::Op> elementwiseOps() {
  std::vector<ir::Op> ops;
  for (int i = 0; i <= int(ir::Op::Concat); ++i) {
    ir::OpCategory k = ir::opInfo(ir::Op(i)).category;
    if (k == ir::OpCategory::Unary || k == ir::OpCategory::Binary)
      ops.push_back(ir::Op(i));
  }
  return ops;
}

bool isBinary(ir::Op op) { return ir::opInfo(op).category == ir::OpCategory::Binary; }

// Sample points inside every op's domain (log, sqrt, pow need x > 0) and away from kinks.
std::vector<double> points(ir::Op op) {
  const std::string name = ir::opInfo(op).name;
  if (name == "log" || name == "sqrt" || name == "pow")
    return {0.05, 0.3, 0.9, 1.7, 3.1, 12.5};
  return {-6.5, -2.1, -0.8, -0.15, 0.2, 0.7, 1.9, 4.4};
}
constexpr double kSecond = 0.37; // the second argument of binary ops

} // namespace

TEST(OpTable, EveryOpHasAReferenceAndTheInterpreterMatchesIt) {
  for (ir::Op op : elementwiseOps()) {
    const std::string name = ir::opInfo(op).name;
    auto ref = references().find(name);
    ASSERT_NE(ref, references().end()) << "no reference for op '" << name << "'";
    for (double x : points(op)) {
      double got = isBinary(op) ? ir::evalBinary(op, x, kSecond) : ir::evalUnary(op, x);
      EXPECT_NEAR(got, ref->second(x, kSecond), 4e-16 * (1 + std::fabs(got))) << name << "(" << x << ")";
    }
  }
  // The stable forms at the extremes: no overflow to inf or NaN.
  EXPECT_EQ(ir::evalUnary(ir::Op::Softplus, 800), 800);
  EXPECT_EQ(ir::evalUnary(ir::Op::Sigmoid, -800), 0);
  EXPECT_EQ(ir::evalUnary(ir::Op::Silu, -800), -0.0);
  EXPECT_EQ(ir::evalUnary(ir::Op::Gelu, -40), -0.0);
  EXPECT_EQ(ir::evalUnary(ir::Op::Gelu, 40), 40);
}

TEST(OpTable, PartialDerivativesMatchCentralDifferences) {
  for (ir::Op op : elementwiseOps()) {
    const std::string name = ir::opInfo(op).name;
    if (name == "sign" || name == "heaviside")
      continue; // zero almost everywhere, and the table says so
    ir::Expr a = ir::variable("a", ir::VarRole::State, 0, Shape::scalar());
    ir::Expr b = ir::variable("b", ir::VarRole::State, 1, Shape::scalar());
    ir::Expr y = isBinary(op) ? ir::binary(op, a, b) : ir::unary(op, a);
    ASSERT_EQ(y->op, op) << name; // not folded away
    ir::Partials d = ir::elementwisePartials(y, {true, true});
    ir::Function f{"d", {a, b}, {}, {}};
    for (int k = 0; k < (isBinary(op) ? 2 : 1); ++k)
      if (d[k]) {
        f.outputs.push_back(d[k]);
        f.outputNames.push_back("d" + std::to_string(k));
      }
    for (double x : points(op)) {
      const auto at = ir::evaluate(f, {{x}, {kSecond}});
      const double h = 1e-6 * (1 + std::fabs(x));
      auto value = [&](double u, double v) {
        return isBinary(op) ? ir::evalBinary(op, u, v) : ir::evalUnary(op, u);
      };
      const double fdA = (value(x + h, kSecond) - value(x - h, kSecond)) / (2 * h);
      const double fdB = (value(x, kSecond + h) - value(x, kSecond - h)) / (2 * h);
      size_t next = 0;
      for (int k = 0; k < (isBinary(op) ? 2 : 1); ++k) {
        const double fd = k == 0 ? fdA : fdB;
        const double got = d[k] ? at[next++][0] : 0.0;
        EXPECT_NEAR(got, fd, 1e-7 * (1 + std::fabs(fd))) << name << " ∂" << k << " at " << x;
      }
    }
  }
}

// Every op with a built-in name, called from a model and run one Euler step on a batch of 11
// (a chunk and a tail at every width): x1 = x0 + h f(x0), by the LLVM code in both precisions
// and by the emitted C++ compiled by in-process Clang.
TEST(OpTable, BuiltinsCompileToTheirReferenceOnEveryPath) {
  for (ir::Op op : elementwiseOps()) {
    const ir::OpInfo &info = ir::opInfo(op);
    if (!*info.builtin)
      continue;
    const std::string call = std::string(info.builtin) + ".(x" + (info.minArgs == 2 ? ", w)" : ")");
    const std::string src = "model M\n    state x::Vector{1}\n    param w::Real ~ Zeros()\n"
                            "    ddt(x) = " + call + "\nend\n";
    Model model = Program::fromString(src, "op.node").model("M");
    std::vector<double> x0;
    for (int i = 0; i < 11; ++i)
      x0.push_back(points(op)[size_t(i) % points(op).size()] * (1 + 0.01 * i));
    const double h = 0.25;
    const Ref &ref = references().at(info.name);
    for (int path = 0; path < 3; ++path) {
      CompileOptions options;
      options.cache = false;
      options.precision = path == 1 ? Precision::Float : Precision::Double;
      options.path = path == 2 ? CodePath::Cpp : CodePath::LLVM;
      std::vector<double> traj = model.simulator("Euler", options).simulate({kSecond}, x0, 11, 1, h);
      for (int i = 0; i < 11; ++i) {
        // With one argument, a binary op's second is its default (elu: 1, leakyrelu: 0.01).
        const double second = info.minArgs == 2 ? kSecond : info.secondDefault;
        const double want = x0[size_t(i)] + h * ref(x0[size_t(i)], second);
        const double tol = path == 1 ? 2e-6 * (1 + std::fabs(want)) : 1e-14 * (1 + std::fabs(want));
        EXPECT_NEAR(traj[size_t(i) * 2 + 1], want, tol)
            << call << " path " << path << " x0 " << x0[size_t(i)];
      }
    }
  }
}

TEST(OpTable, SecondArgumentsDefaultAndAreDifferentiable) {
  // elu(x) is elu(x, 1); leakyrelu(x) is leakyrelu(x, 0.01); a parameter as α gets a gradient.
  Model model = Program::fromString("model M\n    state x::Vector{1}\n    param a::Real ~ Zeros()\n"
                                    "    ddt(x) = elu.(x) .+ leakyrelu.(x) .+ leakyrelu.(x, a)\nend\n",
                                    "d.node")
                    .model("M");
  const double x = -0.8, h = 0.1, a = 0.2;
  std::vector<double> traj = model.simulator("Euler").simulate({a}, {x}, 1, 1, h);
  EXPECT_NEAR(traj[1], x + h * (std::expm1(x) + 0.01 * x + a * x), 1e-15);
  // d x1 / d a = h x (the leaky branch), by the fused VJP with cotangent 1 on x1.
  Vjp::Result r = model.vjp("Euler")({a}, {x}, 1, 1, h, {0.0, 1.0});
  EXPECT_NEAR(r.gradParams[0], h * x, 1e-15);
}

TEST(OpTable, SoftmaxIsStableAndItsGradientMatchesDifferences) {
  Model model = Program::fromString("model M\n    state x::Vector{3}\n    param w::Real ~ Zeros()\n"
                                    "    ddt(x) = softmax(w .* x)\nend\n",
                                    "s.node")
                    .model("M");
  for (CodePath path : {CodePath::LLVM, CodePath::Cpp}) {
    std::vector<double> traj = model.simulator("Euler", path).simulate({1.0}, {1000, 0, -5}, 1, 1, 1);
    EXPECT_EQ(traj[3], 1001);
    EXPECT_EQ(traj[4], 0.0);
    EXPECT_EQ(traj[5], -5);
  }
  // The gradient of sum(c .* x1) with respect to w against central differences.
  const std::vector<double> x0 = {0.3, -1.2, 2.0}, c = {0.0, 0.0, 0.0, 1.0, -2.0, 0.5};
  const double w = 0.7, h = 0.1, eps = 1e-6;
  auto loss = [&](double wv) {
    std::vector<double> t = model.simulator("Euler").simulate({wv}, x0, 1, 1, h);
    double s = 0;
    for (size_t i = 0; i < c.size(); ++i)
      s += c[i] * t[i];
    return s;
  };
  Vjp::Result r = model.vjp("Euler")({w}, x0, 1, 1, h, c);
  EXPECT_NEAR(r.gradParams[0], (loss(w + eps) - loss(w - eps)) / (2 * eps), 1e-8);
}
