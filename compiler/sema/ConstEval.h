// Constant evaluation of shape-checked expressions: dimensions, indices, consts, prior
// arguments, tableau coefficients, init settings. Values stay exact rationals as long as
// they can (`1//6`, `0.1`, `-1//3 + 2`, sums and products of those) and become doubles
// otherwise (`sqrt(3)/6`, `tanh(1)`), so tableau analysis can be exact where the method is.
#pragma once

#include "support/Shape.h"
#include "syntax/AST.h"
#include "syntax/Diagnostics.h"
#include "tableau/ButcherTableau.h"

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace odec::sema {

/// A constant tensor: its shape and rows*cols elements, row-major.
struct ConstValue {
  Shape shape;
  std::vector<Coefficient> elems;

  std::vector<double> doubles() const;
};

/// The value of a const declaration, or null when the declaration is not a (valid) const.
using ConstLookup = std::function<const ConstValue *(const ast::Decl &)>;

/// A number literal's value: exact when its decimal text is a rational that fits 64 bits
/// (`0.1` is 1//10), a double otherwise.
Coefficient numberValue(const ast::NumberExpr &n);

/// Evaluates `e`, whose shapes sema has already annotated. A non-finite result, a `//` of
/// non-integers or a reference to something that is not a constant is reported to `diags`
/// (at the innermost offending subexpression) and gives nullopt; with diags == nullptr such
/// a failure is an InternalError (callers that re-evaluate checked constants).
std::optional<ConstValue> evaluateConstant(const ast::Expr &e, const ConstLookup &consts,
                                           DiagnosticEngine *diags);

/// Evaluates `e` as an integer constant (a Real with an exact integer value), reporting
/// `<what> must be an integer constant, got 2.5` otherwise.
std::optional<int64_t> evaluateInteger(const ast::Expr &e, const ConstLookup &consts,
                                       DiagnosticEngine *diags, std::string_view what);

/// The source text of a range (single line), for messages that quote the user's code.
std::string sourceText(const SourceManager &sm, SourceRange r);

} // namespace odec::sema
