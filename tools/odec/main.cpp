// odec: the command-line driver. Parses arguments, calls the library, maps failures to
// messages and exit codes (see Commands.h).
#include "Commands.h"

#include "io/ParamsJson.h"
#include "support/InternalError.h"
#include "train/Interrupt.h"

#include <iostream>

int main(int argc, char **argv) {
  using namespace odec::cli;
  CLI::App app{"odec: a compiler and runtime for neural ordinary differential equations"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "odec 0.1.0");
  app.add_flag("-w,--no-warnings", gNoWarnings, "do not print warnings (errors are always printed)");
  int status = kOk;
  addCheckCommand(app, status);
  addSimulateCommand(app, status);
  addJitCommand(app, status);
  addBuildCommand(app, status);
  addEmitLLVMCommand(app, status);
  addEmitCppCommand(app, status);
  addTableauCommand(app, status);
  addStabilityCommand(app, status);
  addDeriveCommand(app, status);
  addInitCommand(app, status);
  addTrainCommand(app, status);
  addGenerateCommand(app, status);
  addGradCommand(app, status);
  addImdeCommand(app, status);
  addBenchCommand(app, status);
  addTargetsCommand(app, status);
  recordInvocation(argc, argv);
  odec::exitOnInterrupt("odec: interrupted (Ctrl-C); nothing was saved");
  try {
    app.parse(argc, argv);
    return status;
  } catch (const CLI::ParseError &e) {
    int rc = app.exit(e);
    return rc == 0 ? kOk : kUsage;
  } catch (const UserError &e) {
    if (*e.what()) // empty: the diagnostics were printed already
      std::cerr << "odec: error: " << e.what() << "\n";
  } catch (const odec::FileError &e) {
    std::cerr << e.what() << "\n";
  } catch (const odec::InternalError &e) {
    std::cerr << "odec: internal error: " << e.what()
              << "\n(this is a bug in odec; please report it with the input that caused it)\n";
    return kInternal;
  } catch (const std::exception &e) {
    std::cerr << "odec: error: " << e.what() << "\n";
  }
  return kUserError;
}
