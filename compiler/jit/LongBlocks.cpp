#include "jit/LongBlocks.h"

#include "codegen/Optimize.h"
#include "support/InternalError.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/CommandLine.h>
#include <llvm/Transforms/Utils/CodeExtractor.h>

#include <algorithm>
#include <iterator>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
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

using BlockSet = std::unordered_set<const llvm::BasicBlock *>;

/// The blocks of `f` longer than kMaxScheduledBlock that are not in `made` (the blocks a cut
/// made already), each cut into its head (its PHIs and leading allocas), pieces of at most
/// kLongBlockPiece instructions that read at most kMaxPieceReads values computed outside them,
/// and its terminator alone; the blocks made are added to `made`.
/// The cuts are made from the back, so each split moves one piece, not the rest of the block:
/// linear in the block's length. splitBasicBlock keeps the head's name and PHIs, and points
/// the successors' PHIs at the block that ends with the terminator. Returns the new pieces.
std::vector<llvm::BasicBlock *> cutLongBlocks(llvm::Function &f, BlockSet &made) {
  std::vector<llvm::BasicBlock *> longBlocks;
  for (llvm::BasicBlock &bb : f)
    if (bb.size() > kMaxScheduledBlock && !made.count(&bb))
      longBlocks.push_back(&bb);
  std::vector<llvm::BasicBlock *> cut;
  for (llvm::BasicBlock *bb : longBlocks) {
    auto it = bb->begin();
    while (llvm::isa<llvm::PHINode>(*it) || llvm::isa<llvm::AllocaInst>(*it))
      ++it;
    std::vector<llvm::BasicBlock::iterator> cuts{it};
    std::unordered_set<const llvm::Value *> inPiece, reads; // reads: from outside the piece
    auto readFromOutside = [&](const llvm::Value *v) {
      return llvm::isa<llvm::Instruction>(v) && !llvm::isa<llvm::AllocaInst>(v) && !inPiece.count(v);
    };
    for (; !it->isTerminator(); ++it) {
      size_t newReads = 0;
      for (const llvm::Value *v : it->operand_values())
        newReads += readFromOutside(v) && !reads.count(v);
      if (!inPiece.empty() &&
          (inPiece.size() >= kLongBlockPiece || reads.size() + newReads > kMaxPieceReads)) {
        cuts.push_back(it);
        inPiece.clear();
        reads.clear();
      }
      for (const llvm::Value *v : it->operand_values())
        if (readFromOutside(v))
          reads.insert(v);
      inPiece.insert(&*it);
    }
    if (cuts.back() != it)
      cuts.push_back(it);
    for (size_t i = cuts.size(); i-- > 0;) {
      llvm::BasicBlock *rest = bb->splitBasicBlock(cuts[i], bb->getName() + ".piece");
      made.insert(rest);
      if (i + 1 < cuts.size())
        cut.push_back(rest);
    }
    made.insert(bb);
  }
  return cut;
}

/// Where a use of a value is read: a PHI reads it at the end of the incoming block.
llvm::BasicBlock *useBlock(const llvm::Use &use) {
  auto *user = llvm::cast<llvm::Instruction>(use.getUser());
  if (auto *phi = llvm::dyn_cast<llvm::PHINode>(user))
    return phi->getIncomingBlock(use);
  return user->getParent();
}

