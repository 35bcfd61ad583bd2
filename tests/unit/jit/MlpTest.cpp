// The fused solvers on a nonlinear field (the spiral MLP) and on a field using every op,
// against plain C++ references; partial batch chunks; implicit tableaux rejected.
#include "JitTestSupport.h"

#include "ir/Interpreter.h"
#include "support/InternalError.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>
#include <stdexcept>

using namespace odec;
using namespace odec::testing;

namespace {

constexpr int D = kSpiralD, H = kSpiralH;

/// The same field, written out by hand.
Eigen::Vector2d spiralField(const std::vector<double> &p, const Eigen::Vector2d &x) {
  Eigen::Map<const Eigen::Matrix<double, H, D, Eigen::RowMajor>> W1(p.data());
  Eigen::Map<const Eigen::Matrix<double, H, 1>> b1(p.data() + H * D);
  Eigen::Map<const Eigen::Matrix<double, D, H, Eigen::RowMajor>> W2(p.data() + H * D + H);
  Eigen::Map<const Eigen::Matrix<double, D, 1>> b2(p.data() + 2 * H * D + H);
  return W2 * (W1 * x + b1).array().tanh().matrix() + b2;
}

/// A textbook explicit RK step.
Eigen::Vector2d rkStep(const ButcherTableau &t, const std::vector<double> &p,
                       const Eigen::Vector2d &x, double h) {
  std::vector<Eigen::Vector2d> k;
  Eigen::Vector2d next = x;
  for (int i = 0; i < t.stages; ++i) {
    Eigen::Vector2d xi = x;
    for (int j = 0; j < i; ++j)
      xi += h * t.a(i, j) * k[size_t(j)];
    k.push_back(spiralField(p, xi));
    next += h * t.b[size_t(i)].value * k.back();
  }
  return next;
}

} // namespace

TEST(JitMlp, SpiralMatchesHandWrittenRungeKutta) {
  const ir::ModelIR m = spiralModel();
  ASSERT_EQ(m.paramCount(), 2 * H * D + H + D);
  const std::vector<double> params = randomVector(size_t(m.paramCount()), 7, 0.8);
  const int steps = 25;
  const double h = 0.05;
  for (const NamedTableau &nt : explicitTableaux()) {
    auto sim = jit::compileSimulator(m, nt.tableau);
    for (int batch : {1, 3, 4, 5, 17}) {
      SCOPED_TRACE(nt.tableau.name + ", batch " + std::to_string(batch));
      const std::vector<double> x0 = randomVector(size_t(batch * D), 100 + unsigned(batch), 2.0);
      // Guard cells around out catch writes past either end (the tail chunk's masked lanes).
      const size_t n = size_t(batch * (steps + 1) * D), guard = 64;
      std::vector<double> buf(n + 2 * guard, 12345.0);
      sim->function()(params.data(), x0.data(), buf.data() + guard, batch, steps, h, nullptr);
      for (size_t i = 0; i < guard; ++i) {
        ASSERT_EQ(buf[i], 12345.0);
        ASSERT_EQ(buf[guard + n + i], 12345.0);
      }
      for (int b = 0; b < batch; ++b) {
        Eigen::Vector2d x(x0[size_t(b * D)], x0[size_t(b * D + 1)]);
        for (int k = 0; k <= steps; ++k) {
          const double *got = &buf[guard + size_t((b * (steps + 1) + k) * D)];
          EXPECT_LE((Eigen::Vector2d(got[0], got[1]) - x).norm(), 1e-12 * x.norm())
              << "trajectory " << b << " step " << k;
          x = rkStep(nt.tableau, params, x, h);
        }
      }
    }
  }
}

TEST(JitMlp, VectorWidthAndOptLevelDoNotChangeResults) {
  const ir::ModelIR m = spiralModel();
  const std::vector<double> params = randomVector(size_t(m.paramCount()), 3, 0.8);
  const int batch = 11, steps = 10;
  const std::vector<double> x0 = randomVector(size_t(batch * D), 5, 2.0);
  const ButcherTableau rk4 = explicitTableaux()[6].tableau;
  auto ref = simulate(*jit::compileSimulator(m, rk4), params, x0, batch, steps, 0.1, D);
  for (jit::CompileOptions opt : {jit::CompileOptions{0, 4}, jit::CompileOptions{2, 1},
                                  jit::CompileOptions{2, 2}, jit::CompileOptions{3, 8},
                                  jit::CompileOptions{2, 16}}) {
    SCOPED_TRACE("O" + std::to_string(opt.optLevel) + " W=" + std::to_string(opt.vectorWidth));
    auto out = simulate(*jit::compileSimulator(m, rk4, opt), params, x0, batch, steps, 0.1, D);
    for (size_t i = 0; i < out.size(); ++i)
      EXPECT_NEAR(out[i], ref[i], 1e-12 * (1 + std::fabs(ref[i])));
  }
}

