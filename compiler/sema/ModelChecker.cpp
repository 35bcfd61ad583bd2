// Checking of one model block: declarations in order, types, priors, equations.
#include "sema/Checkers.h"
#include "sema/ExprChecker.h"

#include <algorithm>
#include <iterator>

namespace odec::sema {

namespace {

const char *kindWord(ast::DeclKind k) {
  switch (k) {
  case ast::DeclKind::Const:
    return "const";
  case ast::DeclKind::State:
    return "state";
  case ast::DeclKind::Param:
    return "parameter";
  case ast::DeclKind::Let:
    return "local";
  case ast::DeclKind::Ddt:
    return "ddt";
  case ast::DeclKind::Input:
    return "input";
  case ast::DeclKind::Output:
    return "output";
  }
  return "name";
}

/// The names of a model. Every declaration is known from the start (so a use before the
/// definition is reported as such, not as an undefined name) but usable only after it.
class ModelScope : public Scope {
public:
  struct Entry {
    const ast::Decl *decl = nullptr;
    bool defined = false;
    std::optional<Shape> shape; // empty when the declaration failed
    std::optional<ConstValue> value;
    bool used = false;
  };

  ModelScope(const ast::ModelBlock &m, DiagnosticEngine &diags) : diags_(diags) {
    for (const ast::DeclPtr &d : m.decls)
      if (d->kind != ast::DeclKind::Ddt && !entries_.count(d->name)) {
        entries_[d->name].decl = d.get();
        order_.push_back(d->name);
      }
  }

  Entry *find(const std::string &name) {
    auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
  }

  /// In const values, dimensions and prior arguments only consts may be used.
  void setConstantOnly(bool on) { constantOnly_ = on; }

  Lookup lookup(const ast::IdentExpr &id, Binding &out) override {
    Entry *e = find(id.name);
    if (!e && id.name == "t") // the time, unless the model names something `t`
      return time(id, out);
    if (!e)
      return Lookup::NotFound;
    if (!e->defined) {
      diags_.error(id.range, "'" + id.name + "' is used before its definition at line " +
                                 std::to_string(lineOf(diags_, e->decl->nameRange)));
      return Lookup::Failed;
    }
    if (!e->shape)
      return Lookup::Failed;
    if (constantOnly_ && e->decl->kind != ast::DeclKind::Const) {
      diags_.error(id.range,
                   "'" + id.name + "' is not a constant (it is a " + kindWord(e->decl->kind) + ")");
      return Lookup::Failed;
    }
    e->used = true;
    out = {e->decl, *e->shape};
    return Lookup::Found;
  }

  std::vector<std::string> names() const override { return order_; }

  const ConstValue *constValue(const ast::Decl &d) const override {
    auto it = entries_.find(d.name);
    if (it == entries_.end() || it->second.decl != &d || !it->second.value)
      return nullptr;
    return &*it->second.value;
  }

  bool allowsDerivatives() const override { return !constantOnly_; }

  /// Some equation reads the time `t`.
  bool readsTime() const { return readsTime_; }

private:
  Lookup time(const ast::IdentExpr &id, Binding &out) {
    if (constantOnly_) {
      diags_.error(id.range, "'t' (the time) is not a constant");
      return Lookup::Failed;
    }
    readsTime_ = true;
    out = {nullptr, Shape::scalar()};
    return Lookup::Found;
  }

  DiagnosticEngine &diags_;
  std::map<std::string, Entry> entries_;
  std::vector<std::string> order_;
  bool constantOnly_ = false;
  bool readsTime_ = false;
};

struct PriorSpec {
  const char *name;
  Prior::Kind kind;
  int args;
};
constexpr PriorSpec kPriors[] = {
    {"Normal", Prior::Kind::Normal, 2}, {"Uniform", Prior::Kind::Uniform, 2},
    {"Zeros", Prior::Kind::Zeros, 0},   {"Ones", Prior::Kind::Ones, 0},
    {"Glorot", Prior::Kind::Glorot, 0}, {"Constant", Prior::Kind::Constant, 1},
};

class ModelChecker {
public:
  ModelChecker(const ast::ModelBlock &m, DiagnosticEngine &diags, CheckedModel &out)
      : m_(m), diags_(diags), out_(out), scope_(m, diags), exprs_(scope_, diags),
        errorsBefore_(diags.errorCount()) {}

