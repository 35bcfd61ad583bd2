#include "jit/Target.h"
#include "jit/NativeTarget.h"
#include "jit/TargetMachine.h"

#include <llvm/ADT/StringMap.h>
#include <llvm/ADT/Triple.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/Host.h>
#include <llvm/Support/TargetSelect.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace odec::jit {

namespace {

const char *const kLevels[] = {"x86-64-v2", "x86-64-v3", "x86-64-v4"};

/// Every target LLVM was built with, registered once: only a foreign triple needs them (the
/// native one is registered by initializeNativeTarget, which start-up latency depends on).
void initializeAllTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
  });
}

std::string levelList() {
  std::string s = "x86-64";
  for (const char *level : kLevels)
    s += std::string(", ") + level;
  return s;
}

codegen::MachineModel machineModel(const llvm::Triple &triple, const llvm::MCSubtargetInfo &sti) {
  if (triple.isX86()) {
    if (sti.checkFeatures("+avx512f"))
      return {64, 32};
    if (sti.checkFeatures("+avx"))
      return {32, 16};
    return {16, 16};
  }
  if (triple.isAArch64())
    return {16, 32};
  return {16, 16};
}

Target resolve(const std::string &cpuName, const std::string &tripleName) {
  initializeNativeTarget();
  const std::string processTriple = llvm::sys::getProcessTriple();
  Target t;
  t.triple = tripleName.empty() ? processTriple : llvm::Triple::normalize(tripleName);
  const llvm::Triple triple(t.triple);
  const bool native = triple.getArch() == llvm::Triple(processTriple).getArch();
  if (!native)
    initializeAllTargets();
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(t.triple, error);
  if (!target)
    throw std::invalid_argument("unknown target triple '" + tripleName + "': " + error);

  llvm::StringMap<bool> hostFeatures;
  if (native)
    llvm::sys::getHostCPUFeatures(hostFeatures);
  const bool host = cpuName == "host" || cpuName == "native";
  if (host && !native)
    throw std::invalid_argument("CPU '" + cpuName + "' means this machine, whose architecture is not '" +
                                t.triple + "'; name a CPU of that architecture");
  if (host) {
    t.host = true;
    t.cpu = llvm::sys::getHostCPUName().str();
    std::vector<std::string> flags;
    for (const auto &f : hostFeatures)
      flags.push_back(std::string(f.second ? "+" : "-").append(f.first().str()));
    std::sort(flags.begin(), flags.end()); // a stable string: it is part of cache keys
    for (const std::string &f : flags)
      t.features += (t.features.empty() ? "" : ",") + f;
  } else {
    t.cpu = cpuName;
  }
  // The CPU is checked against the target's table before a subtarget is made for it, which
  // would print LLVM's own warning for an unknown name.
  std::unique_ptr<llvm::MCSubtargetInfo> generic(target->createMCSubtargetInfo(t.triple, "", ""));
  if (!host && !generic->isCPUStringValid(t.cpu))
    throw std::invalid_argument(
        "unknown CPU '" + cpuName + "' for " + t.triple + "; use an LLVM CPU name (e.g. znver3, " +
        "skylake-avx512) or an x86-64 level (" + levelList() + "), or 'host'");
  std::unique_ptr<llvm::MCSubtargetInfo> sti(
      target->createMCSubtargetInfo(t.triple, t.cpu, t.features));
  t.machine = machineModel(triple, *sti);
  if (!native)
    t.missingHere.push_back("the " + triple.getArchName().str() + " architecture");
  else if (!host)
    for (const auto &f : hostFeatures)
      if (!f.second && sti->checkFeatures(std::string("+").append(f.first().str())))
        t.missingHere.push_back(f.first().str());
  std::sort(t.missingHere.begin(), t.missingHere.end());
  return t;
}

} // namespace

std::string Target::describe() const {
  return cpu + " (" + std::to_string(machine.vectorRegisters) + " vector registers of " +
         std::to_string(machine.vectorBytes) + " bytes)";
}

const Target &resolveTarget(const std::string &cpu, const std::string &triple) {
  std::string name = cpu;
  if (name.empty()) {
    const char *env = std::getenv("ODEC_CPU");
    name = env && *env ? env : "host";
  }
  static std::mutex mutex;
  static std::map<std::pair<std::string, std::string>, std::unique_ptr<Target>> resolved;
  std::lock_guard<std::mutex> lock(mutex);
  std::unique_ptr<Target> &t = resolved[{name, triple}];
  if (!t)
    t = std::make_unique<Target>(resolve(name, triple));
  return *t;
}

void requireRunsHere(const Target &target) {
  if (target.runsHere())
    return;
  std::string missing;
  for (const std::string &f : target.missingHere)
    missing += (missing.empty() ? "" : ", ") + f;
  throw std::invalid_argument("CPU '" + target.cpu + "' needs " + missing +
                              ", which this machine lacks; code for it can be written (emit-llvm, "
                              "build -o X.o) but not run here");
}

std::vector<std::string> runnableLevels() {
  std::vector<std::string> levels;
  if (!llvm::Triple(llvm::sys::getProcessTriple()).isX86())
    return levels;
  for (const char *level : kLevels)
    if (resolveTarget(level).runsHere())
      levels.push_back(level);
  return levels;
}

llvm::orc::JITTargetMachineBuilder targetMachineBuilder(const Target &target, int optLevel) {
  llvm::orc::JITTargetMachineBuilder jtmb{llvm::Triple(target.triple)};
  jtmb.setCPU(target.cpu);
  if (!target.features.empty()) {
    llvm::SmallVector<llvm::StringRef, 64> features;
    llvm::StringRef(target.features).split(features, ',');
    jtmb.addFeatures(std::vector<std::string>(features.begin(), features.end()));
  }
  jtmb.setCodeGenOptLevel(optLevel <= 0   ? llvm::CodeGenOpt::None
                          : optLevel == 1 ? llvm::CodeGenOpt::Less
                          : optLevel == 2 ? llvm::CodeGenOpt::Default
                                          : llvm::CodeGenOpt::Aggressive);
  return jtmb;
}

} // namespace odec::jit
