// Derivative rules of the structural ops (broadcasting, MatMul in every shape combination,
// Transpose, Slice, Concat, SumTo and the reductions built from them), first and second
// order, against central finite differences of the interpreter.
#include "FiniteDifference.h"

#include "autodiff/Derivative.h"
#include "ir/Builder.h"

#include <gtest/gtest.h>

namespace odec::ad::testing {
namespace {

using ir::Expr;
using ir::Op;

const Shape kReal = Shape::scalar();

// --- Broadcasting ---------------------------------------------------------------------

TEST(BroadcastRule, RealOperandOfElementwiseOp) {
  Harness h;
  Expr s = h.var("s", kReal), v = h.var("v", Shape::vector(4));
  h.checkFirstAndSecondOrder(ir::add(s, v), {s, v});
  h.checkFirstAndSecondOrder(ir::mul(v, s), {s, v});
  Expr M = h.var("M", Shape::matrix(2, 3));
  h.checkFirstAndSecondOrder(ir::div(M, s), {s, M});
}

TEST(BroadcastRule, VectorAcrossMatrixColumns) {
  Harness h;
  Expr v = h.var("v", Shape::vector(3)), M = h.var("M", Shape::matrix(3, 2));
  h.checkFirstAndSecondOrder(ir::mul(ir::broadcast(v, M->shape), M), {v, M});
}

TEST(BroadcastRule, RowAcrossMatrixRows) {
  Harness h;
  Expr r = h.var("r", Shape::rowVector(2)), M = h.var("M", Shape::matrix(3, 2));
  h.checkFirstAndSecondOrder(ir::sub(M, ir::broadcast(r, M->shape)), {r, M});
}

TEST(BroadcastRule, RealToMatrixAndVectorOfOne) {
  Harness h;
  Expr s = h.var("s", kReal), one = h.var("one", Shape::vector(1));
  h.checkFirstAndSecondOrder(ir::broadcast(s, Shape::matrix(2, 3)), {s});
  h.checkFirstAndSecondOrder(ir::broadcast(one, Shape::vector(3)), {one});
}

// --- MatMul ---------------------------------------------------------------------------

struct MatMulCase {
  const char *name;
  Shape a, b;
};

class MatMulRule : public ::testing::TestWithParam<MatMulCase> {};

TEST_P(MatMulRule, BothFactorsToSecondOrder) {
  Harness h;
  Expr A = h.var("A", GetParam().a), B = h.var("B", GetParam().b);
  Expr y = ir::matmul(A, B);
  ASSERT_EQ(y->shape, *ir::matmulShape(A->shape, B->shape));
  h.checkFirstAndSecondOrder(y, {A, B});
}

INSTANTIATE_TEST_SUITE_P(
    ShapeCombinations, MatMulRule,
    ::testing::Values(MatMulCase{"MatrixVector", Shape::matrix(3, 4), Shape::vector(4)},
                      MatMulCase{"MatrixMatrix", Shape::matrix(3, 4), Shape::matrix(4, 2)},
                      MatMulCase{"RowMatrix", Shape::rowVector(3), Shape::matrix(3, 2)},
                      MatMulCase{"RowVector", Shape::rowVector(4), Shape::vector(4)},
                      MatMulCase{"VectorRow", Shape::vector(3), Shape::rowVector(2)},
                      MatMulCase{"VectorWideMatrix", Shape::vector(3), Shape::matrix(1, 2)},
                      MatMulCase{"WideMatrixVector", Shape::matrix(1, 3), Shape::vector(3)},
                      MatMulCase{"RowTallMatrix", Shape::rowVector(3), Shape::matrix(3, 1)},
                      MatMulCase{"TallMatrixRow", Shape::matrix(3, 1), Shape::rowVector(2)},
                      MatMulCase{"RealMatrix", Shape::scalar(), Shape::matrix(2, 3)},
                      MatMulCase{"VectorReal", Shape::vector(3), Shape::scalar()}),
    [](const ::testing::TestParamInfo<MatMulCase> &info) { return info.param.name; });

// --- Transpose ------------------------------------------------------------------------

TEST(TransposeRule, VectorMatrixAndTallMatrix) {
  Harness h;
  for (Shape s :
       {Shape::vector(3), Shape::rowVector(2), Shape::matrix(2, 3), Shape::matrix(3, 1)}) {
    Expr x = h.var("x", s);
    h.checkFirstAndSecondOrder(ir::transpose(x), {x});
  }
}

TEST(TransposeRule, QuadraticFormHessianIsSymmetrizedMatrix) {
  // H = xᵀ A x: ∇H = (A + Aᵀ) x and ∇²H = A + Aᵀ.
  Harness h;
  Expr x = h.var("x", Shape::vector(3)), A = h.var("A", Shape::matrix(3, 3));
  Expr H = ir::matmul(ir::matmul(ir::transpose(x), A), x);
  ASSERT_EQ(H->shape, kReal);
  h.checkGradient(H, x);
  h.checkFirstAndSecondOrder(H, {x, A});
  Expr g = gradient(H, x);
  h.checkJacobian(g, x);
  Expr hessian = jacobian(g, x);
  std::vector<double> a = h.eval(A), hv = h.eval(hessian);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      EXPECT_NEAR(hv[size_t(3 * i + j)], a[size_t(3 * i + j)] + a[size_t(3 * j + i)], 1e-12);
}

// --- Slice ----------------------------------------------------------------------------

struct SliceCase {
  const char *name;
  Shape whole;
  int row0, col0;
  Shape part;
};

class SliceRule : public ::testing::TestWithParam<SliceCase> {};

TEST_P(SliceRule, ZeroPaddedAdjointToSecondOrder) {
  const SliceCase &c = GetParam();
  Harness h;
  Expr x = h.var("x", c.whole);
  Expr s = ir::slice(x, c.row0, c.col0, c.part);
  h.checkFirstAndSecondOrder(s, {x});
  // Elements outside the block get exactly zero: the placement pads with zero constants.
  Expr g = gradient(ir::sum(ir::mul(s, s)), x);
  std::vector<double> gv = h.eval(g), xv = h.eval(x);
  for (int r = 0; r < c.whole.rows; ++r)
    for (int col = 0; col < c.whole.cols; ++col) {
      bool inside =
          r >= c.row0 && r < c.row0 + c.part.rows && col >= c.col0 && col < c.col0 + c.part.cols;
      size_t k = size_t(r) * c.whole.cols + col;
      EXPECT_DOUBLE_EQ(gv[k], inside ? 2 * xv[k] : 0.0) << r << "," << col;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Blocks, SliceRule,
    ::testing::Values(SliceCase{"VectorElement", Shape::vector(5), 2, 0, Shape::scalar()},
                      SliceCase{"FirstElement", Shape::vector(3), 0, 0, Shape::scalar()},
                      SliceCase{"SubVector", Shape::vector(5), 1, 0, Shape::vector(2)},
                      SliceCase{"VectorTail", Shape::vector(5), 3, 0, Shape::vector(2)},
                      SliceCase{"MatrixBlock", Shape::matrix(3, 4), 1, 1, Shape::matrix(2, 2)},
                      SliceCase{"MatrixRow", Shape::matrix(3, 4), 2, 0, Shape::rowVector(4)},
                      SliceCase{"MatrixColumn", Shape::matrix(3, 4), 0, 2, Shape::vector(3)},
                      SliceCase{"MatrixElement", Shape::matrix(3, 4), 1, 3, Shape::scalar()},
                      SliceCase{"RowPart", Shape::rowVector(5), 0, 3, Shape::rowVector(2)},
                      SliceCase{"RowElement", Shape::rowVector(5), 0, 0, Shape::scalar()}),
    [](const ::testing::TestParamInfo<SliceCase> &info) { return info.param.name; });

// --- Concat ---------------------------------------------------------------------------

TEST(ConcatRule, VcatOfVectorsAndReals) {
  Harness h;
  Expr a = h.var("a", Shape::vector(2)), s = h.var("s", kReal), b = h.var("b", Shape::vector(3));
  Expr y = ir::concat({a, s, b}, 0);
  ASSERT_EQ(y->shape, Shape::vector(6));
  h.checkFirstAndSecondOrder(y, {a, s, b});
  h.checkJacobian(y, a);
}

TEST(ConcatRule, HcatOfMatricesAndVectors) {
  Harness h;
  Expr A = h.var("A", Shape::matrix(2, 2)), v = h.var("v", Shape::vector(2));
  h.checkFirstAndSecondOrder(ir::concat({A, v}, 1), {A, v});
  Expr u = h.var("u", Shape::vector(2));
  h.checkFirstAndSecondOrder(ir::concat({u, v}, 1), {u, v});
}

TEST(ConcatRule, VcatOfRowsIsMatrix) {
  Harness h;
  Expr r = h.var("r", Shape::rowVector(3)), q = h.var("q", Shape::rowVector(3));
  Expr y = ir::concat({r, q}, 0);
  ASSERT_EQ(y->shape, Shape::matrix(2, 3));
  h.checkFirstAndSecondOrder(y, {r, q});
}

TEST(ConcatRule, OnlyOnePartVaries) {
  Harness h;
  Expr a = h.var("a", Shape::vector(2));
  Expr y = ir::concat({h.randomConstant(Shape::vector(2)), a, h.randomConstant(kReal)}, 0);
  h.checkFirstAndSecondOrder(y, {a});
}

// --- Reductions -----------------------------------------------------------------------

TEST(SumToRule, SumAndPartialSums) {
  Harness h;
  Expr M = h.var("M", Shape::matrix(3, 4));
  h.checkFirstAndSecondOrder(ir::sum(M), {M});
  h.checkFirstAndSecondOrder(ir::sumTo(M, Shape::rowVector(4)), {M}); // column sums
  h.checkFirstAndSecondOrder(ir::sumTo(M, Shape::vector(3)), {M});    // row sums
  Expr v = h.var("v", Shape::vector(4));
  h.checkFirstAndSecondOrder(ir::sum(v), {v});
}

TEST(SumToRule, DotProductBothSpellings) {
  Harness h;
  Expr a = h.var("a", Shape::vector(4)), b = h.var("b", Shape::vector(4));
  h.checkFirstAndSecondOrder(ir::matmul(ir::transpose(a), b), {a, b}); // a' * b
  h.checkFirstAndSecondOrder(ir::sum(ir::mul(a, b)), {a, b});          // sum(a .* b)
  h.checkGradient(ir::sum(ir::mul(a, b)), a);
}

TEST(SumToRule, EuclideanNorm) {
  // ‖x‖ = sqrt(sum(x .* x)): ∇ = x / ‖x‖, ∇² = (I − x xᵀ/‖x‖²) / ‖x‖.
  Harness h;
  Expr x = h.var("x", Shape::vector(3));
  Expr norm = ir::unary(Op::Sqrt, ir::sum(ir::mul(x, x)));
  h.checkGradient(norm, x);
  h.checkJacobian(gradient(norm, x), x);
  std::vector<double> xv = h.eval(x), g = h.eval(gradient(norm, x));
  double n = h.eval(norm)[0];
  for (size_t i = 0; i < 3; ++i)
    EXPECT_NEAR(g[i], xv[i] / n, 1e-14);
}

} // namespace
} // namespace odec::ad::testing
