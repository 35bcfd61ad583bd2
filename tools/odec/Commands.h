// The odec command line: each subcommand registers its options and a handler. Handlers
// return the process exit status; errors they cannot handle propagate as exceptions and
// main() turns them into messages and exit codes.
#pragma once

#include <CLI/CLI.hpp>

namespace odec::cli {

/// Exit statuses: 0 success, 1 errors in the user's input (source, data, arguments' values),
/// 2 command-line usage, 70 an internal error of odec, 130 stopped by Ctrl-C (128 + SIGINT,
/// the shell's convention) after saving what is needed to resume.
enum Exit { kOk = 0, kUserError = 1, kUsage = 2, kInternal = 70, kInterrupted = 130 };

/// A user-facing error without a source location: printed as `odec: error: message`.
struct UserError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Prints diagnostics text to stderr, unless warnings were silenced with `-w` and the text
/// holds no error.
void printDiagnostics(const std::string &text, bool hasErrors);
/// Set by the global `-w` / `--no-warnings` flag.
extern bool gNoWarnings;

void addCheckCommand(CLI::App &app, int &status);
void addSimulateCommand(CLI::App &app, int &status);
void addJitCommand(CLI::App &app, int &status);
void addBuildCommand(CLI::App &app, int &status);
void addEmitLLVMCommand(CLI::App &app, int &status);
void addEmitCppCommand(CLI::App &app, int &status);
void addTableauCommand(CLI::App &app, int &status);
void addStabilityCommand(CLI::App &app, int &status);
void addDeriveCommand(CLI::App &app, int &status);
void addInitCommand(CLI::App &app, int &status);
void addTrainCommand(CLI::App &app, int &status);
void addGenerateCommand(CLI::App &app, int &status);
void addGradCommand(CLI::App &app, int &status);
void addImdeCommand(CLI::App &app, int &status);
void addBenchCommand(CLI::App &app, int &status);
void addTargetsCommand(CLI::App &app, int &status);

/// The command line as typed, words shell-quoted where needed (recorded by main before
/// parsing), for records such as a training run's summary.json.
void recordInvocation(int argc, char **argv);
const std::string &invocation();

} // namespace odec::cli
