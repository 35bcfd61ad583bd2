// Option values shared by several subcommands, parsed and validated in one place.
#pragma once

#include "Commands.h"

#include "io/Csv.h"
#include "odec/odec.h"
#include "support/Step.h"

#include <optional>
#include <string>
#include <vector>

namespace odec::cli {

/// `--cpu NAME` and `--no-cache`: the target of the code a command compiles and whether the
/// on-disk cache of compiled code is used (odec::CompileOptions::cpu and ::cache).
struct TargetFlags {
  std::string cpu;
  bool noCache = false;
  void add(CLI::App &cmd);
  /// The compile options with this target (default precision and code path).
  CompileOptions options() const;
};

/// The .node file and model every model-level command takes: FILE [--model M], and the target
/// flags when the command compiles code.
/// Compiles `file` (empty: the prelude alone); prints diagnostics (warnings included) to
/// stderr; throws UserError (already reported) when there are errors.
Program loadProgram(const std::string &file);

struct ModelOptions {
  std::string file;
  std::string model;
  TargetFlags target;
  void add(CLI::App &cmd, bool compiles = true);
  /// Compiles the file; prints diagnostics (warnings included) to stderr; throws UserError
  /// (already reported) when there are errors. The model compiles for `target`.
  Model load() const;
};

/// The options of the commands that emit a model's C++ (emit-cpp, build): --tableau, --params
/// (baked in as the defaults) and --float.
struct CppExportFlags {
  std::string tableau, params, precision = "double";
  void add(CLI::App &cmd, const char *floatHelp);
  /// The export options for a loaded model (reads the params file, if any).
  CppExportOptions options(const Model &m, const std::string &sourceFile) const;
};

/// Parameters from `--params P.json` or `--seed S` (exactly one).
struct ParamOptions {
  std::string paramsFile;
  std::optional<uint64_t> seed;
  void add(CLI::App &cmd);
  std::vector<double> load(const Model &m) const;
};

/// --threads K, for the commands that split a batch of trajectories across threads (default:
/// every core the machine has).
/// The drive of a model that reads t or inputs (`simulate`, `grad`): --t0, and --inputs
/// FILE.csv with a `t` column and the model's input columns (any order, other columns
/// ignored), shared by every trajectory.
struct DriveOptions {
  double t0 = 0;
  std::string inputs;
  void add(CLI::App &cmd);
  /// The Drive for m; absoluteTimes: the command reports at given times (`simulate --times`),
  /// where --t0 matters for an autonomous model too. UserError for options that do not apply.
  Drive load(const Model &m, bool absoluteTimes = false) const;
};

struct ThreadOptions {
  std::optional<int64_t> threads; // unset: all cores
  void add(CLI::App &cmd);
  /// The thread count to use; throws UserError for --threads < 1.
  int64_t count() const;
};

/// sim.simulate over a batch split across `threads` threads in slices of whole 32-trajectory
/// pieces (a multiple of every SIMD chunk width), so each trajectory runs the same code in the
/// same lane as in one call: the result is bit-identical for any thread count. `newton`, when
/// given, receives the statistics of all slices (summed; maxima of the maxima). `drive` must
/// hold at most one start time and one input signal (every slice shares them).
std::vector<double> simulateBatch(const Simulator &sim, const std::vector<double> &params,
                                  const std::vector<double> &x0, int64_t batch, int64_t steps,
                                  double h, int64_t threads, NewtonSummary *newton = nullptr,
                                  const Drive &drive = {});

/// A CSV whose header is exactly the model's state columns (`x[1],x[2]`), preceded by `t`
/// when withTime; at least one row. Otherwise a FileError naming the expected header.
CsvTable loadStateCsv(const std::string &path, const Model &m, bool withTime);

/// Throws UserError("<option> must be a positive finite number") unless value is.
void requirePositive(double value, const char *option);

/// Validates --step (positive, finite) and --steps (0 .. 10^8).
void checkSteps(double step, int64_t steps);

/// "1,0,2.5" -> numbers, each finite; `what` names the option in messages.
std::vector<double> parseNumberList(const std::string &text, const std::string &what);

/// Writes text to `path` atomically, or to stdout when path is empty.
void writeOutput(const std::string &path, const std::string &text);

} // namespace odec::cli