  void run() {
    out_.name = m_.name;
    out_.ast = &m_;
    for (const ast::DeclPtr &d : m_.decls) {
      if (d->kind == ast::DeclKind::Ddt) {
        ddt(static_cast<const ast::DdtDecl &>(*d));
        continue;
      }
      ModelScope::Entry &e = *scope_.find(d->name);
      if (e.decl != d.get()) {
        redeclared(*d, *e.decl);
        continue;
      }
      e.shape = declare(*d, e);
      e.defined = true;
    }
    bool anyState = false;
    for (const ast::DeclPtr &d : m_.decls)
      if (d->kind == ast::DeclKind::State && scope_.find(d->name)->decl == d.get()) {
        anyState = true;
        if (!ddts_.count(d->name))
          diags_.error(d->nameRange, "state '" + d->name + "' has no ddt(" + d->name + ")");
      }
    if (!anyState)
      diags_.error(m_.nameRange, "model '" + m_.name + "' has no states");
    out_.readsTime = scope_.readsTime();
    // In a model with errors an "unused" parameter is most likely the one a misspelt or
    // failed expression meant: the warning would only repeat the error.
    if (diags_.errorCount() != errorsBefore_)
      return;
    for (const ast::DeclPtr &d : m_.decls)
      if ((d->kind == ast::DeclKind::Param || d->kind == ast::DeclKind::Input) &&
          scope_.find(d->name)->decl == d.get() && !scope_.find(d->name)->used)
        diags_.warning(d->nameRange, std::string(d->kind == ast::DeclKind::Param ? "parameter"
                                                                                  : "input") +
                                         " '" + d->name + "' is never used");
  }

private:
  void redeclared(const ast::Decl &d, const ast::Decl &first) {
    std::string line = std::to_string(lineOf(diags_, first.nameRange));
    if (d.kind == ast::DeclKind::Let && first.kind != ast::DeclKind::Let)
      diags_.error(d.nameRange, "local '" + d.name + "' shadows the " + kindWord(first.kind) +
                                    " declared at line " + line);
    else
      diags_.error(d.nameRange,
                   "duplicate name '" + d.name + "' (first declared at line " + line + ")");
  }

  std::optional<Shape> declare(const ast::Decl &d, ModelScope::Entry &e) {
    switch (d.kind) {
    case ast::DeclKind::Const: {
      const auto &c = static_cast<const ast::ConstDecl &>(d);
      scope_.setConstantOnly(true);
      e.value = exprs_.evaluate(*c.value);
      scope_.setConstantOnly(false);
      if (!e.value)
        return std::nullopt;
      out_.consts.push_back({c.name, *e.value, &c});
      return e.value->shape;
    }
    case ast::DeclKind::State: {
      const auto &s = static_cast<const ast::StateDecl &>(d);
      auto shape = type(s.type);
      if (shape)
        out_.states.push_back({s.name, *shape, &s});
      return shape;
    }
    case ast::DeclKind::Param: {
      const auto &p = static_cast<const ast::ParamDecl &>(d);
      auto shape = type(p.type);
      auto pr = prior(p);
      if (shape && pr)
        out_.params.push_back({p.name, *shape, *pr, &p});
      return shape;
    }
    case ast::DeclKind::Let:
      return exprs_.check(*static_cast<const ast::LetDecl &>(d).value);
    case ast::DeclKind::Input:
      return input(static_cast<const ast::InputDecl &>(d));
    case ast::DeclKind::Output:
      return output(static_cast<const ast::OutputDecl &>(d));
    case ast::DeclKind::Ddt:
      break;
    }
    return std::nullopt;
  }

