// Shape inference and checking of expressions, under the strict Julia rules of the model
// language (ShapeRules.h), with built-ins (Builtins.h), indexing (Indexing.h) and array
// literals. Annotates Expr::shape and IdentExpr::resolved; what names mean is the Scope's
// business, so the same checker serves model equations, consts, dimensions, tableau
// coefficients and init settings.
#pragma once

#include "sema/ConstEval.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace odec::sema {

/// What a name stands for: its declaration and shape.
struct Binding {
  const ast::Decl *decl = nullptr;
  Shape shape;
};

/// The names visible to an expression.
class Scope {
public:
  enum class Lookup {
    Found,    // `out` is set
    NotFound, // no such name (the checker reports it, or treats `I` as the identity)
    Failed    // the name exists but may not be used here, or its declaration failed;
              // the scope has reported whatever needed reporting
  };
  virtual ~Scope() = default;
  virtual Lookup lookup(const ast::IdentExpr &id, Binding &out) = 0;
  /// Names to suggest for a misspelling.
  virtual std::vector<std::string> names() const = 0;
  /// The value of a const declaration, or null.
  virtual const ConstValue *constValue(const ast::Decl &d) const = 0;
  /// gradient/jacobian are allowed (in model equations, not in constants).
  virtual bool allowsDerivatives() const = 0;
};

/// A scope with no names: tableau coefficients and init settings.
class EmptyScope : public Scope {
public:
  Lookup lookup(const ast::IdentExpr &, Binding &) override { return Lookup::NotFound; }
  std::vector<std::string> names() const override { return {}; }
  const ConstValue *constValue(const ast::Decl &) const override { return nullptr; }
  bool allowsDerivatives() const override { return false; }
};

class ExprChecker {
public:
  ExprChecker(Scope &scope, DiagnosticEngine &diags);

  /// The shape of e, or nullopt after reporting an error (once: a parent of a failed
  /// expression reports nothing more).
  std::optional<Shape> check(const ast::Expr &e);
  /// Checks e and evaluates it as a constant.
  std::optional<ConstValue> evaluate(const ast::Expr &e);
  /// Checks e and evaluates it as an integer constant; `what` names it in messages.
  std::optional<int64_t> integer(const ast::Expr &e, std::string_view what);
  /// A shape of the given sizes, or an error at `r` when it has no elements or more than
  /// kMaxElements (`what` names the value: "Matrix{100000,100000}", "zeros(...)").
  std::optional<Shape> sized(Shape::Kind kind, int64_t rows, int64_t cols, SourceRange r,
                             const std::string &what);

  ConstLookup constLookup() const;

private:
  std::optional<Shape> checkNode(const ast::Expr &e);
  std::optional<Shape> ident(const ast::IdentExpr &e);
  std::optional<Shape> binary(const ast::BinaryExpr &e);
  std::optional<Shape> call(const ast::CallExpr &e);
  std::optional<Shape> index(const ast::IndexExpr &e);
  std::optional<Shape> array(const ast::ArrayExpr &e);
  /// Vertical concatenation of shapes ([a; b], vcat(a, b)).
  std::optional<Shape> stack(const std::vector<Shape> &rows, SourceRange r);
  bool isIdentity(const ast::Expr &e);
  std::optional<Shape> inferIdentity(const ast::BinaryExpr &e, bool identityOnLeft);
  std::string text(const ast::Expr &e) const;

  Scope &scope_;
  DiagnosticEngine &diags_;
};

/// Records sema's annotations on the AST. The tree is handed to sema as const (nothing
/// about its structure changes), while shapes and resolutions are filled in place as
/// AST.h documents; the nodes themselves were created mutable by the parser.
void annotate(const ast::Expr &e, Shape s);
void annotate(const ast::IdentExpr &e, const ast::Decl *d);

} // namespace odec::sema