TEST(JitMlp, EveryOpMatchesTheInterpreter) {
  // Two states (a vector and a number) and a field that exercises every op, uniform
  // (parameter-only) subterms included; one Euler step is x0 + h f(x0), with f from the
  // reference interpreter.
  using namespace ir;
  ModelIR m;
  m.name = "AllOps";
  m.states = {slot("x", VarRole::State, 0, Shape::vector(3), 0),
              slot("y", VarRole::State, 1, Shape::scalar(), 3)};
  m.params = {slot("W", VarRole::Param, 0, Shape::matrix(3, 3), 0),
              slot("p", VarRole::Param, 1, Shape::scalar(), 9)};
  Expr x = m.states[0].var, y = m.states[1].var, W = m.params[0].var, p = m.params[1].var;
  Expr WWt = matmul(W, transpose(W)); // uniform
  Expr u = add(matmul(WWt, x), mul(unary(Op::Exp, p), y));
  Expr parts = concat({unary(Op::Sin, slice(u, 0, 0, Shape::scalar())),
                       unary(Op::Cos, slice(u, 1, 0, Shape::scalar())),
                       unary(Op::Sigmoid, slice(u, 2, 0, Shape::scalar()))},
                      0);
  Expr outer = matmul(x, transpose(u)); // 3x3 varying
  Expr rows = sumTo(outer, Shape::rowVector(3));
  Expr cols = sumTo(unary(Op::Softplus, outer), Shape::vector(3));
  Expr e1 = add(add(parts, transpose(rows)), cols);
  Expr e2 =
      add(binary(Op::Max, x, scalar(0.1)), binary(Op::Min, unary(Op::Relu, x), unary(Op::Abs, u)));
  Expr e3 = binary(Op::Pow, unary(Op::Sqrt, add(unary(Op::Abs, x), scalar(1))), scalar(1.5));
  Expr e4 = mul(unary(Op::Sign, x), unary(Op::Heaviside, sub(x, scalar(0.2))));
  Expr bcast = broadcast(x, Shape::matrix(3, 2));
  Expr e5 =
      sumTo(div(bcast, add(unary(Op::Log, add(bcast, scalar(3))), scalar(1))), Shape::vector(3));
  Expr dx = add(add(add(e1, e2), add(e3, e4)), neg(unary(Op::Tanh, e5)));
  Expr dy = sub(sum(matmul(transpose(x), WWt)), mul(y, p)); // x' * WWt is a row
  m.ddt = {dx, dy};

  const std::vector<double> params = randomVector(10, 11, 0.7);
  const int batch = 6;
  const std::vector<double> x0 = randomVector(size_t(batch * 4), 12, 1.5);
  const double h = 0.01;
  const ButcherTableau euler = explicitTableaux()[0].tableau;
  auto out = simulate(*jit::compileSimulator(m, euler), params, x0, batch, 1, h, 4);
  Function f = m.field();
  for (int b = 0; b < batch; ++b) {
    const double *xb = &x0[size_t(4 * b)];
    auto ddt = evaluate(f, {{xb[0], xb[1], xb[2]},
                            {xb[3]},
                            std::vector<double>(params.begin(), params.begin() + 9),
                            {params[9]}});
    std::vector<double> flat = ddt[0];
    flat.push_back(ddt[1][0]);
    for (int d = 0; d < 4; ++d) {
      double want = xb[d] + h * flat[size_t(d)];
      EXPECT_NEAR(out[size_t(b * 8 + 4 + d)], want, 1e-12 * (1 + std::fabs(want)))
          << "trajectory " << b << " element " << d;
    }
  }
}

TEST(JitMlp, ImplicitTableauIsRejected) {
  const ButcherTableau backwardEuler = makeTableau("BackwardEuler", {{1}}, {1});
  const std::string expected = "tableau 'BackwardEuler' is implicit; the fused solvers need an "
                               "explicit tableau (strictly lower-triangular A)";
  for (int api = 0; api < 2; ++api) {
    try {
      if (api == 0)
        jit::compileSimulator(spiralModel(), backwardEuler);
      else
        jit::emitSimulatorLLVM(spiralModel(), backwardEuler);
      ADD_FAILURE() << "no exception";
    } catch (const std::invalid_argument &e) {
      EXPECT_EQ(e.what(), expected);
    }
  }
}

TEST(JitMlp, EmitsOneFusedVectorFunction) {
  const std::string ir = jit::emitSimulatorLLVM(spiralModel(), explicitTableaux()[6].tableau);
  EXPECT_NE(ir.find("define void @simulate_Spiral_RK4("), std::string::npos);
  // Each state element of a chunk is one vector of the default lane count.
  const std::string lanes = "<" + std::to_string(jit::CompileOptions{}.vectorWidth) + " x double>";
  EXPECT_NE(ir.find(lanes), std::string::npos) << lanes;
  // One exported function; tanh's element groups are one internal helper of the module, called
  // by every stage (codegen/TensorEmitter.h).
  std::vector<std::string> defines;
  for (size_t at = ir.find("\ndefine "); at != std::string::npos; at = ir.find("\ndefine ", at + 1))
    defines.push_back(ir.substr(at + 1, ir.find('(', at) - at - 1));
  EXPECT_EQ(defines, (std::vector<std::string>{"define void @simulate_Spiral_RK4",
                                               "define internal void @odec.groups.tanh.v8f64"}));
}

TEST(JitMlp, UnknownVariableIsAnInternalError) {
  ir::ModelIR m = spiralModel();
  m.ddt[0] = ir::add(m.ddt[0], ir::variable("ghost", ir::VarRole::Param, 9, Shape::vector(D)));
  EXPECT_THROW(jit::compileSimulator(m, explicitTableaux()[0].tableau), InternalError);
}
