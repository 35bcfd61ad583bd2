// odec check FILE... [--emit tokens|ast|ir]: parse and check, print diagnostics (stderr) and,
// on request, an intermediate form (stdout); exit 1 on any error.
#include "Commands.h"
#include "Options.h"

#include "odec/odec.h"

#include <iostream>

namespace odec::cli {

void addCheckCommand(CLI::App &app, int &status) {
  auto *cmd = app.add_subcommand("check", "Parse and check .node files; print diagnostics");
  auto files = std::make_shared<std::vector<std::string>>();
  auto emitWhat = std::make_shared<std::string>("none");
  cmd->add_option("files", *files, ".node files")->required();
  cmd->add_option("--emit", *emitWhat, "also print an intermediate form: tokens | ast | ir")
      ->check(CLI::IsMember({"none", "tokens", "ast", "ir"}));
  cmd->callback([files, emitWhat, &status] {
    for (const std::string &path : *files) {
      CheckReport r;
      try {
        r = Program::check(path, *emitWhat);
      } catch (const std::runtime_error &e) {
        std::cerr << "odec: error: " << e.what() << "\n";
        status = kUserError;
        continue;
      }
      printDiagnostics(r.diagnostics, !r.ok);
      if (!r.ok)
        status = kUserError;
      std::cout << r.emitted;
    }
  });
}

} // namespace odec::cli
