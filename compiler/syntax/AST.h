// The abstract syntax tree of a .node file, as written. Every node carries the location of
// its first token (and a length for carets). Children are owned by unique_ptr.
//
// Semantic analysis annotates expressions in place (`shape`, `resolved`): the parser leaves
// them empty. Nothing else in the AST changes after parsing.
#pragma once

#include "support/Shape.h"
#include "syntax/SourceManager.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace odec::ast {

struct Decl;

// ---------------------------------------------------------------------------------------
// Expressions

enum class ExprKind {
  Number,    // 1, 0.5, 1e-3, 1_000
  Ident,     // x, θ, I
  Unary,     // -x, +x
  Binary,    // a + b, a .* b, 1//6, a in b
  Transpose, // x'
  Call,      // f(x), f.(x), stability(RK4, margin = 0.9)
  Index,     // x[1], W[2, 3], x[1:2], W[:, 1]
  Range,     // a:b or a bare `:` (only inside an index)
  Array,     // [1, 2]  [1 2; 3 4]  [x; y]
};

enum class UnaryOp { Neg, Plus };

enum class BinaryOp {
  Add, Sub, Mul, Div, Pow,             // + - * / ^      (matrix semantics)
  DotAdd, DotSub, DotMul, DotDiv, DotPow, // .+ .- .* ./ .^ (broadcasting)
  RationalDiv,                         // //  (exact rational, integers only)
  In,                                  // in  (only in `require` constraints)
};

/// The operator's spelling, for messages and printing: "+", ".*", "//", "in".
const char *spelling(BinaryOp op);

struct Expr {
  ExprKind kind;
  SourceRange range; // first token .. last token of the expression
  explicit Expr(ExprKind k, SourceRange r) : kind(k), range(r) {}
  virtual ~Expr() = default;
  SourceLoc loc() const { return range.begin; }

  // Set by sema: the shape of the value.
  std::optional<Shape> shape;
};
using ExprPtr = std::unique_ptr<Expr>;

struct NumberExpr : Expr {
  std::string text;   // as written, e.g. "1_000" or "1e-3"
  double value = 0;
  bool isInteger = false; // written without '.', exponent: integer literal
  int64_t intValue = 0;   // valid when isInteger (and it fits)
  NumberExpr(SourceRange r) : Expr(ExprKind::Number, r) {}
};

struct IdentExpr : Expr {
  std::string name;
  const Decl *resolved = nullptr; // set by sema (null for built-ins such as I)
  IdentExpr(SourceRange r, std::string n) : Expr(ExprKind::Ident, r), name(std::move(n)) {}
};

struct UnaryExpr : Expr {
  UnaryOp op;
  ExprPtr operand;
  UnaryExpr(SourceRange r, UnaryOp o, ExprPtr e)
      : Expr(ExprKind::Unary, r), op(o), operand(std::move(e)) {}
};

struct BinaryExpr : Expr {
  BinaryOp op;
  SourceRange opRange; // the operator token, where shape errors point
  ExprPtr lhs, rhs;
  BinaryExpr(SourceRange r, BinaryOp o, SourceRange opr, ExprPtr l, ExprPtr rr)
      : Expr(ExprKind::Binary, r), op(o), opRange(opr), lhs(std::move(l)), rhs(std::move(rr)) {}
};

struct TransposeExpr : Expr {
  ExprPtr operand;
  TransposeExpr(SourceRange r, ExprPtr e) : Expr(ExprKind::Transpose, r), operand(std::move(e)) {}
};

struct KeywordArg {
  std::string name;
  SourceRange nameRange;
  ExprPtr value;
};

struct CallExpr : Expr {
  std::string callee;
  SourceRange calleeRange;
  bool broadcast = false; // f.(x)
  std::vector<ExprPtr> args;
  std::vector<KeywordArg> kwargs; // after positional args: margin = 0.9
  CallExpr(SourceRange r, std::string c, SourceRange cr)
      : Expr(ExprKind::Call, r), callee(std::move(c)), calleeRange(cr) {}
};

struct RangeExpr : Expr {
  ExprPtr lo, hi; // both null for a bare ':'
  RangeExpr(SourceRange r, ExprPtr l, ExprPtr h)
      : Expr(ExprKind::Range, r), lo(std::move(l)), hi(std::move(h)) {}
};

struct IndexExpr : Expr {
  ExprPtr base;
  std::vector<ExprPtr> indices; // 1 or 2; each an expression or a RangeExpr
  IndexExpr(SourceRange r, ExprPtr b) : Expr(ExprKind::Index, r), base(std::move(b)) {}
};

