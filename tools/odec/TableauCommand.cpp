// odec tableau [FILE] NAME [--json]: order, stability function and stability summaries of a
// Runge–Kutta tableau from the prelude or from FILE.
#include "Options.h"

#include <iostream>

namespace odec::cli {

namespace {

struct TableauOptions {
  std::vector<std::string> args; // [FILE] NAME
  bool json = false;
};

int run(const TableauOptions &o) {
  const std::string file = o.args.size() == 2 ? o.args[0] : "";
  const TableauInfo t = loadProgram(file).tableau(o.args.back());
  std::cout << (o.json ? t.json + "\n" : t.text);
  return kOk;
}

} // namespace

void addTableauCommand(CLI::App &app, int &status) {
  auto o = std::make_shared<TableauOptions>();
  auto *cmd = app.add_subcommand(
      "tableau", "Analyze a Runge–Kutta tableau: order, stability function, stability region");
  cmd->add_option("args", o->args, "[FILE] NAME: a tableau of FILE, or of the prelude")
      ->required()
      ->expected(1, 2);
  cmd->add_flag("--json", o->json, "print the analysis as JSON");
  cmd->callback([o, &status] { status = run(*o); });
}

} // namespace odec::cli
