#include "Options.h"

#include "io/AtomicFile.h"
#include "io/ParamsJson.h"
#include "parallel/ThreadTeam.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <iostream>

namespace odec::cli {

bool gNoWarnings = false;

void printDiagnostics(const std::string &text, bool hasErrors) {
  if (hasErrors || !gNoWarnings)
    std::cerr << text;
}

void TargetFlags::add(CLI::App &cmd) {
  cmd.add_option("--cpu", cpu,
                 "CPU to compile for: an LLVM CPU name (znver3, skylake-avx512, ...) or a level "
                 "(x86-64, x86-64-v2, x86-64-v3 = AVX2, x86-64-v4 = AVX-512); default: $ODEC_CPU, "
                 "else this machine");
  cmd.add_flag("--no-cache", noCache,
               "neither load compiled code from nor store it in the cache ($ODEC_CACHE_DIR, "
               "else $XDG_CACHE_HOME/odec, else ~/.cache/odec)");
}

CompileOptions TargetFlags::options() const {
  CompileOptions o;
  o.cpu = cpu;
  o.cache = !noCache;
  return o;
}

void ModelOptions::add(CLI::App &cmd, bool compiles) {
  cmd.add_option("file", file, ".node file")->required();
  cmd.add_option("--model", model, "model name (default: the file's only model)");
  if (compiles)
    target.add(cmd);
}

Program loadProgram(const std::string &file) {
  try {
    Program p = file.empty() ? Program::fromString("", "<none>") : Program::fromFile(file);
    printDiagnostics(p.warnings(), false);
    return p;
  } catch (const CompileError &e) {
    std::cerr << e.what();
    throw UserError("");
  }
}

Model ModelOptions::load() const { return loadProgram(file).model(model, target.options()); }

void ParamOptions::add(CLI::App &cmd) {
  auto *p = cmd.add_option("--params", paramsFile, "parameter JSON file");
  auto *s = cmd.add_option("--seed", seed, "sample parameters from their priors with this seed");
  p->excludes(s);
}

std::vector<double> ParamOptions::load(const Model &m) const {
  if (!paramsFile.empty())
    return m.loadParams(paramsFile);
  if (seed)
    return m.sampleParams(*seed);
  throw UserError("give the parameters with --params P.json, or --seed S to sample them from "
                  "their priors");
}

CsvTable loadStateCsv(const std::string &path, const Model &m, bool withTime) {
  std::vector<std::string> want;
  if (withTime)
    want.push_back("t");
  for (const std::string &c : m.stateColumns())
    want.push_back(c);
  CsvTable t = loadCsv(path);
  if (t.columns != want) {
    std::string header;
    for (const std::string &c : want)
      header += (header.empty() ? "" : ",") + c;
    throw FileError(path, 1, 1, "expected the header '" + header + "'");
  }
  if (t.rows() == 0)
    throw FileError(path, "no rows (the file has only a header)");
  return t;
}

void ThreadOptions::add(CLI::App &cmd) {
  cmd.add_option("--threads", threads,
                 "threads sharing the batch (default: all " + std::to_string(availableCores()) +
                     " cores; the results are the same for any number)");
}

int64_t ThreadOptions::count() const {
  if (!threads)
    return availableCores();
  if (*threads < 1)
    throw UserError("--threads must be at least 1");
  return *threads;
}

std::vector<double> simulateBatch(const Simulator &sim, const std::vector<double> &params,
                                  const std::vector<double> &x0, int64_t batch, int64_t steps,
                                  double h, int64_t threads, NewtonSummary *newton,
                                  const Drive &drive) {
  constexpr int64_t kPiece = 32;
  const std::vector<std::pair<int64_t, int64_t>> pieces = batchPieces(batch, kPiece);
  const int64_t k = std::min<int64_t>(threads, int64_t(pieces.size()));
  const int64_t D = sim.stateDim();
  std::vector<double> out(size_t(batch * (steps + 1) * D));
  std::vector<NewtonSummary> stats(static_cast<size_t>(k));
  ThreadTeam team(k);
  team.run([&](int64_t i) {
    const auto [first, last] = shareOf(int64_t(pieces.size()), k, i);
    const int64_t begin = pieces[size_t(first)].first, end = pieces[size_t(last - 1)].second;
    std::vector<double> slice(x0.begin() + begin * D, x0.begin() + end * D);
    std::vector<double> traj =
        sim.simulate(params, slice, end - begin, steps, h, stats[size_t(i)], drive);
    std::copy(traj.begin(), traj.end(), out.begin() + begin * (steps + 1) * D);
  });
  if (newton) {
    *newton = {};
    for (const NewtonSummary &s : stats) {
      newton->solves += s.solves;
      newton->iterations += s.iterations;
      newton->maxIterations = std::max(newton->maxIterations, s.maxIterations);
      newton->maxResidual = std::max(newton->maxResidual, s.maxResidual);
    }
  }
  return out;
}

void requirePositive(double value, const char *option) {
  if (!(value > 0) || !std::isfinite(value))
    throw UserError(std::string(option) + " must be a positive finite number");
}

void checkSteps(double step, int64_t steps) {
  requireStep(step, "--step");
  if (steps < 0 || steps > 100'000'000)
    throw UserError("--steps must be between 0 and 100000000");
}

std::vector<double> parseNumberList(const std::string &text, const std::string &what) {
  std::vector<double> out;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string field = text.substr(start, comma == std::string::npos ? std::string::npos
                                                                      : comma - start);
    size_t b = field.find_first_not_of(" \t"), e = field.find_last_not_of(" \t");
    field = b == std::string::npos ? "" : field.substr(b, e - b + 1);
    double v = 0;
    auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
    if (field.empty() || ec != std::errc() || ptr != field.data() + field.size())
      throw UserError(what + ": expected a comma-separated list of numbers, got '" + field + "'");
    if (!std::isfinite(v))
      throw UserError(what + ": value '" + field + "' is not finite");
    out.push_back(v);
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return out;
}

void CppExportFlags::add(CLI::App &cmd, const char *floatHelp) {
  cmd.add_option("--tableau", tableau, "Runge–Kutta tableau (explicit)")->required();
  cmd.add_option("--params", params, "parameter JSON baked in as the defaults");
  cmd.add_option("--float", precision, floatHelp)->check(CLI::IsMember({"double", "float"}));
}

CppExportOptions CppExportFlags::options(const Model &m, const std::string &sourceFile) const {
  CppExportOptions o;
  if (!params.empty())
    o.params = m.loadParams(params);
  o.singlePrecision = precision == "float";
  o.sourceFile = sourceFile;
  return o;
}

void writeOutput(const std::string &path, const std::string &text) {
  if (path.empty())
    std::cout << text << std::flush;
  else
    writeFileAtomic(path, text);
}

void DriveOptions::add(CLI::App &cmd) {
  cmd.add_option("--t0", t0, "start time of a model that reads t or inputs (default 0)");
  cmd.add_option("--inputs", inputs,
                 "CSV of the model's input samples: a t column and the input columns (u[1], ...)");
}

Drive DriveOptions::load(const Model &m, bool absoluteTimes) const {
  if (!std::isfinite(t0))
    throw UserError("--t0 must be a finite number");
  if (m.autonomous()) {
    if (!inputs.empty())
      throw UserError("model " + m.name() + " has no inputs; --inputs does not apply");
    if (!absoluteTimes && t0 != 0)
      throw UserError("model " + m.name() + " reads neither t nor inputs; --t0 does not apply" +
                      std::string(absoluteTimes ? "" : " (except with --times)"));
    return !absoluteTimes ? Drive{} : Drive{{t0}, {}};
  }
  Drive drive;
  drive.t0 = {t0};
  if (m.inputs().empty()) {
    if (!inputs.empty())
      throw UserError("model " + m.name() + " has no inputs; --inputs does not apply");
    return drive;
  }
  std::vector<std::string> want = {"t"};
  for (const std::string &c : m.inputColumns())
    want.push_back(c);
  if (inputs.empty())
    throw UserError("model " + m.name() + " has inputs: give their samples with --inputs "
                    "FILE.csv (columns " + fmt::format("{}", fmt::join(want, ",")) + ")");
  const CsvTable table = loadCsv(inputs);
  std::vector<size_t> at;
  for (const std::string &c : want) {
    auto it = std::find(table.columns.begin(), table.columns.end(), c);
    if (it == table.columns.end())
      throw UserError(inputs + ":" + std::to_string(table.headerLine) +
                      ":1: error: no column '" + c + "' (the inputs of model " + m.name() +
                      " need " + fmt::format("{}", fmt::join(want, ",")) + ")");
    at.push_back(size_t(it - table.columns.begin()));
  }
  InputSamples samples;
  for (size_t r = 0; r < table.rows(); ++r) {
    samples.times.push_back(table.at(r, at[0]));
    for (size_t k = 1; k < at.size(); ++k)
      samples.values.push_back(table.at(r, at[k]));
  }
  drive.inputs = {std::move(samples)};
  return drive;
}

} // namespace odec::cli
