// odec targets [--json]: the CPUs odec can compile for on this machine (--cpu, ODEC_CPU): the
// host, the x86-64 levels with what each needs that this machine lacks, and where the
// compiled-code cache lives.
#include "Commands.h"

#include "odec/odec.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <iostream>

namespace odec::cli {

namespace {

const char *const kLevels[] = {"x86-64", "x86-64-v2", "x86-64-v3", "x86-64-v4"};

std::string joined(const std::vector<std::string> &items) {
  std::string s;
  for (const std::string &i : items)
    s += (s.empty() ? "" : ", ") + i;
  return s;
}

nlohmann::ordered_json toJson(const TargetInfo &t) {
  return {{"cpu", t.cpu},
          {"vector_bytes", t.vectorBytes},
          {"vector_registers", t.vectorRegisters},
          {"runs_here", t.missingHere.empty()},
          {"missing_here", t.missingHere}};
}

int run(bool json) {
  const TargetInfo host = describeTarget("host");
  const char *env = std::getenv("ODEC_CPU");
  const std::string cache = compiledCodeCacheDirectory();
  if (json) {
    nlohmann::ordered_json levels = nlohmann::ordered_json::array();
    for (const char *level : kLevels)
      levels.push_back(toJson(describeTarget(level)));
    std::cout << nlohmann::ordered_json{{"host", toJson(host)},
                                        {"odec_cpu", env ? env : ""},
                                        {"levels", levels},
                                        {"cache_directory", cache}}
                     .dump(2)
              << "\n";
    return kOk;
  }
  std::cout << "host: " << host.cpu << " (" << host.vectorRegisters << " vector registers of "
            << host.vectorBytes << " bytes)\n";
  std::cout << "ODEC_CPU: " << (env && *env ? env : "(not set: code is for the host)") << "\n";
  for (const char *level : kLevels) {
    const TargetInfo t = describeTarget(level);
    std::cout << "  " << level << std::string(12 - std::string(level).size(), ' ')
              << t.vectorRegisters << " vector registers of " << t.vectorBytes << " bytes; "
              << (t.missingHere.empty() ? "runs here" : "this machine lacks " + joined(t.missingHere))
              << "\n";
  }
  std::cout << "compiled-code cache: " << (cache.empty() ? "(none: no HOME)" : cache) << "\n";
  return kOk;
}

} // namespace

void addTargetsCommand(CLI::App &app, int &status) {
  auto *cmd = app.add_subcommand(
      "targets", "List the CPUs odec compiles for here (--cpu): the host and the x86-64 levels");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "print {host, odec_cpu, levels, cache_directory} as JSON");
  cmd->callback([json, &status] { status = run(*json); });
}

} // namespace odec::cli
