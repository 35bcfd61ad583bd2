// IMDE series against hand-derived formulas (science.md §2) and closed forms.
#include "imde/Imde.h"
#include "driver/Compilation.h"
#include "ir/Builder.h"
#include "ir/Interpreter.h"
#include "ir/Model.h"
#include "lower/LowerModel.h"
#include "tableau/OrderConditions.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace odec::imde {
namespace {

struct Program {
  std::shared_ptr<Compilation> c;
  ir::ModelIR model;
  explicit Program(const std::string &source)
      : c(Compilation::fromText("test.node", source)), model() {
    EXPECT_TRUE(c->ok) << c->diags.formatAll();
    model = lowerModel(c->model(""));
  }
  const ButcherTableau &tableau(const std::string &name) const { return c->tableau(name); }
};

// ddt(p) = sin(q), ddt(q) = p q: nonlinear in both states, derivatives easy by
// hand.
const char *kNonlinear = R"(
model Toy
    state p::Real
    state q::Real
    ddt(p) = sin(q)
    ddt(q) = p * q
end
)";

// ddt(x) = λx.
const char *kLinear = R"(
model Linear
    state x::Real
    param lambda::Real ~ Normal(0, 1)
    ddt(x) = lambda * x
end
)";

int treeOf(const std::string &notation) {
  for (size_t t = 0; t < rootedTrees().size(); ++t)
    if (treeNotation(int(t)) == notation)
      return int(t);
  ADD_FAILURE() << "no tree " << notation;
  return 0;
}

// The coefficient of F(t) in f_{|t|-1}: x(t)/σ(t), exact.
Rational termCoefficient(const SeriesCoefficients &x, const std::string &tree) {
  int t = treeOf(tree);
  EXPECT_TRUE(x.coefficient[size_t(t)].exact.has_value());
  return *x.coefficient[size_t(t)].exact / Rational(rootedTrees()[size_t(t)].symmetry);
}

std::vector<double> evalTerm(const Program &prog, const ImdeSeries &s, int k,
                             std::vector<std::vector<double>> inputs) {
  std::vector<double> flat;
  for (const auto &v : ir::evaluate(termFunction(prog.model, s, k), inputs))
    flat.insert(flat.end(), v.begin(), v.end());
  return flat;
}

TEST(ImdeCoefficients, EulerMatchesScienceNotesToOrder4) {
  Program prog(kNonlinear);
  SeriesCoefficients x = modifyingCoefficients(prog.tableau("Euler"), 3, Direction::Forward);
  EXPECT_TRUE(x.exact);
  EXPECT_EQ(termCoefficient(x, "τ"), Rational(1));
  EXPECT_EQ(termCoefficient(x, "[τ]"), Rational(1, 2));
  EXPECT_EQ(termCoefficient(x, "[τ τ]"), Rational(1, 6));
  EXPECT_EQ(termCoefficient(x, "[[τ]]"), Rational(1, 6));
  EXPECT_EQ(termCoefficient(x, "[τ τ τ]"), Rational(1, 24));
  EXPECT_EQ(termCoefficient(x, "[τ [τ]]"), Rational(3, 24));
  EXPECT_EQ(termCoefficient(x, "[[τ τ]]"), Rational(1, 24));
  EXPECT_EQ(termCoefficient(x, "[[[τ]]]"), Rational(1, 24));
}

TEST(ImdeCoefficients, ExplicitMidpointMatchesScienceNotes) {
  Program prog(kNonlinear);
  SeriesCoefficients x = modifyingCoefficients(prog.tableau("Midpoint"), 3, Direction::Forward);
  EXPECT_EQ(termCoefficient(x, "[τ]"), Rational(0));
  EXPECT_EQ(termCoefficient(x, "[τ τ]"), Rational(1, 24));
  EXPECT_EQ(termCoefficient(x, "[[τ]]"), Rational(1, 6));
  EXPECT_EQ(termCoefficient(x, "[τ τ τ]"), Rational(0));
  EXPECT_EQ(termCoefficient(x, "[τ [τ]]"), Rational(0));
  EXPECT_EQ(termCoefficient(x, "[[τ τ]]"), Rational(-1, 16));
  EXPECT_EQ(termCoefficient(x, "[[[τ]]]"), Rational(-1, 8));
}

