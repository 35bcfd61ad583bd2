// sema::check: tableaux (prelude, then the user's), models, then init blocks.
#include "sema/Sema.h"

#include "sema/Checkers.h"
#include "syntax/Parser.h"

#include <algorithm>

namespace odec {
extern const char *const kPreludeText;
}

namespace odec::sema {

const CheckedModel *CheckedProgram::findModel(const std::string &name) const {
  for (const CheckedModel &m : models)
    if (m.name == name)
      return &m;
  return nullptr;
}

const CheckedTableau *CheckedProgram::findTableau(const std::string &name) const {
  for (const CheckedTableau &t : tableaux)
    if (t.tableau.name == name)
      return &t;
  return nullptr;
}

namespace {

/// Reports the second of two blocks with one name; true when `name` was new.
bool firstDefinition(std::map<std::string, SourceRange> &seen, const std::string &what,
                     const std::string &name, SourceRange r, DiagnosticEngine &diags) {
  auto [it, fresh] = seen.emplace(name, r);
  if (!fresh)
    diags.error(r, "duplicate " + what + " '" + name + "' (first defined at line " +
                       std::to_string(lineOf(diags, it->second)) + ")");
  return fresh;
}

bool sameCoefficients(const ButcherTableau &a, const ButcherTableau &b) {
  auto same = [](const std::vector<Coefficient> &x, const std::vector<Coefficient> &y) {
    return std::equal(x.begin(), x.end(), y.begin(), y.end(),
                      [](const Coefficient &p, const Coefficient &q) {
                        return p.exact && q.exact ? *p.exact == *q.exact
                                                  : !p.exact && !q.exact && p.value == q.value;
                      });
  };
  return a.stages == b.stages && same(a.A, b.A) && same(a.b, b.b) && same(a.c, b.c);
}

} // namespace

bool check(const ast::Program &program, const ast::Program *prelude, DiagnosticEngine &diags,
           CheckedProgram &out) {
  int before = diags.errorCount();

  std::map<std::string, SourceRange> userTableaux;
  std::vector<CheckedTableau> user;
  for (const auto &t : program.tableaux) {
    if (!firstDefinition(userTableaux, "tableau", t->name, t->nameRange, diags))
      continue;
    if (auto bt = checkTableau(*t, diags))
      user.push_back({std::move(*bt), t.get(), false});
  }
  if (prelude)
    for (const auto &t : prelude->tableaux) {
      if (userTableaux.count(t->name)) {
        // Warned only when the coefficients differ: a copy of the built-in (the spiral
        // example's Kutta3, written out to show the syntax) changes nothing.
        auto mine = std::find_if(user.begin(), user.end(),
                                 [&](const CheckedTableau &u) { return u.ast->name == t->name; });
        const auto builtin = checkTableau(*t, diags); // the prelude checks cleanly
        if (mine == user.end() || !builtin || !sameCoefficients(mine->tableau, *builtin))
          diags.warning(userTableaux[t->name],
                        "tableau '" + t->name + "' shadows the built-in tableau of the same name");
        continue;
      }
      if (auto bt = checkTableau(*t, diags))
        out.tableaux.push_back({std::move(*bt), t.get(), true});
    }
  for (CheckedTableau &t : user)
    out.tableaux.push_back(std::move(t));

  // Models are checked into a list of their own first, so init blocks can be checked
  // against models with errors (whose states are still known) without reporting twice.
  std::map<std::string, SourceRange> modelNames;
  std::vector<std::pair<CheckedModel, bool>> models;
  models.reserve(program.models.size());
  for (const auto &m : program.models) {
    if (!firstDefinition(modelNames, "model", m->name, m->nameRange, diags))
      continue;
    models.emplace_back();
    models.back().second = checkModel(*m, diags, models.back().first);
  }
  std::map<std::string, const CheckedModel *> byName;
  for (const auto &[m, ok] : models)
    byName[m.name] = &m;

  std::vector<std::string> tableauNames;
  for (const CheckedTableau &t : out.tableaux)
    tableauNames.push_back(t.tableau.name);
  // A tableau that failed its checks is still a known name (already reported).
  for (const auto &[name, range] : userTableaux)
    if (!out.findTableau(name))
      tableauNames.push_back(name);
  std::map<std::string, SourceRange> initNames;
  for (const auto &b : program.inits) {
    if (!firstDefinition(initNames, "init block for", b->model, b->range, diags))
      continue;
    if (auto init = checkInit(*b, byName, tableauNames, diags))
      out.inits.push_back(std::move(*init));
  }

  for (auto &[m, ok] : models)
    if (ok)
      out.models.push_back(std::move(m));
  return diags.errorCount() == before;
}

std::unique_ptr<ast::Program> parsePrelude(SourceManager &sm, DiagnosticEngine &diags) {
  uint32_t file = sm.addBuffer("<prelude>", kPreludeText);
  int before = diags.errorCount();
  std::unique_ptr<ast::Program> p = parseProgram(sm, file, diags);
  if (!p || diags.errorCount() != before)
    throw InternalError("the built-in prelude does not parse");
  return p;
}

} // namespace odec::sema
