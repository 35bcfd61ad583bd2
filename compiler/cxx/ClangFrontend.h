// Internal to compiler/cxx (includes LLVM headers): the steps InProcessClang.h composes.
#pragma once

#include "cxx/InProcessClang.h"

#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <memory>

namespace odec::cxx {

/// Source → optimized module in `context` (Clang's -O pipeline has run). Initializes the
/// native target first: Clang's optimizer needs its cost model to vectorize.
std::unique_ptr<llvm::Module> compileToModule(const Source &source, const CompileOptions &options,
                                              llvm::LLVMContext &context);

/// Target machines for options' CPU (jit::resolveTarget), position-independent code, options'
/// -O level.
llvm::orc::JITTargetMachineBuilder targetMachine(const CompileOptions &options);

} // namespace odec::cxx
