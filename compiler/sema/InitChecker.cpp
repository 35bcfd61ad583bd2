// Checking of one init block: its settings, operating points and the one stability
// constraint, against the model it initializes.
#include "sema/Checkers.h"
#include "sema/ExprChecker.h"
#include "sema/Suggest.h"

#include <algorithm>
#include <cmath>

namespace odec::sema {

namespace {

const ast::CallExpr *asCall(const ast::Expr *e, const char *callee, size_t args) {
  if (!e || e->kind != ast::ExprKind::Call)
    return nullptr;
  const auto *c = static_cast<const ast::CallExpr *>(e);
  return c->callee == callee && c->args.size() == args && !c->broadcast ? c : nullptr;
}

const ast::IdentExpr *asIdent(const ast::Expr *e) {
  return e && e->kind == ast::ExprKind::Ident ? static_cast<const ast::IdentExpr *>(e) : nullptr;
}

constexpr const char *kRequireForm =
    "require must read: eigvals(step * jacobian(ddt(x), x)) in stability(T, margin = m)";

class InitChecker {
public:
  InitChecker(const ast::InitBlock &b, const std::map<std::string, const CheckedModel *> &models,
              const std::vector<std::string> &tableaux, DiagnosticEngine &diags)
      : b_(b), models_(models), tableaux_(tableaux), diags_(diags), exprs_(scope_, diags) {}

  std::optional<CheckedInit> run() {
    int before = diags_.errorCount();
    out_.model = b_.model;
    out_.ast = &b_;
    auto it = models_.find(b_.model);
    if (it == models_.end()) {
      std::vector<std::string> names;
      for (const auto &[name, m] : models_)
        names.push_back(name);
      diags_.error(b_.nameRange, "unknown model '" + b_.model + "'" + didYouMean(b_.model, names));
      return std::nullopt;
    }
    model_ = it->second;
    const ast::InitStmt *require = nullptr;
    for (const ast::InitStmt &s : b_.stmts) {
      if (s.kind == ast::InitStmt::Kind::At) {
        at(s);
      } else if (s.kind == ast::InitStmt::Kind::Require) {
        if (require)
          diags_.error(s.range, "only one require per init block (the first is at line " +
                                    std::to_string(lineOf(diags_, require->range)) + ")");
        else
          this->require(*(require = &s));
      } else if (firstTime(s)) {
        setting(s);
      }
    }
    if (!seen_.count("solver"))
      diags_.error(b_.nameRange, "init block for '" + b_.model + "' sets no solver");
    if (require && !seen_.count("step"))
      diags_.error(require->range, "require uses step, but the init block sets no step");
    if (diags_.errorCount() != before)
      return std::nullopt;
    return out_;
  }

private:
  bool firstTime(const ast::InitStmt &s) {
    auto [it, fresh] = seen_.emplace(s.name, &s);
    if (!fresh)
      diags_.error(s.nameRange, "duplicate setting '" + s.name + "' (first set at line " +
                                    std::to_string(lineOf(diags_, it->second->nameRange)) + ")");
    return fresh;
  }

  /// A tableau name: `RK4`.
  std::optional<std::string> tableau(const ast::Expr &e) {
    const ast::IdentExpr *id = asIdent(&e);
    if (!id) {
      diags_.error(e.range, "expected a tableau name");
      return std::nullopt;
    }
    if (std::find(tableaux_.begin(), tableaux_.end(), id->name) == tableaux_.end()) {
      diags_.error(e.range, "unknown tableau '" + id->name + "'" + didYouMean(id->name, tableaux_));
      return std::nullopt;
    }
    return id->name;
  }

  /// A Real constant; nullopt after reporting.
  std::optional<double> number(const ast::Expr &e, const std::string &what) {
    auto v = exprs_.evaluate(e);
    if (v && !v->shape.isScalar()) {
      diags_.error(e.range, what + " must be a Real number, got " + v->shape.str());
      return std::nullopt;
    }
    return v ? std::optional(v->elems[0].value) : std::nullopt;
  }

  void setting(const ast::InitStmt &s) {
    if (s.name == "solver") {
      if (auto t = tableau(*s.value))
        out_.solver = *t;
    } else if (s.name == "step") {
      auto v = number(*s.value, "step");
      if (v && !(*v > 0))
        diags_.error(s.value->range,
                     "step must be positive, got " + sourceText(diags_.sources(), s.value->range));
      else if (v)
        out_.step = *v;
    } else if (s.name == "strategy") {
      strategy(*s.value);
    } else {
      diags_.error(s.nameRange, "unknown init setting '" + s.name +
                                    "'; known settings are solver, step and strategy "
                                    "(and the statements at and require)");
    }
  }