// An order-p method has f_1 .. f_{p-1} = 0 and a nonzero f_p.
TEST(ImdeCoefficients, OrderPMethodsVanishBelowP) {
  Program prog(kNonlinear);
  for (auto [name, p] : {std::pair{"Heun", 2}, {"Kutta3", 3}, {"RK4", 4}, {"RK38", 4}}) {
    SeriesCoefficients x = modifyingCoefficients(prog.tableau(name), p, Direction::Forward);
    bool leadingNonzero = false;
    for (size_t t = 1; t < x.coefficient.size(); ++t) {
      int order = rootedTrees()[t].order;
      if (order <= p)
        EXPECT_EQ(x.coefficient[t].value, 0.0) << name << " " << treeNotation(int(t));
      else
        leadingNonzero = leadingNonzero || x.coefficient[t].value != 0;
    }
    EXPECT_TRUE(leadingNonzero) << name;
  }
}

// Symmetric methods have an IMDE in even powers of h only; Gauss–Legendre's √3
// makes it inexact.
TEST(ImdeCoefficients, SymmetricMethodsHaveNoOddTerms) {
  Program prog(kNonlinear);
  for (const char *name : {"ImplicitMidpoint", "GaussLegendre2"}) {
    SeriesCoefficients x = modifyingCoefficients(prog.tableau(name), 5, Direction::Forward);
    bool evenNonzero = false;
    for (size_t t = 1; t < x.coefficient.size(); ++t) {
      if (rootedTrees()[t].order % 2 == 0)
        EXPECT_NEAR(x.coefficient[t].value, 0.0, 1e-13) << name << " " << treeNotation(int(t));
      else
        evenNonzero = evenNonzero || std::abs(x.coefficient[t].value) > 1e-6;
    }
    EXPECT_TRUE(evenNonzero) << name;
  }
  EXPECT_TRUE(modifyingCoefficients(prog.tableau("ImplicitMidpoint"), 3, Direction::Forward).exact);
  EXPECT_FALSE(modifyingCoefficients(prog.tableau("GaussLegendre2"), 3, Direction::Forward).exact);
}

TEST(ImdeCoefficients, InverseLeadingTermIsMinusTheForwardOne) {
  Program prog(kNonlinear);
  ButcherTableau t = prog.tableau("RK4");
  SeriesCoefficients fwd = modifyingCoefficients(t, 5, Direction::Forward);
  SeriesCoefficients inv = modifyingCoefficients(t, 5, Direction::Inverse);
  // RK4 has order 4: the leading terms f_4 of the IMDE and of its inverse are
  // opposite.
  for (size_t k = 0; k < fwd.coefficient.size(); ++k)
    if (rootedTrees()[k].order == 5) {
      EXPECT_EQ(*fwd.coefficient[k].exact, -*inv.coefficient[k].exact) << treeNotation(int(k));
    }
}

TEST(ImdeCoefficients, RejectsOrdersBeyondTheTrees) {
  Program prog(kNonlinear);
  EXPECT_THROW(modifyingCoefficients(prog.tableau("Euler"), maxImdeOrder() + 1, Direction::Forward),
               std::invalid_argument);
}

TEST(ImdeSeriesIR, EulerTermsMatchHandDerivedDifferentials) {
  Program prog(kNonlinear);
  ImdeSeries s = imdeSeries(prog.model, prog.tableau("Euler"), 2, Direction::Forward);
  EXPECT_EQ(s.formulas[1], "1//2 f′f");
  EXPECT_EQ(s.formulas[2], "1//6 f″(f,f) + 1//6 f′f′f");
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-2, 2);
  for (int trial = 0; trial < 5; ++trial) {
    double p = u(rng), q = u(rng);
    // f = (sin q, p q); f′ = [0 cos q; q p]; f″(u,v) = (−sin q u₂v₂, u₁v₂ +
    // u₂v₁).
    double f[2] = {std::sin(q), p * q};
    auto J = [&](const double *v, double *out) {
      out[0] = std::cos(q) * v[1];
      out[1] = q * v[0] + p * v[1];
    };
    auto H = [&](const double *a, const double *b, double *out) {
      out[0] = -std::sin(q) * a[1] * b[1];
      out[1] = a[0] * b[1] + a[1] * b[0];
    };
    double Jf[2], JJf[2], Hff[2];
    J(f, Jf);
    J(Jf, JJf);
    H(f, f, Hff);
    std::vector<double> f1 = evalTerm(prog, s, 1, {{p}, {q}});
    std::vector<double> f2 = evalTerm(prog, s, 2, {{p}, {q}});
    for (int i = 0; i < 2; ++i) {
      EXPECT_NEAR(f1[size_t(i)], 0.5 * Jf[i], 1e-12);
      EXPECT_NEAR(f2[size_t(i)], (Hff[i] + JJf[i]) / 6, 1e-12);
    }
  }
}

