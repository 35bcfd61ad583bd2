// odec::Program::check: the front end's report on one file, for `odec check`.
#include "odec/odec.h"

#include "driver/Compilation.h"
#include "ir/Printer.h"
#include "lower/LowerModel.h"
#include "syntax/Lexer.h"

#include <stdexcept>

namespace odec {

CheckReport Program::check(const std::string &path, const std::string &emit) {
  if (!emit.empty() && emit != "none" && emit != "tokens" && emit != "ast" && emit != "ir")
    throw std::invalid_argument("unknown form '" + emit + "' (tokens, ast or ir)");
  std::shared_ptr<Compilation> c = Compilation::fromFile(path);
  CheckReport r;
  r.ok = c->ok;
  r.diagnostics = c->diags.formatAll();
  if (emit == "tokens") {
    DiagnosticEngine quiet(c->sources); // lexing again: its errors were reported already
    r.emitted = dumpTokens(c->sources, c->file, lex(c->sources, c->file, quiet));
  } else if (emit == "ast" && c->program) {
    r.emitted = ast::dump(*c->program) + "\n";
  } else if (emit == "ir" && c->ok) {
    for (const sema::CheckedModel &m : c->checked.models)
      r.emitted += ir::dumpSSA(lowerModel(m).field()) + "\n";
  }
  return r;
}

} // namespace odec