  /// A bound `(lo, hi)` (or `[lo, hi]`) of two Real constants, lo < hi; nullopt after reporting.
  PoleRegion::Interval interval(const ast::Expr &e, const std::string &what) {
    const auto *a =
        e.kind == ast::ExprKind::Array ? static_cast<const ast::ArrayExpr *>(&e) : nullptr;
    if (!a || !a->commaSeparated || a->rows.size() != 2) {
      diags_.error(e.range, what + " must be a pair (lo, hi) of numbers");
      return std::nullopt;
    }
    auto lo = number(*a->rows[0][0], what), hi = number(*a->rows[1][0], what);
    if (!lo || !hi)
      return std::nullopt;
    if (!(*lo < *hi)) {
      diags_.error(e.range, what + " must be (lo, hi) with lo < hi, got " +
                                sourceText(diags_.sources(), e.range));
      return std::nullopt;
    }
    return std::pair(*lo, *hi);
  }

  /// placement's keywords: bounds on z = hλ (real, imag) and on λ (radius, frequency).
  void placementBound(const ast::KeywordArg &k) {
    PoleRegion &p = out_.placement;
    PoleRegion::Interval *slot = k.name == "real"        ? &p.real
                                 : k.name == "imag"      ? &p.imag
                                 : k.name == "radius"    ? &p.radius
                                 : k.name == "frequency" ? &p.frequency
                                                         : nullptr;
    if (!slot) {
      diags_.error(k.nameRange, "unknown keyword '" + k.name +
                                    "' for placement; expected real, imag, radius or frequency");
      return;
    }
    PoleRegion::Interval v = interval(*k.value, k.name);
    if (v && (k.name == "radius" || k.name == "frequency") && v->first < 0)
      diags_.error(k.value->range, k.name + " bounds |λ| or |Im λ|, so it must be >= 0, got " +
                                       sourceText(diags_.sources(), k.value->range));
    else if (v)
      *slot = v;
  }

  /// strategy ::= 'rejection' '(' ['max_tries' '=' int] ')'
  ///            | 'placement' '(' {('real' | 'imag' | 'radius' | 'frequency') '=' pair} ')'
  void strategy(const ast::Expr &e) {
    const auto *c =
        e.kind == ast::ExprKind::Call ? static_cast<const ast::CallExpr *>(&e) : nullptr;
    bool rejection = c && c->callee == "rejection", placement = c && c->callee == "placement";
    if (!rejection && !placement) {
      diags_.error(e.range, "unknown strategy; expected rejection(max_tries = n) or "
                            "placement(real = (a, b), imag = (c, d))");
      return;
    }
    out_.strategy = rejection ? CheckedInit::Strategy::Rejection : CheckedInit::Strategy::Placement;
    if (!c->args.empty()) {
      diags_.error(c->args[0]->range, "'" + c->callee + "' takes no positional arguments");
      return;
    }
    for (const ast::KeywordArg &k : c->kwargs) {
      if (placement) {
        placementBound(k);
        continue;
      }
      if (k.name != "max_tries") {
        diags_.error(k.nameRange,
                     "unknown keyword '" + k.name + "' for rejection; expected max_tries");
        continue;
      }
      auto n = exprs_.integer(*k.value, "max_tries");
      if (n && *n < 1)
        diags_.error(k.value->range, "max_tries must be positive, got " + std::to_string(*n));
      else if (n)
        out_.maxTries = *n;
    }
  }

  const StateInfo *state(const std::string &name) const {
    for (const StateInfo &s : model_->states)
      if (s.name == name)
        return &s;
    return nullptr;
  }

  bool isDeclaredState(const std::string &name) const {
    for (const ast::DeclPtr &d : model_->ast->decls)
      if (d->kind == ast::DeclKind::State && d->name == name)
        return true;
    return false;
  }

  /// at ::= 'at' ( state | input | 't' ) '=' expr
  void at(const ast::InitStmt &s) {
    auto v = exprs_.evaluate(*s.value);
    std::optional<std::pair<std::string, Shape>> target = atTarget(s);
    if (!target)
      return;
    if (v && v->shape != target->second) {
      diags_.error(s.value->range, "the operating point of '" + s.name + "' is " +
                                       v->shape.str() + ", but the " + target->first + " is " +
                                       target->second.str());
      return;
    }
    if (v)
      out_.operatingPoints.emplace_back(s.name, v->doubles());
  }

