// The optimization pipeline (new pass manager) for generated modules.
#pragma once

#include <llvm/IR/Module.h>
#include <llvm/Target/TargetMachine.h>

namespace odec::codegen {

/// Optimizes m with tm's cost model. Sets every defined function's target-cpu and
/// target-features to tm's first, so that cost models and instruction selection know the host.
///
/// level 0: LLVM's -O0 pipeline. Levels 1 and 2: kGeneratedCodePipeline, a short pipeline for
/// the code TensorEmitter writes (see Optimize.cpp for why these passes). Level 3: LLVM's full
/// -O3 pipeline. vectorWidth is the code's trajectories per batch chunk: with one lane (scalar
/// code, TensorEmitter.h) levels 1 and 2 run kElementVectorizingPipeline instead, which lets
/// LLVM's vectorizers vectorize over tensor elements.
void optimizeModule(llvm::Module &m, llvm::TargetMachine &tm, int level, int vectorWidth);

/// Instructions in m's longest basic block.
size_t longestBlock(const llvm::Module &m);

/// One-lane modules whose longest block (before optimization) is longer than this get
/// kGeneratedCodePipeline, without the SLP and loop vectorizers: the SLP vectorizer's time
/// grows faster than a block's length, and a block that long is a straight-line chain of
/// scalar bindings, with no tensor loops to vectorize. W1–W3's longest blocks have fewer
/// than 600 instructions.
constexpr size_t kMaxVectorizedBlock = 20000;

/// The textual pass pipelines of levels 1 and 2 (as `opt -passes=` reads them): for code
/// vectorized across the batch, and for one-lane code.
extern const char *const kGeneratedCodePipeline;
extern const char *const kElementVectorizingPipeline;

} // namespace odec::codegen
