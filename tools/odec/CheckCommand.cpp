// odec check FILE...: parse and check, print diagnostics, exit 1 on any error.
#include "Commands.h"

#include "driver/Compilation.h"

#include <iostream>

namespace odec::cli {

void addCheckCommand(CLI::App &app, int &status) {
  auto *cmd = app.add_subcommand("check", "Parse and check .node files; print diagnostics");
  auto files = std::make_shared<std::vector<std::string>>();
  cmd->add_option("files", *files, ".node files")->required();
  cmd->callback([files, &status] {
    for (const std::string &path : *files) {
      std::shared_ptr<Compilation> c;
      try {
        c = Compilation::fromFile(path);
      } catch (const std::runtime_error &e) {
        std::cerr << "odec: error: " << e.what() << "\n";
        status = kUserError;
        continue;
      }
      std::cerr << c->diags.formatAll();
      if (!c->ok)
        status = kUserError;
    }
  });
}

} // namespace odec::cli
