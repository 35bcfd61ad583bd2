// LLVM's native target, registered once per process. Everything that generates machine code in
// process (the ORC JIT here, in-process Clang in compiler/cxx) calls this first: without it
// LLJIT finds no target, and Clang's -O2 silently runs without the target's cost model.
#pragma once

namespace odec::jit {

/// The exit status of a process that LLVM stops with a fatal error once initializeNativeTarget
/// has run (EX_SOFTWARE, as the CLI's internal errors), after "odec: internal error: LLVM: …".
constexpr int kLlvmFatalErrorStatus = 70;

/// Registers the host's target, assembly printer and parser with LLVM, and odec's handler of
/// LLVM's fatal errors; thread-safe, idempotent.
void initializeNativeTarget();

} // namespace odec::jit
