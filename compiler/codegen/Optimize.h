// LLVM's standard optimization pipeline (new pass manager) for generated modules.
#pragma once

#include <llvm/IR/Module.h>
#include <llvm/Target/TargetMachine.h>

namespace odec::codegen {

/// Runs the -O<level> module pipeline (level 0..3) with tm's cost model, so the loop and SLP
/// vectorizers know the host's vector width. Sets every defined function's target-cpu and
/// target-features to tm's first, for the same reason.
void optimizeModule(llvm::Module &m, llvm::TargetMachine &tm, int level);

} // namespace odec::codegen
