// odec check FILE... [--emit tokens|ast|ir]: parse and check, print diagnostics (stderr) and,
// on request, an intermediate form (stdout); exit 1 on any error.
#include "Commands.h"

#include "driver/Compilation.h"
#include "ir/Printer.h"
#include "lower/LowerModel.h"
#include "syntax/Lexer.h"

#include <iostream>

namespace odec::cli {

namespace {

void emit(const Compilation &c, const std::string &what) {
  if (what == "tokens") {
    DiagnosticEngine quiet(c.sources); // lexing again: its errors were reported already
    std::cout << dumpTokens(c.sources, c.file, lex(c.sources, c.file, quiet));
  } else if (what == "ast" && c.program) {
    std::cout << ast::dump(*c.program) << "\n";
  } else if (what == "ir" && c.ok) {
    for (const sema::CheckedModel &m : c.checked.models)
      std::cout << ir::dumpSSA(lowerModel(m).field()) << "\n";
  }
}

} // namespace

void addCheckCommand(CLI::App &app, int &status) {
  auto *cmd = app.add_subcommand("check", "Parse and check .node files; print diagnostics");
  auto files = std::make_shared<std::vector<std::string>>();
  auto emitWhat = std::make_shared<std::string>("none");
  cmd->add_option("files", *files, ".node files")->required();
  cmd->add_option("--emit", *emitWhat, "also print an intermediate form: tokens | ast | ir")
      ->check(CLI::IsMember({"none", "tokens", "ast", "ir"}));
  cmd->callback([files, emitWhat, &status] {
    for (const std::string &path : *files) {
      std::shared_ptr<Compilation> c;
      try {
        c = Compilation::fromFile(path);
      } catch (const std::runtime_error &e) {
        std::cerr << "odec: error: " << e.what() << "\n";
        status = kUserError;
        continue;
      }
      printDiagnostics(c->diags.formatAll(), !c->ok);
      if (!c->ok)
        status = kUserError;
      emit(*c, *emitWhat);
    }
  });
}

} // namespace odec::cli
