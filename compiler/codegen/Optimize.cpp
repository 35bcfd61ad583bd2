#include "codegen/Optimize.h"

#include "support/InternalError.h"

#include <llvm/Passes/PassBuilder.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>

#include <algorithm>

namespace odec::codegen {

// Why these passes: generated code keeps every tensor in an alloca and every node is a loop
// over its elements, already vectorized across the batch (<W x double> lanes), with loops of
// at most kStraightLineIterations emitted straight-line and loops below kUnrollableIterations
// marked not to unroll (codegen/Loops.h). So no vectorizer, inliner or interprocedural pass
// has work to do, and full unrolling is not wanted: on the spiral adjoint, `opt -time-passes`
// shows -O2's time going mostly to full unrolling, induction-variable simplification and
// instcombine over the unrolled result, which also leaves twice the machine code to select
// instructions for. What remains: SROA and early CSE turn the straight-line element accesses
// into SSA values; LICM promotes loop-carried accumulators (a product's running sum) to
// registers; instcombine folds the index arithmetic; partial unrolling of the long loops
// (reductions over a wide hidden layer, trip count ≥ kUnrollableIterations) is what -O2 buys
// on large models; GVN and DSE remove repeated loads and dead stores of the tensors (~4 % of
// W1's adjoint). Measured against -O2 (docs/performance.md): run time within ±5 % on W1–W3,
// about 3× less JIT time on the spiral example.
const char *const kGeneratedCodePipeline =
    "function(sroa,early-cse,simplifycfg,loop-mssa(licm),odec-instcombine,"
    "loop-unroll<O2;full-unroll-max=4>,gvn,dse,simplifycfg)";

// One lane (a batch of one trajectory): nothing is vectorized across the batch, so the loops
// over a tensor's elements (a 16-wide tanh, the rows of a matrix-vector product) are what can
// fill the SIMD units. Same passes, plus the loop and SLP vectorizers once GVN has forwarded
// the accumulators' stores, before partial unrolling (which would hide the loops' structure);
// then SROA again, on the tensors whose loops unrolling made straight-line.
const char *const kElementVectorizingPipeline =
    "function(sroa,early-cse,simplifycfg,loop-mssa(licm),odec-instcombine,gvn,"
    "loop-vectorize,slp-vectorizer,odec-instcombine,"
    "loop-unroll<O2;full-unroll-max=4>,sroa,gvn,dse,simplifycfg)";

namespace {

/// instcombine with at most this many rounds over a function. LLVM 14's default is 1 000, and
/// reaching it is a fatal error ("Instruction Combining seems stuck in an infinite loop"),
/// which aborts the process: on a field of 1 000 bindings that each read the state, the
/// adjoint's rolled stages took more rounds than that (`odec train` or `grad` on such a model
/// crashed after two minutes). Each round leaves correct code, so stopping early is safe; LLVM
/// itself later went down to one round. The benchmark models' code settles in fewer (their
/// optimized IR is the same with this bound as with LLVM's default).
constexpr unsigned kInstCombineRounds = 8;

/// `odec-instcombine` in a pipeline text: instcombine with kInstCombineRounds (LLVM 14's
/// pipeline parser takes no parameter for it).
void registerBoundedInstCombine(llvm::PassBuilder &pb) {
  pb.registerPipelineParsingCallback(
      [](llvm::StringRef name, llvm::FunctionPassManager &fpm,
         llvm::ArrayRef<llvm::PassBuilder::PipelineElement>) {
        if (name != "odec-instcombine")
          return false;
        fpm.addPass(llvm::InstCombinePass(kInstCombineRounds));
        return true;
      });
}

/// Adds llvm.loop.vectorize.enable to every loop that has a loop ID (the element loops
/// emitLoop marks, codegen/Loops.h) and drops their llvm.loop.unroll.disable: vectorized, a
/// 16-element loop has two iterations, and unrolled, SROA keeps the tensors it writes in
/// registers; rolled, every node's value went through memory, a store-to-load forwarding on
/// the one trajectory's critical path at each node (W3 RK4 forward + adjoint 1.3x faster
/// unrolled, docs/performance.md section 10). Why forced: the JIT's host CPU may be one LLVM
/// 14 does not know (this project's machine, an AMD family 1Ah, is "generic"), and with the
/// generic tuning the loop vectorizer's cost model keeps even a 16-wide tanh loop scalar;
/// forced, it still picks the cheapest vector width. The hint also lets it reorder
/// floating-point reductions (a matrix-vector product's row sums become vector partial sums),
/// so one-lane results differ from wider code's in the last bits (docs/performance.md).
void prepareElementLoops(llvm::Module &m) {
  llvm::LLVMContext &ctx = m.getContext();
  llvm::Metadata *enable[] = {
      llvm::MDString::get(ctx, "llvm.loop.vectorize.enable"),
      llvm::ConstantAsMetadata::get(llvm::ConstantInt::getTrue(ctx))};
  llvm::MDNode *hint = llvm::MDNode::get(ctx, enable);
  for (llvm::Function &f : m)
    for (llvm::BasicBlock &bb : f) {
      llvm::Instruction *latch = bb.getTerminator();
      llvm::MDNode *id = latch ? latch->getMetadata(llvm::LLVMContext::MD_loop) : nullptr;
      if (!id)
        continue;
      llvm::SmallVector<llvm::Metadata *, 4> ops{nullptr};
      for (unsigned i = 1; i < id->getNumOperands(); ++i) {
        auto *md = llvm::dyn_cast<llvm::MDNode>(id->getOperand(i));
        auto *name = md && md->getNumOperands()
                         ? llvm::dyn_cast<llvm::MDString>(md->getOperand(0))
                         : nullptr;
        if (!name || name->getString() != "llvm.loop.unroll.disable")
          ops.push_back(id->getOperand(i));
      }
      ops.push_back(hint);
      llvm::MDNode *newId = llvm::MDNode::getDistinct(ctx, ops);
      newId->replaceOperandWith(0, newId);
      latch->setMetadata(llvm::LLVMContext::MD_loop, newId);
    }
}

/// Blocks longer than this many instructions are cut into pieces of kPromotionPiece before
/// the pipeline runs; SimplifyCFG merges them again after SROA.
constexpr size_t kMaxPromotedBlock = 6000;
constexpr size_t kPromotionPiece = 2000;

/// SROA's promotion to registers costs, per alloca, a walk of the block that uses it
/// (PromoteMemToReg numbers a block's loads and stores to order them). An adaptive solver
/// keeps its stages straight-line, so a huge field is one block with tens of thousands of
/// instructions and one alloca per node and stage: quadratic (DormandPrince5 on a 2 000-binding
/// chain: 146 s against 12 s at 1 000). Cut into pieces, each alloca's walk is its piece's.
void cutBlocksForPromotion(llvm::Module &m) {
  for (llvm::Function &f : m) {
    std::vector<llvm::BasicBlock *> longBlocks;
    for (llvm::BasicBlock &bb : f)
      if (bb.size() > kMaxPromotedBlock)
        longBlocks.push_back(&bb);
    for (llvm::BasicBlock *bb : longBlocks) {
      std::vector<llvm::BasicBlock::iterator> cuts;
      size_t since = 0;
      for (auto it = bb->getFirstNonPHI()->getIterator(); !it->isTerminator(); ++it)
        if (++since > kPromotionPiece) {
          cuts.push_back(it);
          since = 1;
        }
      for (auto cut = cuts.rbegin(); cut != cuts.rend(); ++cut) // from the back: linear
        bb->splitBasicBlock(*cut, bb->getName() + ".sroa");
    }
  }
}

} // namespace

size_t longestBlock(const llvm::Module &m) {
  size_t longest = 0;
  for (const llvm::Function &f : m)
    for (const llvm::BasicBlock &bb : f)
      longest = std::max(longest, bb.size());
  return longest;
}

void optimizeModule(llvm::Module &m, llvm::TargetMachine &tm, int level, int vectorWidth) {
  for (llvm::Function &f : m)
    if (!f.isDeclaration()) {
      f.addFnAttr("target-cpu", tm.getTargetCPU());
      f.addFnAttr("target-features", tm.getTargetFeatureString());
    }
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&tm);
  registerBoundedInstCombine(pb);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm;
  if (vectorWidth == 1 && (level == 1 || level == 2))
    prepareElementLoops(m);
  const size_t longest = longestBlock(m);
  if (level > 0)
    cutBlocksForPromotion(m);
  if (level <= 0) {
    mpm = pb.buildO0DefaultPipeline(llvm::OptimizationLevel::O0);
  } else if (level >= 3) {
    mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  } else if (llvm::Error e = pb.parsePassPipeline(
                 mpm, vectorWidth == 1 && longest <= kMaxVectorizedBlock
                          ? kElementVectorizingPipeline
                          : kGeneratedCodePipeline)) {
    throw InternalError("the generated-code pass pipeline does not parse: " +
                        llvm::toString(std::move(e)));
  }
  mpm.run(m, mam);
}

} // namespace odec::codegen