  std::optional<Shape> input(const ast::InputDecl &in) {
    auto shape = type(in.type);
    if (shape && shape->kind == Shape::Kind::Matrix) {
      diags_.error(in.type.range, "an input is a Real or a Vector{n}, got " + shape->str());
      shape.reset();
    }
    auto kind = interpolation(in);
    if (shape && kind)
      out_.inputs.push_back({in.name, *shape, *kind, &in});
    return shape;
  }

  std::optional<std::string> interpolation(const ast::InputDecl &in) {
    static const char *const kKinds[] = {"Hold", "Linear", "CubicSpline"};
    if (!in.interpolation) {
      diags_.error(in.nameRange, "input '" + in.name + "' needs an interpolation: input " +
                                     in.name + "::T ~ Linear() (or Hold(), CubicSpline())");
      return std::nullopt;
    }
    const ast::CallExpr &c = *in.interpolation;
    if (std::find(std::begin(kKinds), std::end(kKinds), c.callee) == std::end(kKinds)) {
      diags_.error(c.calleeRange, "unknown interpolation '" + c.callee +
                                      "'; known interpolations are Hold, Linear and CubicSpline");
      return std::nullopt;
    }
    if (!c.args.empty() || !c.kwargs.empty()) {
      diags_.error(c.range, "'" + c.callee + "' takes no arguments");
      return std::nullopt;
    }
    return c.callee;
  }

  std::optional<Shape> output(const ast::OutputDecl &o) {
    auto shape = exprs_.check(*o.value);
    if (shape && shape->kind == Shape::Kind::Matrix) {
      diags_.error(o.value->range, "output '" + o.name + "' must be a Real or a Vector, got " +
                                       shape->str());
      return std::nullopt;
    }
    if (shape)
      out_.outputs.push_back({o.name, *shape, &o});
    return shape;
  }

  /// type ::= 'Real' | 'Vector' '{' dim '}' | 'Matrix' '{' dim ',' dim '}'
  std::optional<Shape> type(const ast::TypeExpr &t) {
    using K = Shape::Kind;
    size_t want;
    K kind;
    if (t.name == "Real") {
      want = 0, kind = K::Scalar;
    } else if (t.name == "Vector") {
      want = 1, kind = K::Vector;
    } else if (t.name == "Matrix") {
      want = 2, kind = K::Matrix;
    } else {
      diags_.error(t.range,
                   "unknown type '" + t.name + "'; expected Real, Vector{n} or Matrix{m,n}");
      return std::nullopt;
    }
    if (t.dims.size() != want) {
      diags_.error(t.range, t.name + " takes " + std::to_string(want) +
                                (want == 1 ? " dimension" : " dimensions") + ", got " +
                                std::to_string(t.dims.size()));
      return std::nullopt;
    }
    if (want == 0)
      return Shape::scalar();
    std::vector<int64_t> dims;
    scope_.setConstantOnly(true);
    for (const ast::ExprPtr &d : t.dims)
      if (auto v = exprs_.integer(*d, "a dimension"))
        dims.push_back(*v);
    scope_.setConstantOnly(false);
    if (dims.size() != want)
      return std::nullopt;
    std::string spelled = t.name + "{" + std::to_string(dims[0]);
    if (want == 2)
      spelled.append(",").append(std::to_string(dims[1]));
    spelled += "}";
    return exprs_.sized(kind, dims[0], want == 2 ? dims[1] : 1, t.range, spelled);
  }

