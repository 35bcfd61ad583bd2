// odec derive: print the symbolic derivatives odec computes for a model.
#include "Options.h"

#include "driver/Compilation.h"
#include "driver/Derive.h"
#include "lower/LowerModel.h"

#include <iostream>
#include <map>

namespace odec::cli {

void addDeriveCommand(CLI::App &app, int &status) {
  struct Opts {
    std::string file, model, what = "jacobian";
  };
  auto o = std::make_shared<Opts>();
  auto *cmd = app.add_subcommand("derive", "Print the derivatives of a model's field (Julia syntax)");
  cmd->add_option("file", o->file, ".node file")->required();
  cmd->add_option("--model", o->model, "model name (default: the file's only model)");
  const std::map<std::string, DeriveWhat> whats = {{"field", DeriveWhat::Field},
                                                   {"jacobian", DeriveWhat::Jacobian},
                                                   {"vjp", DeriveWhat::Vjp},
                                                   {"jvp", DeriveWhat::Jvp}};
  cmd->add_option("--what", o->what, "field | jacobian | vjp | jvp (default: jacobian)")
      ->check(CLI::IsMember({"field", "jacobian", "vjp", "jvp"}));
  cmd->callback([o, whats, &status] {
    auto c = Compilation::fromFile(o->file);
    printDiagnostics(c->diags.formatAll(), !c->ok);
    if (!c->ok)
      throw UserError("");
    std::cout << describeDerivatives(lowerModel(c->model(o->model)), whats.at(o->what));
    status = kOk;
  });
}

} // namespace odec::cli