/// An array literal. `[a, b, c]` has commaSeparated = true and one row per element
/// (a vector). Otherwise rows are separated by `;` or newlines and elements within a row
/// by spaces: `[1 2; 3 4]` has rows {{1,2},{3,4}}, `[x; y]` has rows {{x},{y}} (vcat).
struct ArrayExpr : Expr {
  bool commaSeparated = false;
  bool tuple = false; // written `(a, b)`: one element per row, commaSeparated too
  std::vector<std::vector<ExprPtr>> rows;
  ArrayExpr(SourceRange r) : Expr(ExprKind::Array, r) {}
};

// ---------------------------------------------------------------------------------------
// Types and priors

/// `Real`, `Vector{n}`, `Matrix{m,n}` as written.
struct TypeExpr {
  std::string name;
  std::vector<ExprPtr> dims; // integer literals (or const names) in the braces
  SourceRange range;
};

// ---------------------------------------------------------------------------------------
// Declarations

enum class DeclKind { Const, State, Param, Let, Ddt, Input, Output };

/// One statement of a model block.
struct Decl {
  DeclKind kind;
  std::string name;     // the declared name (for Ddt: the state's name)
  SourceRange nameRange;
  SourceRange range;    // the whole statement's first token
  Decl(DeclKind k) : kind(k) {}
  virtual ~Decl() = default;
};
using DeclPtr = std::unique_ptr<Decl>;

/// `const name = expr`
struct ConstDecl : Decl {
  ExprPtr value;
  ConstDecl() : Decl(DeclKind::Const) {}
};

/// `state name::Type`
struct StateDecl : Decl {
  TypeExpr type;
  StateDecl() : Decl(DeclKind::State) {}
};

/// `param name::Type ~ Prior(args...)`
struct ParamDecl : Decl {
  TypeExpr type;
  std::unique_ptr<CallExpr> prior; // e.g. Normal(0, 0.5); the call's callee names the prior
  ParamDecl() : Decl(DeclKind::Param) {}
};

/// `input name::Type ~ Interpolation()`: an exogenous signal supplied with the data.
struct InputDecl : Decl {
  TypeExpr type;
  std::unique_ptr<CallExpr> interpolation; // Hold() | Linear() | CubicSpline(); null if missing
  InputDecl() : Decl(DeclKind::Input) {}
};

/// `output name = expr`: what the data observe.
struct OutputDecl : Decl {
  ExprPtr value;
  OutputDecl() : Decl(DeclKind::Output) {}
};

/// `name = expr`: a local binding, evaluated in order.
struct LetDecl : Decl {
  ExprPtr value;
  LetDecl() : Decl(DeclKind::Let) {}
};

/// `ddt(name) = expr`: the vector field's component for state `name`.
struct DdtDecl : Decl {
  ExprPtr value;
  DdtDecl() : Decl(DeclKind::Ddt) {}
};

struct ModelBlock {
  std::string name;
  SourceRange nameRange;
  SourceRange range; // the `model` keyword
  std::vector<DeclPtr> decls; // in source order
};

/// One `name = expr` line of a tableau block (c, A, b).
struct TableauField {
  std::string name;
  SourceRange nameRange;
  ExprPtr value;
};

struct TableauBlock {
  std::string name;
  SourceRange nameRange;
  SourceRange range;
  std::vector<TableauField> fields;
};

/// Statements of an init block:
///   name = expr        (solver = RK4, step = 0.1, strategy = rejection(max_tries = 10))
///   at state = expr    (an operating point)
///   require expr       (a constraint)
struct InitStmt {
  enum class Kind { Assign, At, Require } kind;
  std::string name; // Assign: the setting; At: the state's name; Require: empty
  SourceRange nameRange;
  SourceRange range;
  ExprPtr value;
};

struct InitBlock {
  std::string model; // the model it initializes
  SourceRange nameRange;
  SourceRange range;
  std::vector<InitStmt> stmts;
};

/// A whole file: its blocks in source order, by kind.
struct Program {
  std::vector<std::unique_ptr<ModelBlock>> models;
  std::vector<std::unique_ptr<TableauBlock>> tableaux;
  std::vector<std::unique_ptr<InitBlock>> inits;
};

/// Prints the tree as an S-expression-like outline (for `odec check --emit=ast` and tests).
std::string dump(const Program &p);
std::string dump(const Expr &e);

} // namespace odec::ast
