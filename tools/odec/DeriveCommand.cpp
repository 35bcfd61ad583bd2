// odec derive: print the symbolic derivatives odec computes for a model.
#include "Options.h"

#include <iostream>

namespace odec::cli {

void addDeriveCommand(CLI::App &app, int &status) {
  struct Opts {
    ModelOptions model;
    std::string what = "jacobian";
  };
  auto o = std::make_shared<Opts>();
  auto *cmd = app.add_subcommand("derive", "Print the derivatives of a model's field (Julia syntax)");
  o->model.add(*cmd, /*compiles=*/false);
  cmd->add_option("--what", o->what, "field | jacobian | vjp | jvp (default: jacobian)")
      ->check(CLI::IsMember({"field", "jacobian", "vjp", "jvp"}));
  cmd->callback([o, &status] {
    std::cout << o->model.load().derivatives(o->what);
    status = kOk;
  });
}

} // namespace odec::cli
