// The per-block checks that sema::check composes (internal to compiler/sema).
#pragma once

#include "sema/Sema.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace odec::sema {

/// Checks one model. `out` receives whatever checked cleanly (a state with a valid type is
/// listed even when an equation failed, so init blocks can still be checked against it).
/// Returns true when no error was reported.
bool checkModel(const ast::ModelBlock &m, DiagnosticEngine &diags, CheckedModel &out);

/// Evaluates and checks one tableau; nullopt after reporting an error.
std::optional<ButcherTableau> checkTableau(const ast::TableauBlock &t, DiagnosticEngine &diags);

/// Checks one init block against the models (by name, including ones with errors) and the
/// names of the tableaux in scope; nullopt after reporting an error.
std::optional<CheckedInit> checkInit(const ast::InitBlock &b,
                                     const std::map<std::string, const CheckedModel *> &models,
                                     const std::vector<std::string> &tableaux,
                                     DiagnosticEngine &diags);

/// The 1-based line of a location, for messages that point back at a declaration.
int lineOf(const DiagnosticEngine &diags, SourceRange r);

} // namespace odec::sema