/// Every value that crosses the border of one of `pieces` goes through memory: a slot of a
/// workspace in `f`'s frame, stored once where the value is computed and loaded where it is
/// read: in a piece once, at its start; elsewhere before each reader (so that a block which
/// reads many such values grows by a load per reader, and a later cut between a load and its
/// reader is rare); for a PHI at the end of the incoming block. The definition dominates each
/// place of a load. Afterwards a piece reads nothing from outside but `f`'s arguments, its
/// allocas and the workspace, so it can be outlined without passing thousands of values.
/// (Loads spread over a piece, next to their first reader, sit between the piece's stores to
/// the workspace, and LLVM's DAG combiner then spent most of a compile looking for stores to
/// merge and loads to forward.)
void demoteValuesCrossingPieces(llvm::Function &f, const BlockSet &pieces) {
  auto crosses = [&](const llvm::Instruction &def, const llvm::Use &use) {
    const llvm::BasicBlock *from = def.getParent(), *to = useBlock(use);
    return from != to && (pieces.count(from) || pieces.count(to));
  };
  const llvm::DataLayout &layout = f.getParent()->getDataLayout();
  std::unordered_map<const llvm::Instruction *, uint64_t> offsets; // of the values demoted
  std::vector<llvm::Instruction *> demoted;
  uint64_t bytes = 0;
  for (llvm::BasicBlock &bb : f)
    for (llvm::Instruction &def : bb) {
      if (llvm::isa<llvm::AllocaInst>(def))
        continue; // an address in f's frame: passed to a piece as it is
      if (std::none_of(def.use_begin(), def.use_end(),
                       [&](const llvm::Use &use) { return crosses(def, use); }))
        continue;
      const uint64_t align = layout.getPrefTypeAlign(def.getType()).value();
      bytes = (bytes + align - 1) / align * align;
      offsets[&def] = bytes;
      demoted.push_back(&def);
      bytes += layout.getTypeAllocSize(def.getType());
    }
  if (demoted.empty())
    return;
  llvm::IRBuilder<> entry(&*f.getEntryBlock().begin());
  auto *workspace = entry.CreateAlloca(llvm::ArrayType::get(entry.getInt8Ty(), bytes), nullptr,
                                       "pieces.workspace");
  workspace->setAlignment(llvm::Align(64));
  auto slot = [&](llvm::IRBuilder<> &at, const llvm::Instruction *def) {
    return at.CreateBitCast(at.CreateConstInBoundsGEP2_64(workspace->getAllocatedType(), workspace, 0,
                                                          offsets.at(def)),
                            def->getType()->getPointerTo());
  };
  auto load = [&](llvm::IRBuilder<> &at, llvm::Instruction *def) {
    return at.CreateAlignedLoad(def->getType(), slot(at, def), layout.getPrefTypeAlign(def->getType()),
                                def->getName() + ".reload");
  };
  // Readers outside pieces first, while every crossing use still reads its definition.
  for (llvm::Instruction *def : demoted) {
    llvm::BasicBlock *home = def->getParent();
    std::vector<llvm::Use *> outside;
    for (llvm::Use &use : def->uses())
      if (crosses(*def, use) && !pieces.count(useBlock(use)))
        outside.push_back(&use);
    std::unordered_map<const llvm::BasicBlock *, llvm::Value *> atBlockEnd;
    for (llvm::Use *use : outside) {
      llvm::IRBuilder<> at(llvm::cast<llvm::Instruction>(use->getUser()));
      llvm::Value *reused = nullptr, **cached = &reused;
      if (llvm::isa<llvm::PHINode>(use->getUser())) {
        llvm::BasicBlock *in = useBlock(*use);
        cached = &atBlockEnd[in];
        at.SetInsertPoint(in->getTerminator());
      }
      if (!*cached)
        *cached = load(at, def);
      use->set(*cached);
    }
    llvm::IRBuilder<> store(home, llvm::isa<llvm::PHINode>(def) ? home->getFirstInsertionPt()
                                                                : std::next(def->getIterator()));
    store.CreateAlignedStore(def, slot(store, def), layout.getPrefTypeAlign(def->getType()));
  }
  for (llvm::BasicBlock &piece : f) {
    if (!pieces.count(&piece))
      continue;
    std::unordered_map<const llvm::Instruction *, llvm::Value *> loaded;
    for (llvm::Instruction &reader : piece)
      for (llvm::Use &use : reader.operands()) {
        auto *def = llvm::dyn_cast<llvm::Instruction>(use.get());
        if (!def || def->getParent() == &piece || !offsets.count(def))
          continue;
        llvm::Value *&value = loaded[def];
        if (!value) {
          llvm::IRBuilder<> at(&piece, piece.getFirstInsertionPt());
          value = load(at, def);
        }
        use.set(value);
      }
  }
}

