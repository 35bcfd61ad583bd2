// LLVM's native target, registered once per process. Everything that generates machine code in
// process (the ORC JIT here, in-process Clang in compiler/cxx) calls this first: without it
// LLJIT finds no target, and Clang's -O2 silently runs without the target's cost model.
#pragma once

namespace odec::jit {

/// Registers the host's target, assembly printer and parser with LLVM; thread-safe, idempotent.
void initializeNativeTarget();

} // namespace odec::jit
