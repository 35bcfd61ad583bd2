#include "jit/LongBlocks.h"

#include "codegen/Optimize.h"
#include "support/InternalError.h"

#include <llvm/IR/Module.h>
#include <llvm/Support/CommandLine.h>

#include <mutex>

namespace odec::jit {

namespace {

std::mutex switchMutex;
int modulesWithoutScheduler = 0; // guarded by switchMutex

llvm::cl::Option &enableMisched() {
  llvm::StringMap<llvm::cl::Option *> &options = llvm::cl::getRegisteredOptions();
  auto it = options.find("enable-misched");
  internalCheck(it != options.end(), "LLVM has no -enable-misched option");
  return *it->second;
}

} // namespace

LongBlockScheduling::LongBlockScheduling(const llvm::Module &m)
    : off_(codegen::longestBlock(m) > kMaxScheduledBlock) {
  if (!off_)
    return;
  std::lock_guard<std::mutex> lock(switchMutex);
  // MachineScheduler obeys the option only when it "occurred" (otherwise the subtarget
  // decides), so it is given as if on a command line, and reset to unset afterwards.
  if (modulesWithoutScheduler++ == 0)
    enableMisched().addOccurrence(0, "enable-misched", "false");
}

LongBlockScheduling::~LongBlockScheduling() {
  if (!off_)
    return;
  std::lock_guard<std::mutex> lock(switchMutex);
  if (--modulesWithoutScheduler == 0)
    enableMisched().reset();
}

} // namespace odec::jit
