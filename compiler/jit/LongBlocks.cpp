#include "jit/LongBlocks.h"

#include "codegen/Optimize.h"
#include "support/InternalError.h"

#include <llvm/IR/Module.h>
#include <llvm/Support/CommandLine.h>

#include <iterator>
#include <mutex>
#include <string>
#include <vector>

namespace odec::jit {

namespace {

std::mutex switchMutex;
int modulesWithLongBlocks = 0; // guarded by switchMutex

/// The options LongBlockCodegen sets, with the value that turns each pass off.
struct Switch {
  const char *name;
  const char *value;
};
constexpr Switch kSwitches[] = {{"enable-misched", "false"},
                                {"disable-copyprop", "true"},
                                {"disable-machine-licm", "true"},
                                {"disable-cgp-branch-opts", "true"}};

llvm::cl::Option &option(const char *name) {
  llvm::StringMap<llvm::cl::Option *> &options = llvm::cl::getRegisteredOptions();
  auto it = options.find(name);
  if (it == options.end())
    throw InternalError(std::string("LLVM has no -") + name + " option");
  return *it->second;
}

/// Cuts every block of `m` longer than kMaxScheduledBlock into pieces of kLongBlockPiece
/// instructions. The cuts are made from the back, so each split moves one piece, not the
/// rest of the block: linear in the block's length. splitBasicBlock keeps the first piece's
/// name and its PHIs, and points the successors' PHIs at the piece that ends the block.
void cutLongBlocks(llvm::Module &m) {
  for (llvm::Function &f : m) {
    std::vector<llvm::BasicBlock *> longBlocks;
    for (llvm::BasicBlock &bb : f)
      if (bb.size() > kMaxScheduledBlock)
        longBlocks.push_back(&bb);
    for (llvm::BasicBlock *bb : longBlocks) {
      std::vector<llvm::BasicBlock::iterator> cuts;
      size_t since = 0;
      for (auto it = bb->getFirstNonPHI()->getIterator(); !it->isTerminator(); ++it)
        if (++since > kLongBlockPiece) {
          cuts.push_back(it);
          since = 1;
        }
      for (auto cut = cuts.rbegin(); cut != cuts.rend(); ++cut)
        bb->splitBasicBlock(*cut, bb->getName() + ".piece");
    }
  }
}

} // namespace

LongBlockCodegen::LongBlockCodegen(llvm::Module &m)
    : off_(codegen::longestBlock(m) > kMaxScheduledBlock) {
  if (!off_)
    return;
  cutLongBlocks(m);
  std::lock_guard<std::mutex> lock(switchMutex);
  // MachineScheduler obeys its option only when it "occurred" (otherwise the subtarget
  // decides), so each is given as if on a command line, and reset to unset afterwards.
  if (modulesWithLongBlocks++ == 0)
    for (const Switch &s : kSwitches)
      option(s.name).addOccurrence(0, s.name, s.value);
}

LongBlockCodegen::~LongBlockCodegen() {
  if (!off_)
    return;
  std::lock_guard<std::mutex> lock(switchMutex);
  if (--modulesWithLongBlocks == 0)
    for (const Switch &s : kSwitches)
      option(s.name).reset();
}

} // namespace odec::jit