  /// What an `at` line names: a state, an input or the time (the kind, for messages, and the
  /// shape); reports and returns nothing otherwise. A state named t shadows the time, as in
  /// the model.
  std::optional<std::pair<std::string, Shape>> atTarget(const ast::InitStmt &s) {
    if (const StateInfo *st = state(s.name))
      return std::pair{std::string("state"), st->shape};
    if (isDeclaredState(s.name)) // a state whose type failed was reported already
      return std::nullopt;
    for (const InputInfo &in : model_->inputs)
      if (in.name == s.name)
        return std::pair{std::string("input"), in.shape};
    const bool driven = model_->readsTime || !model_->inputs.empty();
    if (s.name == "t" && driven)
      return std::pair{std::string("time"), Shape::scalar()};
    if (s.name == "t")
      diags_.error(s.nameRange, "model '" + b_.model +
                                    "' reads neither the time t nor inputs, so its Jacobian "
                                    "does not depend on t");
    else
      diags_.error(s.nameRange, "'" + s.name + "' is neither a state nor an input of model '" +
                                    b_.model + "'");
    return std::nullopt;
  }

  /// require ::= 'eigvals' '(' 'step' '*' 'jacobian' '(' 'ddt' '(' x ')' ',' x ')' ')'
  ///             'in' 'stability' '(' T [',' 'margin' '=' m] ')'
  void require(const ast::InitStmt &s) {
    const ast::Expr *e = s.value.get();
    if (!e || e->kind != ast::ExprKind::Binary ||
        static_cast<const ast::BinaryExpr *>(e)->op != ast::BinaryOp::In)
      return formError(s.value ? s.value->range : s.range);
    const auto &in = static_cast<const ast::BinaryExpr &>(*e);
    const ast::CallExpr *eig = asCall(in.lhs.get(), "eigvals", 1);
    if (!eig)
      return formError(in.lhs->range);
    const ast::Expr *prod = eig->args[0].get();
    const auto *mul =
        prod->kind == ast::ExprKind::Binary ? static_cast<const ast::BinaryExpr *>(prod) : nullptr;
    const ast::IdentExpr *step =
        mul && mul->op == ast::BinaryOp::Mul ? asIdent(mul->lhs.get()) : nullptr;
    if (!step || step->name != "step")
      return formError(prod->range);
    const ast::CallExpr *jac = asCall(mul->rhs.get(), "jacobian", 2);
    const ast::CallExpr *ddt = jac ? asCall(jac->args[0].get(), "ddt", 1) : nullptr;
    const ast::IdentExpr *x = ddt ? asIdent(ddt->args[0].get()) : nullptr;
    const ast::IdentExpr *wrt = jac ? asIdent(jac->args[1].get()) : nullptr;
    if (!x || !wrt)
      return formError(mul->rhs->range);
    if (x->name != wrt->name) {
      diags_.error(wrt->range, "the jacobian must be of ddt(" + x->name + ") with respect to '" +
                                   x->name + "'");
      return;
    }
    if (const StateInfo *st = state(x->name); !st) {
      if (!isDeclaredState(x->name))
        diags_.error(x->range, "'" + x->name + "' is not a state of model '" + b_.model + "'");
    } else if (!st->shape.isVector()) {
      diags_.error(x->range,
                   "the jacobian needs a Vector state; '" + x->name + "' is " + st->shape.str());
    }
    const ast::CallExpr *stab = asCall(in.rhs.get(), "stability", 1);
    if (!stab)
      return formError(in.rhs->range);
    if (auto t = tableau(*stab->args[0]))
      out_.region = *t;
    for (const ast::KeywordArg &k : stab->kwargs) {
      if (k.name != "margin") {
        diags_.error(k.nameRange,
                     "unknown keyword '" + k.name + "' for stability; expected margin");
        continue;
      }
      auto m = number(*k.value, "margin");
      if (m && !(*m > 0 && std::isfinite(*m)))
        diags_.error(k.value->range, "margin must be a positive number (|R(hλ)| <= margin; "
                                     "below 1 demands damping, above 1 relaxes the region), got " +
                                         sourceText(diags_.sources(), k.value->range));
      else if (m)
        out_.margin = *m;
    }
  }

  void formError(SourceRange r) { diags_.error(r, kRequireForm); }

  const ast::InitBlock &b_;
  const std::map<std::string, const CheckedModel *> &models_;
  const std::vector<std::string> &tableaux_;
  DiagnosticEngine &diags_;
  EmptyScope scope_;
  ExprChecker exprs_;
  const CheckedModel *model_ = nullptr;
  CheckedInit out_;
  std::map<std::string, const ast::InitStmt *> seen_;
};

} // namespace

std::optional<CheckedInit> checkInit(const ast::InitBlock &b,
                                     const std::map<std::string, const CheckedModel *> &models,
                                     const std::vector<std::string> &tableaux,
                                     DiagnosticEngine &diags) {
  return InitChecker(b, models, tableaux, diags).run();
}

} // namespace odec::sema