/// Each value `piece` reads from outside (f's arguments and allocas, once values crossing pieces
/// are demoted) is read through a copy made at the piece's start, a no-op cast. Extracting a
/// piece walks every use of each value it reads, and a workspace or an argument read by every
/// piece would have tens of thousands of them: through the copies, it has one per piece.
void copyInputsAtStart(llvm::BasicBlock &piece) {
  std::unordered_map<llvm::Value *, llvm::Value *> copies;
  const auto start = piece.getFirstInsertionPt();
  for (llvm::Instruction &i : llvm::make_range(start, piece.end()))
    for (llvm::Use &operand : i.operands()) {
      llvm::Value *v = operand.get();
      auto *def = llvm::dyn_cast<llvm::Instruction>(v);
      if (!(llvm::isa<llvm::Argument>(v) || (def && def->getParent() != &piece)) ||
          !v->getType()->isSingleValueType())
        continue;
      llvm::Value *&copy = copies[v];
      if (!copy)
        copy = new llvm::BitCastInst(v, v->getType(), v->getName() + ".in", &*start);
      operand.set(copy);
    }
}

/// Each PHI whose incoming values are all one value V is replaced by V. V reaches the end of
/// every predecessor, so it dominates the PHI's block (V inside that block would not reach
/// its entry edges, and such PHIs are left alone).
void foldPhisOfOneValue(llvm::Function &f) {
  for (llvm::BasicBlock &bb : f)
    for (auto it = bb.begin(); auto *phi = llvm::dyn_cast<llvm::PHINode>(&*it);) {
      ++it;
      llvm::Value *v = phi->getIncomingValue(0);
      auto *def = llvm::dyn_cast<llvm::Instruction>(v);
      if ((def && def->getParent() == &bb) ||
          !llvm::all_of(phi->incoming_values(), [&](const llvm::Use &in) { return in.get() == v; }))
        continue;
      phi->replaceAllUsesWith(v);
      phi->eraseFromParent();
    }
}

/// The long blocks of `f` cut into pieces, and each piece made a function of its own, called
/// where the piece was: code generation then works on pieces of bounded size, whatever the
/// size of the model. Demoting values to memory lengthens the blocks that read them (a block
/// that frees a buffer per binding reads thousands of them), so blocks grown too long are cut
/// in turn; a block is cut once, so this ends. The PHIs of one incoming value (LCSSA's, after
/// a loop that computes thousands of values) are folded first: each would otherwise add a
/// store to the head of a cut block.
void outlineLongBlocks(llvm::Function &f) {
  if (std::none_of(f.begin(), f.end(), [](const llvm::BasicBlock &bb) { return bb.size() > kMaxScheduledBlock; }))
    return;
  foldPhisOfOneValue(f);
  BlockSet made, pieces;
  std::vector<llvm::BasicBlock *> order;
  for (std::vector<llvm::BasicBlock *> cut; !(cut = cutLongBlocks(f, made)).empty();) {
    pieces.insert(cut.begin(), cut.end());
    order.insert(order.end(), cut.begin(), cut.end());
    demoteValuesCrossingPieces(f, pieces);
  }
  for (llvm::BasicBlock *piece : order)
    copyInputsAtStart(*piece);
  llvm::CodeExtractorAnalysisCache cache(f);
  for (llvm::BasicBlock *piece : order) {
    llvm::CodeExtractor extractor({piece}, nullptr, false, nullptr, nullptr, nullptr, false,
                                  false, "piece");
    if (!extractor.isEligible())
      continue; // it stays where it is (an alloca inside it, say): only slower to compile
    if (llvm::Function *outlined = extractor.extractCodeRegion(cache))
      outlined->addFnAttr(llvm::Attribute::NoInline);
  }
}

} // namespace

LongBlockCodegen::LongBlockCodegen(llvm::Module &m)
    : off_(codegen::longestBlock(m) > kMaxScheduledBlock) {
  if (!off_)
    return;
  // The functions outlined are added to m: only those there before are walked.
  std::vector<llvm::Function *> functions;
  for (llvm::Function &f : m)
    if (!f.isDeclaration())
      functions.push_back(&f);
  for (llvm::Function *f : functions)
    outlineLongBlocks(*f);
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
