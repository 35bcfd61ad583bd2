// Test support for autodiff: random points (fixed seed) and central finite differences
// evaluated with the IR interpreter, the independent reference every derivative is checked
// against. Agreement means relative error ≤ 1e-6 in double (see expectClose).
#pragma once

#include "ir/IR.h"

#include <map>
#include <random>
#include <string>
#include <vector>

namespace odec::ad::testing {

enum class Domain {
  AnySign, // |v| in [0.2, 1.5], either sign: no kink (relu, abs at 0) within a step
  Positive // v in [0.2, 1.5]: log, sqrt, bases of pow
};

class Harness {
public:
  /// A new State variable with random values at the current point.
  ir::Expr var(const std::string &name, Shape shape, Domain domain = Domain::AnySign);
  /// A Constant with random values in [-1, 1] (cotangents, tangents, weights).
  ir::Expr randomConstant(Shape shape);
  /// Value of e at the current point.
  std::vector<double> eval(const ir::Expr &e) const;

  /// vjp of out with a random cotangent c, for each w in wrt, against central differences
  /// of ⟨c, out⟩ along each element of w.
  void checkVjp(const ir::Expr &out, const std::vector<ir::Expr> &wrt);
  /// jvp of out with random tangents t against (out(x + h t) − out(x − h t)) / 2h.
  void checkJvp(const ir::Expr &out, const std::vector<ir::Expr> &wrt);
  /// Both of the above.
  void checkFirstOrder(const ir::Expr &out, const std::vector<ir::Expr> &wrt);
  /// checkFirstOrder, then the same checks on the gradient of Σ w ∘ tanh(out) (w random)
  /// w.r.t. each of wrt: derivatives of the derivative rules' own output.
  void checkFirstAndSecondOrder(const ir::Expr &out, const std::vector<ir::Expr> &wrt);
  /// jacobian(f, x) against central differences of f, column by column.
  void checkJacobian(const ir::Expr &f, const ir::Expr &x);
  /// gradient(H, x) against central differences of H.
  void checkGradient(const ir::Expr &H, const ir::Expr &x);

private:
  /// Central differences of the values of e along `direction` (one entry per variable
  /// moved, same sizes as the variable), at the current point.
  std::vector<double> difference(const ir::Expr &e,
                                 const std::map<const ir::Node *, std::vector<double>> &direction);
  /// Central differences of ⟨c, out⟩ along each element of w.
  std::vector<double> differencePairing(const ir::Expr &out, const std::vector<double> &c,
                                        const ir::Expr &w);

  std::mt19937 rng_{20240611};
  std::map<const ir::Node *, std::vector<double>> point_;
  int nextIndex_ = 0;
};

/// Relative error ‖ad − fd‖∞ / max(‖fd‖∞, 1) ≤ 1e-6, every value finite, sizes equal.
void expectClose(const std::vector<double> &ad, const std::vector<double> &fd,
                 const std::string &what);

/// Number of nodes of kind op reachable from roots (each node once).
int countNodes(const std::vector<ir::Expr> &roots, ir::Op op);

} // namespace odec::ad::testing
