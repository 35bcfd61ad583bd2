// Differentiation of whole models: an MLP Hamiltonian to second order, the Jacobian in both
// of its constructions, exact zeros for unrelated variables, sharing of subterms, and the
// API's contracts.
#include "FiniteDifference.h"

#include "autodiff/Derivative.h"
#include "ir/Builder.h"
#include "support/InternalError.h"

#include <gtest/gtest.h>

namespace odec::ad::testing {
namespace {

using ir::Expr;
using ir::Op;

/// H = sum(w2 .* tanh.(W1*x .+ b1)) with x ∈ ℝ², 8 hidden units.
struct Hamiltonian {
  explicit Hamiltonian(Harness &h)
      : x(h.var("x", Shape::vector(2))), W1(h.var("W1", Shape::matrix(8, 2))),
        b1(h.var("b1", Shape::vector(8))), w2(h.var("w2", Shape::vector(8))),
        H(ir::sum(ir::mul(w2, ir::unary(Op::Tanh, ir::add(ir::matmul(W1, x), b1))))) {}
  Expr x, W1, b1, w2, H;
};

/// The canonical symplectic matrix J = [0 1; -1 0]: J ∇H is a Hamiltonian vector field.
Expr symplectic() { return ir::constant(Shape::matrix(2, 2), {0, 1, -1, 0}); }

TEST(Hamiltonian, GradientMatchesFiniteDifferences) {
  Harness h;
  Hamiltonian m(h);
  h.checkGradient(m.H, m.x);
  h.checkGradient(m.H, m.W1);
  h.checkGradient(m.H, m.b1);
  h.checkGradient(m.H, m.w2);
}

TEST(Hamiltonian, JacobianOfHamiltonianFieldMatchesFiniteDifferences) {
  Harness h;
  Hamiltonian m(h);
  Expr field = ir::matmul(symplectic(), gradient(m.H, m.x));
  ASSERT_EQ(field->shape, Shape::vector(2));
  h.checkJacobian(field, m.x);
  // J ∇²H has zero trace (∇²H is symmetric, J skew): the field preserves volume.
  std::vector<double> jac = h.eval(jacobian(field, m.x));
  EXPECT_NEAR(jac[0] + jac[3], 0.0, 1e-12);
}

TEST(Hamiltonian, SecondOrderVjpWithRespectToWeightsMatchesFiniteDifferences) {
  Harness h;
  Hamiltonian m(h);
  Expr field = ir::matmul(symplectic(), gradient(m.H, m.x));
  h.checkVjp(field, {m.W1});
  h.checkVjp(field, {m.W1, m.b1, m.w2, m.x});
  h.checkJvp(field, {m.W1, m.b1});
}

TEST(Jacobian, RowsByReverseModeWhenOutputsAreFewer) {
  Harness h;
  Expr x = h.var("x", Shape::vector(5)), A = h.var("A", Shape::matrix(2, 5));
  Expr f = ir::unary(Op::Tanh, ir::matmul(A, ir::unary(Op::Sin, x)));
  h.checkJacobian(f, x);
}

TEST(Jacobian, ColumnsByForwardModeWhenInputsAreFewer) {
  Harness h;
  Expr x = h.var("x", Shape::vector(2)), A = h.var("A", Shape::matrix(5, 2));
  Expr f = ir::unary(Op::Tanh, ir::matmul(A, ir::unary(Op::Sin, x)));
  h.checkJacobian(f, x);
}

TEST(Jacobian, RealOutputAndRealVariable) {
  Harness h;
  Expr x = h.var("x", Shape::vector(3)), s = h.var("s", Shape::scalar());
  h.checkJacobian(ir::sum(ir::mul(x, x)), x);            // Matrix{1,3}
  h.checkJacobian(ir::mul(x, ir::unary(Op::Exp, s)), s); // Matrix{3,1}
  h.checkJacobian(ir::unary(Op::Sin, ir::mul(s, s)), s); // Matrix{1,1}
}

TEST(Jacobian, OfLinearMapIsItsMatrix) {
  Harness h;
  Expr x = h.var("x", Shape::vector(3));
  Expr A = h.randomConstant(Shape::matrix(4, 3));
  Expr J = jacobian(ir::matmul(A, x), x);
  ASSERT_TRUE(J->isConstant());
  EXPECT_EQ(J->values, A->values);
}

TEST(ExactZeros, DerivativeWithRespectToUnusedVariableIsZeroConstant) {
  Harness h;
  Expr x = h.var("x", Shape::vector(3)), y = h.var("y", Shape::matrix(2, 2));
  Expr H = ir::sum(ir::unary(Op::Tanh, x));
  Expr g = gradient(H, y);
  EXPECT_TRUE(g->isConstantValue(0.0));
  EXPECT_EQ(g->shape, y->shape);

  std::vector<Expr> grads = vjp({H}, {ir::scalar(2.0)}, {x, y});
  EXPECT_FALSE(grads[0]->isConstant());
  EXPECT_TRUE(grads[1]->isConstantValue(0.0));

  Expr t = jvp({ir::unary(Op::Tanh, x)}, {y}, {h.randomConstant(y->shape)})[0];
  EXPECT_TRUE(t->isConstantValue(0.0));
  EXPECT_EQ(t->shape, x->shape);

  Expr s = h.var("s", Shape::vector(2));
  for (const Expr &f : {ir::unary(Op::Tanh, x), ir::sum(x)}) {
    Expr J = jacobian(f, s);
    EXPECT_TRUE(J->isConstantValue(0.0));
    EXPECT_EQ(J->shape, Shape::matrix(f->shape.rows, 2));
  }
}

TEST(ExactZeros, InactiveBranchIsNotDifferentiated) {
  // d(Σ x² + y)/dy: the x branch is never visited, and the result folds to the constant 1.
  Harness h;
  Expr x = h.var("x", Shape::vector(3)), y = h.var("y", Shape::scalar());
  Expr g = gradient(ir::add(ir::sum(ir::mul(x, x)), y), y);
  EXPECT_TRUE(g->isConstantValue(1.0));
}

TEST(Sharing, SpiralFieldVjpReusesHiddenLayer) {
  // ddt(x) = W2 * tanh.(W1 * x .+ b1) .+ b2, as lowered from examples/spiral.node.
  Expr x = ir::variable("x", ir::VarRole::State, 0, Shape::vector(2));
  Expr W1 = ir::variable("W1", ir::VarRole::Param, 0, Shape::matrix(16, 2));
  Expr b1 = ir::variable("b1", ir::VarRole::Param, 1, Shape::vector(16));
  Expr W2 = ir::variable("W2", ir::VarRole::Param, 2, Shape::matrix(2, 16));
  Expr b2 = ir::variable("b2", ir::VarRole::Param, 3, Shape::vector(2));
  Expr c = ir::variable("c", ir::VarRole::Cotangent, 0, Shape::vector(2));
  Expr hidden = ir::unary(Op::Tanh, ir::add(ir::matmul(W1, x), b1));
  Expr field = ir::add(ir::matmul(W2, hidden), b2);

  std::vector<Expr> roots = vjp({field}, {c}, {x, W1, b1, W2, b2});
  roots.push_back(field);
  EXPECT_EQ(countNodes(roots, Op::Tanh), 1);
  EXPECT_EQ(countNodes(roots, Op::Add), 2); // W1 x .+ b1, W2 h .+ b2; no adjoint sums
  int hiddenUses = 0;
  for (const ir::Node *n : ir::topologicalOrder(roots))
    for (const Expr &arg : n->args)
      hiddenUses += arg == hidden;
  // One node, used by W2 * h, by hᵀ (in W̄2 = c hᵀ) and twice by h .* h (in tanh′ = 1 − h²).
  EXPECT_EQ(hiddenUses, 4);
  // W1 x and W2 h, then W̄2 = c hᵀ, h̄ = W2ᵀ c, W̄1 = z̄ xᵀ and x̄ = W1ᵀ z̄: the adjoint z̄ of
  // the pre-activation is built once and feeds W̄1, b̄1 and x̄.
  EXPECT_EQ(countNodes(roots, Op::MatMul), 6);
}

TEST(Sharing, SubtermUsedTwiceIsDifferentiatedOnce) {
  Harness h;
  Expr x = h.var("x", Shape::vector(3));
  Expr t = ir::unary(Op::Tanh, x);
  Expr H = ir::sum(ir::mul(t, t));
  h.checkGradient(H, x);
  Expr g = gradient(H, x);
  EXPECT_EQ(countNodes({g}, Op::Tanh), 1);
  // t's adjoint is the sum of its two uses, formed once before tanh′ is applied.
  EXPECT_EQ(countNodes({g}, Op::Add), 1);
}

TEST(Contracts, MisuseIsAnInternalError) {
  Harness h;
  Expr x = h.var("x", Shape::vector(3));
  Expr t = ir::unary(Op::Tanh, x);
  EXPECT_THROW(gradient(t, x), InternalError);                   // not Real-valued
  EXPECT_THROW(gradient(ir::sum(t), t), InternalError);          // not a Variable
  EXPECT_THROW(vjp({t}, {}, {x}), InternalError);                // cotangent missing
  EXPECT_THROW(vjp({t}, {ir::scalar(1.0)}, {x}), InternalError); // wrong shape
  EXPECT_THROW(jvp({t}, {x}, {h.randomConstant(Shape::vector(2))}), InternalError);
  EXPECT_THROW(jacobian(t, h.var("M", Shape::matrix(2, 2))), InternalError);
}

} // namespace
} // namespace odec::ad::testing