// Euler on ddt(x) = λx: f_h = ((e^{hλ} − 1)/h) x, so f_k = λ^{k+1}/(k+1)! x;
// the inverse is log(1 + hλ)/h · x, so g_k = (−1)^k λ^{k+1}/(k+1) x.
TEST(ImdeSeriesIR, LinearEulerConvergesToClosedForm) {
  Program prog(kLinear);
  const int K = maxImdeOrder();
  ImdeSeries fwd = imdeSeries(prog.model, prog.tableau("Euler"), K, Direction::Forward);
  ImdeSeries inv = imdeSeries(prog.model, prog.tableau("Euler"), K, Direction::Inverse);
  const double lambda = -1.3, x = 0.7, h = 0.1;
  double factorial = 1, sum = 0;
  for (int k = 0; k <= K; ++k) {
    factorial *= k + 1;
    double fk = evalTerm(prog, fwd, k, {{x}, {lambda}})[0];
    double gk = evalTerm(prog, inv, k, {{x}, {lambda}})[0];
    EXPECT_NEAR(fk, std::pow(lambda, k + 1) / factorial * x, 1e-12) << k;
    EXPECT_NEAR(gk, std::pow(-1, k) * std::pow(lambda, k + 1) / (k + 1) * x, 1e-12) << k;
    sum += std::pow(h, k) * fk;
  }
  double exact = (std::exp(h * lambda) - 1) / h * x;
  EXPECT_NEAR(sum, exact, 2 * std::pow(h * std::abs(lambda), K + 1) * std::abs(lambda * x));
}

// Σ_k h^k term_k as a field expression, for a numeric h.
Field sumSeries(const ImdeSeries &s, double h) {
  Field out = s.terms[0];
  for (size_t k = 1; k < s.terms.size(); ++k)
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = ir::add(out[i], ir::mul(ir::scalar(std::pow(h, double(k))), s.terms[k][i]));
  return out;
}

// --invert round trip: the IMDE of the inverted field is f again, to
// O(h^{K+1}).
TEST(ImdeSeriesIR, InvertThenForwardRecoversTheField) {
  Program prog(kNonlinear);
  const int K = 3;
  std::vector<ir::Expr> states = {prog.model.states[0].var, prog.model.states[1].var};
  for (const char *method : {"Euler", "Midpoint", "ImplicitMidpoint"}) {
    const ButcherTableau &tab = prog.tableau(method);
    ImdeSeries inv = imdeSeries(prog.model, tab, K, Direction::Inverse);
    double err[2];
    for (int r = 0; r < 2; ++r) {
      double h = r == 0 ? 0.1 : 0.05;
      ImdeSeries back = imdeSeries(sumSeries(inv, h), states, tab, K, Direction::Forward);
      Field roundTrip = sumSeries(back, h);
      err[r] = 0;
      for (size_t i = 0; i < 2; ++i) {
        auto value = [&](const ir::Node &v) {
          return std::vector<double>{v.index == 0 ? 0.4 : -0.9};
        };
        double got = ir::evaluate(roundTrip[i], value)[0];
        double want = ir::evaluate(prog.model.ddt[i], value)[0];
        err[r] = std::max(err[r], std::abs(got - want));
      }
    }
    EXPECT_LT(err[0], 1e-3) << method;
    // Halving h divides an O(h^{K+1}) error by about 2^{K+1} = 16.
    if (err[1] > 1e-14) {
      EXPECT_GT(err[0] / err[1], 0.6 * std::pow(2, K + 1)) << method;
    }
  }
}

} // namespace
} // namespace odec::imde
