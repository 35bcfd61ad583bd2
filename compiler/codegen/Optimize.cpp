#include "codegen/Optimize.h"

#include "syntax/Diagnostics.h"

#include <llvm/Passes/PassBuilder.h>

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
    "function(sroa,early-cse,simplifycfg,loop-mssa(licm),instcombine,"
    "loop-unroll<O2;full-unroll-max=4>,gvn,dse,simplifycfg)";

void optimizeModule(llvm::Module &m, llvm::TargetMachine &tm, int level) {
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
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm;
  if (level <= 0) {
    mpm = pb.buildO0DefaultPipeline(llvm::OptimizationLevel::O0);
  } else if (level >= 3) {
    mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  } else if (llvm::Error e = pb.parsePassPipeline(mpm, kGeneratedCodePipeline)) {
    throw InternalError("the generated-code pass pipeline does not parse: " +
                        llvm::toString(std::move(e)));
  }
  mpm.run(m, mam);
}

} // namespace odec::codegen