  std::optional<Prior> prior(const ast::ParamDecl &p) {
    if (!p.prior) {
      diags_.error(p.nameRange, "parameter '" + p.name + "' needs a prior: param " + p.name +
                                    "::T ~ Normal(0, 1)");
      return std::nullopt;
    }
    const ast::CallExpr &c = *p.prior;
    const PriorSpec *spec = nullptr;
    for (const PriorSpec &s : kPriors)
      if (c.callee == s.name)
        spec = &s;
    if (!spec) {
      diags_.error(c.calleeRange, "unknown prior '" + c.callee +
                                      "'; known priors are Normal, Uniform, Zeros, Ones, "
                                      "Glorot and Constant");
      return std::nullopt;
    }
    if (!c.kwargs.empty()) {
      diags_.error(c.kwargs[0].nameRange, "'" + c.callee + "' takes no keyword arguments");
      return std::nullopt;
    }
    if (int(c.args.size()) != spec->args) {
      diags_.error(c.calleeRange, "'" + c.callee + "' takes " + std::to_string(spec->args) +
                                      (spec->args == 1 ? " argument" : " arguments") + ", got " +
                                      std::to_string(c.args.size()));
      return std::nullopt;
    }
    std::vector<double> args;
    scope_.setConstantOnly(true);
    for (const ast::ExprPtr &a : c.args) {
      auto v = exprs_.evaluate(*a);
      if (v && !v->shape.isScalar())
        diags_.error(a->range, "prior arguments must be Real numbers, got " + v->shape.str());
      else if (v)
        args.push_back(v->elems[0].value);
    }
    scope_.setConstantOnly(false);
    if (int(args.size()) != spec->args)
      return std::nullopt;
    Prior pr{spec->kind, args.size() > 0 ? args[0] : 0, args.size() > 1 ? args[1] : 0};
    if (pr.kind == Prior::Kind::Normal && !(pr.b > 0)) {
      diags_.error(c.args[1]->range, "the standard deviation of Normal must be positive, got " +
                                         sourceText(diags_.sources(), c.args[1]->range));
      return std::nullopt;
    }
    if (pr.kind == Prior::Kind::Uniform && !(pr.a < pr.b)) {
      diags_.error(c.range, "Uniform(a, b) needs a < b, got " +
                                sourceText(diags_.sources(), c.args[0]->range) + " and " +
                                sourceText(diags_.sources(), c.args[1]->range));
      return std::nullopt;
    }
    return pr;
  }

  void ddt(const ast::DdtDecl &d) {
    auto shape = exprs_.check(*d.value);
    ModelScope::Entry *target = scope_.find(d.name);
    if (!target || target->decl->kind != ast::DeclKind::State) {
      diags_.error(d.nameRange,
                   target ? "ddt(" + d.name + ") is for the " + kindWord(target->decl->kind) +
                                " '" + d.name + "'; only states have a ddt"
                          : "ddt(" + d.name + ") is for an undefined state '" + d.name + "'");
      return;
    }
    auto [it, fresh] = ddts_.emplace(d.name, &d);
    if (!fresh) {
      diags_.error(d.nameRange, "duplicate ddt(" + d.name + ") (first defined at line " +
                                    std::to_string(lineOf(diags_, it->second->nameRange)) + ")");
      return;
    }
    if (shape && target->shape && *shape != *target->shape)
      diags_.error(d.value->range, "ddt(" + d.name + ") has shape " + shape->str() +
                                       ", but state '" + d.name + "' is " + target->shape->str());
  }

  const ast::ModelBlock &m_;
  DiagnosticEngine &diags_;
  CheckedModel &out_;
  ModelScope scope_;
  ExprChecker exprs_;
  std::map<std::string, const ast::DdtDecl *> ddts_;
  int errorsBefore_;
};

} // namespace

int lineOf(const DiagnosticEngine &diags, SourceRange r) {
  return diags.sources().lineCol(r.begin).line;
}

bool checkModel(const ast::ModelBlock &m, DiagnosticEngine &diags, CheckedModel &out) {
  int before = diags.errorCount();
  ModelChecker(m, diags, out).run();
  return diags.errorCount() == before;
}

} // namespace odec::sema
