#include "FiniteDifference.h"

#include "autodiff/Derivative.h"
#include "ir/Builder.h"
#include "ir/Interpreter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace odec::ad::testing {

using ir::Expr;
using Point = std::map<const ir::Node *, std::vector<double>>;

namespace {

// Step of the central differences: truncation error ~h²·f‴/6 ≈ 1e-11 and rounding error
// ~ε·|f|/h ≈ 1e-11, both far below the 1e-6 tolerance.
constexpr double kStep = 1e-5;
constexpr double kTolerance = 1e-6;

std::vector<double> evalAt(const Expr &e, const Point &point) {
  return ir::evaluate(e, [&](const ir::Node &v) { return point.at(&v); });
}

double dot(const std::vector<double> &a, const std::vector<double> &b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i)
    s += a[i] * b[i];
  return s;
}

} // namespace

Expr Harness::var(const std::string &name, Shape shape, Domain domain) {
  Expr v = ir::variable(name, ir::VarRole::State, nextIndex_++, shape);
  std::uniform_real_distribution<double> magnitude(0.2, 1.5);
  std::bernoulli_distribution negative(domain == Domain::AnySign ? 0.5 : 0.0);
  std::vector<double> values(size_t(shape.size()));
  for (double &x : values)
    x = negative(rng_) ? -magnitude(rng_) : magnitude(rng_);
  point_[v.get()] = std::move(values);
  return v;
}

Expr Harness::randomConstant(Shape shape) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<double> values(size_t(shape.size()));
  for (double &x : values)
    x = u(rng_);
  return ir::constant(shape, std::move(values));
}

std::vector<double> Harness::eval(const Expr &e) const { return evalAt(e, point_); }

std::vector<double> Harness::difference(const Expr &e, const Point &direction) {
  Point plus = point_, minus = point_;
  for (const auto &[var, d] : direction)
    for (size_t k = 0; k < d.size(); ++k) {
      plus[var][k] += kStep * d[k];
      minus[var][k] -= kStep * d[k];
    }
  std::vector<double> fp = evalAt(e, plus), fm = evalAt(e, minus);
  std::vector<double> out(fp.size());
  for (size_t i = 0; i < fp.size(); ++i)
    out[i] = (fp[i] - fm[i]) / (2 * kStep);
  return out;
}

std::vector<double> Harness::differencePairing(const Expr &out, const std::vector<double> &c,
                                               const Expr &w) {
  std::vector<double> result(size_t(w->shape.size()));
  for (size_t k = 0; k < result.size(); ++k) {
    std::vector<double> unit(result.size(), 0.0);
    unit[k] = 1.0;
    result[k] = dot(c, difference(out, {{w.get(), unit}}));
  }
  return result;
}

void Harness::checkVjp(const Expr &out, const std::vector<Expr> &wrt) {
  Expr c = randomConstant(out->shape);
  std::vector<Expr> grads = vjp({out}, {c}, wrt);
  ASSERT_EQ(grads.size(), wrt.size());
  for (size_t j = 0; j < wrt.size(); ++j) {
    ASSERT_EQ(grads[j]->shape, wrt[j]->shape) << "vjp w.r.t. " << wrt[j]->name;
    expectClose(eval(grads[j]), differencePairing(out, c->values, wrt[j]),
                "vjp w.r.t. " + wrt[j]->name);
  }
}

void Harness::checkJvp(const Expr &out, const std::vector<Expr> &wrt) {
  std::vector<Expr> tangents;
  Point direction;
  for (const Expr &w : wrt) {
    tangents.push_back(randomConstant(w->shape));
    direction[w.get()] = tangents.back()->values;
  }
  Expr t = jvp({out}, wrt, tangents)[0];
  ASSERT_EQ(t->shape, out->shape);
  expectClose(eval(t), difference(out, direction), "jvp");
}

void Harness::checkFirstOrder(const Expr &out, const std::vector<Expr> &wrt) {
  checkVjp(out, wrt);
  checkJvp(out, wrt);
}

void Harness::checkFirstAndSecondOrder(const Expr &out, const std::vector<Expr> &wrt) {
  checkFirstOrder(out, wrt);
  Expr L = ir::sum(ir::mul(randomConstant(out->shape), ir::unary(ir::Op::Tanh, out)));
  for (const Expr &w : wrt)
    checkFirstOrder(gradient(L, w), wrt);
}

void Harness::checkJacobian(const Expr &f, const Expr &x) {
  const int m = f->shape.rows, n = x->shape.rows;
  Expr J = jacobian(f, x);
  ASSERT_EQ(J->shape, Shape::matrix(m, n));
  std::vector<double> fd(size_t(m) * n);
  for (int j = 0; j < n; ++j) {
    std::vector<double> unit(size_t(n), 0.0);
    unit[size_t(j)] = 1.0;
    std::vector<double> column = difference(f, {{x.get(), unit}});
    for (int i = 0; i < m; ++i)
      fd[size_t(i) * n + j] = column[size_t(i)];
  }
  expectClose(eval(J), fd, "jacobian");
}

void Harness::checkGradient(const Expr &H, const Expr &x) {
  Expr g = gradient(H, x);
  ASSERT_EQ(g->shape, x->shape);
  expectClose(eval(g), differencePairing(H, {1.0}, x), "gradient");
}

void expectClose(const std::vector<double> &ad, const std::vector<double> &fd,
                 const std::string &what) {
  ASSERT_EQ(ad.size(), fd.size()) << what;
  double scale = 1.0;
  for (double v : fd)
    scale = std::max(scale, std::fabs(v));
  for (size_t i = 0; i < ad.size(); ++i) {
    ASSERT_TRUE(std::isfinite(ad[i]) && std::isfinite(fd[i]))
        << what << ": element " << i << " ad " << ad[i] << " fd " << fd[i];
    EXPECT_LE(std::fabs(ad[i] - fd[i]), kTolerance * scale)
        << what << ": element " << i << " ad " << ad[i] << " fd " << fd[i];
  }
}

int countNodes(const std::vector<Expr> &roots, ir::Op op) {
  int count = 0;
  for (const ir::Node *n : ir::topologicalOrder(roots))
    count += n->is(op);
  return count;
}

} // namespace odec::ad::testing
