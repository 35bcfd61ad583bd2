// Semantic analysis: name resolution, shape inference and checking of models, evaluation
// and checking of tableaux, checking of init blocks. Annotates the AST in place
// (Expr::shape, IdentExpr::resolved) and returns what later stages need as plain data.
//
// Errors go to the DiagnosticEngine as `file:line:col: error: ...`; analysis keeps going
// after an error to report several, suppressing cascades (an expression whose operand
// already failed is not reported again).
#pragma once

#include "prior/Prior.h"
#include "prior/PoleRegion.h"
#include "sema/ConstEval.h"
#include "support/Shape.h"
#include "syntax/AST.h"
#include "syntax/Diagnostics.h"
#include "tableau/ButcherTableau.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace odec::sema {

struct StateInfo {
  std::string name;
  Shape shape;
  const ast::StateDecl *decl;
};

struct ParamInfo {
  std::string name;
  Shape shape;
  Prior prior;
  const ast::ParamDecl *decl;
};

/// An `input` of a model: a signal the data supply, read at stage times through its
/// interpolation ("Hold", "Linear" or "CubicSpline").
struct InputInfo {
  std::string name;
  Shape shape; // Real or Vector
  std::string interpolation;
  const ast::InputDecl *decl;
};

/// An `output` of a model: what its data observe (Real or Vector).
struct OutputInfo {
  std::string name;
  Shape shape;
  const ast::OutputDecl *decl;
};

/// A `const` of a model, evaluated (lowering inlines it as a Constant).
struct ConstInfo {
  std::string name;
  ConstValue value;
  const ast::ConstDecl *decl;
};

/// A model that passed every check: its states and parameters in declaration order, and
/// its AST (annotated with shapes and resolved names) for lowering.
struct CheckedModel {
  std::string name;
  const ast::ModelBlock *ast;
  std::vector<StateInfo> states;
  std::vector<ParamInfo> params;
  std::vector<ConstInfo> consts; // declaration order
  std::vector<InputInfo> inputs;  // declaration order
  std::vector<OutputInfo> outputs; // declaration order
  bool readsTime = false;          // an equation reads the time `t`
};

struct CheckedTableau {
  ButcherTableau tableau;
  const ast::TableauBlock *ast; // null for none
  bool fromPrelude = false;
};

/// The `init` block's settings, checked. Semantics (sampling, eigenvalues) live in the runtime.
struct CheckedInit {
  std::string model;
  std::string solver;            // a tableau name
  double step = 0;
  /// The `at` lines in order: the state's name and its values. Consecutive lines naming
  /// different states build one operating point; naming a state again starts the next point
  /// (so `at x = a` / `at x = b` are two points). States a point does not name are zero.
  std::vector<std::pair<std::string, std::vector<double>>> operatingPoints;
  double margin = 1.0;           // from `in stability(T, margin = m)`
  /// The T of `in stability(T, …)`: whose stability region constrains hλ. It may differ from
  /// `solver` (a stricter or looser region on purpose); empty without a require line.
  std::string region;
  enum class Strategy { Rejection, Placement } strategy = Strategy::Rejection;
  int64_t maxTries = 10000;
  /// placement(real = (a, b), imag = (c, d), radius = (r1, r2), frequency = (f1, f2)).
  PoleRegion placement;
  const ast::InitBlock *ast;
};

struct CheckedProgram {
  std::vector<CheckedModel> models;
  std::vector<CheckedTableau> tableaux; // prelude first (minus shadowed ones), then the user's
  std::vector<CheckedInit> inits;

  const CheckedModel *findModel(const std::string &name) const;
  const CheckedTableau *findTableau(const std::string &name) const;
};

/// Checks `program` (whose tableaux may shadow the prelude's, with a warning). Returns
/// false if any error was reported; `out` then holds only what checked cleanly.
bool check(const ast::Program &program, const ast::Program *prelude, DiagnosticEngine &diags,
           CheckedProgram &out);

/// Parses the embedded prelude (odec::kPreludeText) into `sm` as the buffer `<prelude>`.
/// Call once per compilation (the Program's locations refer to `sm`) and pass the result to
/// check(), keeping it alive as long as the CheckedProgram (which points into it). The
/// prelude is part of odec: a parse error in it throws InternalError.
std::unique_ptr<ast::Program> parsePrelude(SourceManager &sm, DiagnosticEngine &diags);

} // namespace odec::sema
