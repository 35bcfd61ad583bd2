// compileFunction (point evaluation of any IR function) against the interpreter, and the
// solvers' heap storage for tensors too large for the stack.
#include "JitTestSupport.h"

#include "autodiff/Derivative.h"
#include "ir/Interpreter.h"
#include "support/InternalError.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace odec;
using namespace odec::testing;

namespace {

/// Runs f compiled and interpreted on the same inputs and compares every output element.
void expectMatchesInterpreter(const ir::Function &f,
                              const std::vector<std::vector<double>> &inputs) {
  auto compiled = jit::compileFunction(f);
  std::vector<double> flatIn;
  for (const auto &v : inputs)
    flatIn.insert(flatIn.end(), v.begin(), v.end());
  ASSERT_EQ(compiled->inputSize(), int64_t(flatIn.size()));
  std::vector<double> out(size_t(compiled->outputSize()), std::nan(""));
  compiled->function()(flatIn.data(), out.data());
  size_t at = 0;
  const auto want = ir::evaluate(f, inputs);
  for (size_t o = 0; o < want.size(); ++o)
    for (size_t i = 0; i < want[o].size(); ++i, ++at)
      EXPECT_NEAR(out[at], want[o][i], 1e-13 * (1 + std::fabs(want[o][i])))
          << f.outputNames[o] << "[" << i << "]";
  EXPECT_EQ(at, out.size());
}

} // namespace

TEST(JitFunction, FieldAndItsJacobianMatchTheInterpreter) {
  // The Jacobian of the spiral field at an operating point (stability-informed init) and
  // the field itself, as two outputs of one function.
  const ir::ModelIR m = spiralModel();
  ir::Function f = m.field();
  f.name = "SpiralJacobian";
  f.outputs.push_back(ad::jacobian(m.ddt[0], m.states[0].var));
  f.outputNames.push_back("J");
  const std::vector<double> p = randomVector(size_t(m.paramCount()), 4, 0.9);
  std::vector<std::vector<double>> inputs = {{0.3, -1.2}};
  int64_t at = 0;
  for (const ir::ModelIR::Slot &s : m.params) {
    inputs.emplace_back(p.begin() + at, p.begin() + at + s.shape.size());
    at += s.shape.size();
  }
  expectMatchesInterpreter(f, inputs);
}

TEST(JitFunction, InputsOfEveryRoleAndStructuralOps) {
  // Cotangent and Time variables are plain inputs of a point function; outputs of several
  // shapes (a matrix, a row, a scalar, an input passed through, a constant) are packed in order.
  using namespace ir;
  Expr x = variable("x", VarRole::State, 0, Shape::vector(3));
  Expr W = variable("W", VarRole::Param, 0, Shape::matrix(3, 3));
  Expr c = variable("c", VarRole::Cotangent, 0, Shape::vector(3));
  Expr t = variable("t", VarRole::Time, 0, Shape::scalar());
  Expr u = unary(Op::Tanh, add(matmul(W, x), mul(broadcast(t, Shape::vector(3)), c)));
  Function f;
  f.name = "Mixed";
  f.inputs = {x, W, c, t};
  f.outputs = {matmul(u, transpose(c)), transpose(unary(Op::Softplus, u)),
               sum(mul(ad::vjp({u}, {c}, {x})[0], x)), x, constant(Shape::vector(2), {1.5, -2.5})};
  f.outputNames = {"outer", "row", "s", "x", "k"};
  expectMatchesInterpreter(f, {{0.5, -0.25, 1.0},
                               {0.1, 0.2, -0.3, 0.4, -0.5, 0.6, 0.7, -0.8, 0.9},
                               {1.0, -2.0, 0.5},
                               {0.75}});
}

TEST(JitFunction, VariableThatIsNotAnInputIsAnInternalError) {
  ir::Expr x = ir::variable("x", ir::VarRole::State, 0, Shape::vector(2));
  ir::Expr y = ir::variable("y", ir::VarRole::State, 1, Shape::vector(2));
  ir::Function f{"Bad", {x}, {ir::add(x, y)}, {"z"}};
  EXPECT_THROW(jit::compileFunction(f), InternalError);
}

TEST(JitHeapStorage, LargeIntermediatesLiveOnTheHeap) {
  // ddt(x) = 0.01 * sum over rows of tanh.(x * xᵀ): the n x n varying matrix (n² · W · 8 bytes
  // = 50 KiB at n = 40) is over the stack limit, so the solver allocates it on the heap once
  // and frees it before returning; results still match the interpreter.
  using namespace ir;
  const int n = 40;
  ModelIR m;
  m.name = "Outer";
  m.states = {slot("x", VarRole::State, 0, Shape::vector(n), 0)};
  Expr x = m.states[0].var;
  m.ddt = {mul(scalar(0.01), sumTo(unary(Op::Tanh, matmul(x, transpose(x))), Shape::vector(n)))};
  const ButcherTableau heun = explicitTableaux()[2].tableau;
  const std::string ir = jit::emitSimulatorLLVM(m, heun);
  EXPECT_NE(ir.find("@aligned_alloc("), std::string::npos);
  EXPECT_NE(ir.find("@free("), std::string::npos);

  const int batch = 5;
  const std::vector<double> x0 = randomVector(size_t(batch * n), 21, 1.0);
  const double h = 0.1;
  auto out = simulate(*jit::compileSimulator(m, heun), {}, x0, batch, 1, h, n);
  const Function f = m.field();
  for (int b = 0; b < batch; ++b) {
    std::vector<double> xb(x0.begin() + b * n, x0.begin() + (b + 1) * n), mid = xb;
    const std::vector<double> k1 = evaluate(f, {xb})[0];
    for (int d = 0; d < n; ++d)
      mid[size_t(d)] += h * k1[size_t(d)];
    const std::vector<double> k2 = evaluate(f, {mid})[0];
    for (int d = 0; d < n; ++d) {
      double want = xb[size_t(d)] + h / 2 * (k1[size_t(d)] + k2[size_t(d)]);
      EXPECT_NEAR(out[size_t((b * 2 + 1) * n + d)], want, 1e-12 * (1 + std::fabs(want)));
    }
  }
}
