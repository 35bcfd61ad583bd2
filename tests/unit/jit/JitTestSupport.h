// Shared pieces of the JIT tests: tableaux written out by hand (the parser is not needed),
// models built with the IR builders, and a runner for compiled simulators.
#pragma once

#include "ir/Builder.h"
#include "ir/Model.h"
#include "jit/Jit.h"
#include "tableau/ButcherTableau.h"

#include <Eigen/Dense>

#include <random>
#include <string>
#include <vector>

namespace odec::testing {

/// A tableau from rows of A (as {num, den} pairs) and b; c is the row sums of A.
inline ButcherTableau makeTableau(std::string name, std::vector<std::vector<Rational>> A,
                                  std::vector<Rational> b) {
  ButcherTableau t;
  t.name = std::move(name);
  t.stages = int(b.size());
  for (auto &row : A) {
    Rational c = 0;
    for (Rational a : row) {
      t.A.push_back(Coefficient::rational(a));
      c += a;
    }
    t.c.push_back(Coefficient::rational(c));
  }
  for (Rational x : b)
    t.b.push_back(Coefficient::rational(x));
  return t;
}

struct NamedTableau {
  ButcherTableau tableau;
  int order;
};

/// The explicit tableaux of compiler/prelude/prelude.node, with their orders.
inline std::vector<NamedTableau> explicitTableaux() {
  using R = Rational;
  return {
      {makeTableau("Euler", {{0}}, {1}), 1},
      {makeTableau("Midpoint", {{0, 0}, {R(1, 2), 0}}, {0, 1}), 2},
      {makeTableau("Heun", {{0, 0}, {1, 0}}, {R(1, 2), R(1, 2)}), 2},
      {makeTableau("Ralston", {{0, 0}, {R(2, 3), 0}}, {R(1, 4), R(3, 4)}), 2},
      {makeTableau("Kutta3", {{0, 0, 0}, {R(1, 2), 0, 0}, {-1, 2, 0}}, {R(1, 6), R(2, 3), R(1, 6)}),
       3},
      {makeTableau("SSPRK3", {{0, 0, 0}, {1, 0, 0}, {R(1, 4), R(1, 4), 0}},
                   {R(1, 6), R(1, 6), R(2, 3)}),
       3},
      {makeTableau("RK4", {{0, 0, 0, 0}, {R(1, 2), 0, 0, 0}, {0, R(1, 2), 0, 0}, {0, 0, 1, 0}},
                   {R(1, 6), R(1, 3), R(1, 3), R(1, 6)}),
       4},
      {makeTableau("RK38", {{0, 0, 0, 0}, {R(1, 3), 0, 0, 0}, {R(-1, 3), 1, 0, 0}, {1, -1, 1, 0}},
                   {R(1, 8), R(3, 8), R(3, 8), R(1, 8)}),
       4},
  };
}

inline ir::ModelIR::Slot slot(std::string name, ir::VarRole role, int index, Shape shape,
                              int64_t offset) {
  return {name, shape, ir::variable(name, role, index, shape), offset};
}

/// ddt(x) = A * x, with A a parameter (its values then go in the parameter vector) or a
/// constant baked into the code.
inline ir::ModelIR linearModel(const Eigen::MatrixXd &A, bool asParam) {
  const int n = int(A.rows());
  ir::ModelIR m;
  m.name = "Linear";
  m.states = {slot("x", ir::VarRole::State, 0, Shape::vector(n), 0)};
  ir::Expr a;
  if (asParam) {
    m.params = {slot("A", ir::VarRole::Param, 0, Shape::matrix(n, n), 0)};
    a = m.params[0].var;
  } else {
    std::vector<double> v;
    for (int r = 0; r < n; ++r)
      for (int c = 0; c < n; ++c)
        v.push_back(A(r, c));
    a = ir::constant(Shape::matrix(n, n), v);
  }
  m.ddt = {ir::matmul(a, m.states[0].var)};
  return m;
}

constexpr int kSpiralD = 2, kSpiralH = 16;

/// An MLP field ddt(x) = W2 * tanh.(W1 * x .+ b1) .+ b2 with x of size D, hidden width H.
inline ir::ModelIR mlpModel(int D, int H, const char *name = "Mlp") {
  using ir::VarRole;
  ir::ModelIR m;
  m.name = name;
  m.states = {slot("x", VarRole::State, 0, Shape::vector(D), 0)};
  m.params = {slot("W1", VarRole::Param, 0, Shape::matrix(H, D), 0),
              slot("b1", VarRole::Param, 1, Shape::vector(H), H * D),
              slot("W2", VarRole::Param, 2, Shape::matrix(D, H), H * D + H),
              slot("b2", VarRole::Param, 3, Shape::vector(D), 2 * H * D + H)};
  ir::Expr h = ir::unary(ir::Op::Tanh,
                         ir::add(ir::matmul(m.params[0].var, m.states[0].var), m.params[1].var));
  m.ddt = {ir::add(ir::matmul(m.params[2].var, h), m.params[3].var)};
  return m;
}

/// The spiral model: the MLP field with x of size kSpiralD, hidden width kSpiralH.
inline ir::ModelIR spiralModel() { return mlpModel(kSpiralD, kSpiralH, "Spiral"); }

/// n values uniform in [-scale, scale], reproducible from seed.
inline std::vector<double> randomVector(size_t n, unsigned seed, double scale) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> u(-scale, scale);
  std::vector<double> v(n);
  for (double &x : v)
    x = u(gen);
  return v;
}

/// Runs a compiled simulator; out is B x (N+1) x D.
inline std::vector<double> simulate(const jit::CompiledSimulator &sim,
                                    const std::vector<double> &params,
                                    const std::vector<double> &x0, int64_t batch, int64_t steps,
                                    double h, int64_t D) {
  std::vector<double> out(size_t(batch * (steps + 1) * D), 0.0);
  sim.function()(params.data(), x0.data(), out.data(), batch, steps, h, nullptr);
  return out;
}

} // namespace odec::testing
