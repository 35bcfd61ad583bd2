// Option values shared by several subcommands, parsed and validated in one place.
#pragma once

#include "Commands.h"

#include "odec/odec.h"

#include <optional>
#include <string>
#include <vector>

namespace odec::cli {

/// The .node file and model every model-level command takes: FILE [--model M].
struct ModelOptions {
  std::string file;
  std::string model;
  void add(CLI::App &cmd);
  /// Compiles the file; prints diagnostics (warnings included) to stderr; throws UserError
  /// (already reported) when there are errors.
  Model load() const;
};

/// Parameters from `--params P.json` or `--seed S` (exactly one).
struct ParamOptions {
  std::string paramsFile;
  std::optional<uint64_t> seed;
  void add(CLI::App &cmd);
  std::vector<double> load(const Model &m) const;
};

/// "1,0,2.5" -> numbers, each finite; `what` names the option in messages.
std::vector<double> parseNumberList(const std::string &text, const std::string &what);

/// Writes text to `path` atomically, or to stdout when path is empty.
void writeOutput(const std::string &path, const std::string &text);

} // namespace odec::cli
