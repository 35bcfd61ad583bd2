// Internal to the compiler (includes LLVM headers): LLVM's builder of target machines for a
// jit::Target, shared by the JIT and by in-process Clang (compiler/cxx).
#pragma once

#include "jit/Target.h"

#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>

namespace odec::jit {

/// Target machines for `target` (its triple, CPU and features) at LLVM's -O level `optLevel`
/// (0..3).
llvm::orc::JITTargetMachineBuilder targetMachineBuilder(const Target &target, int optLevel);

} // namespace odec::jit
