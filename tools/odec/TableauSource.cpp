#include "TableauSource.h"

#include "Commands.h"

#include "driver/Compilation.h"

#include <iostream>

namespace odec::cli {

std::vector<ButcherTableau> loadTableaux(const std::string &file,
                                         const std::vector<std::string> &names) {
  std::shared_ptr<Compilation> c =
      file.empty() ? Compilation::fromText("<none>", "") : Compilation::fromFile(file);
  printDiagnostics(c->diags.formatAll(), !c->ok);
  if (!c->ok)
    throw UserError(""); // the diagnostics say why
  std::vector<ButcherTableau> out;
  for (const std::string &name : names) {
    try {
      out.push_back(c->tableau(name));
    } catch (const std::invalid_argument &e) {
      throw UserError(e.what());
    }
  }
  return out;
}

} // namespace odec::cli
