// The floating-point type of generated arithmetic. Free of LLVM headers, so that jit/Jit.h
// can offer the choice without exposing LLVM.
//
// Whatever the precision, the generated functions' ABI stays double: parameters, initial
// states, trajectories, targets, gradients and the loss cross the boundary as doubles, and
// Float code converts them on load and store. Every caller works unchanged; only the
// arithmetic in between (and its rounding) changes.
#pragma once

namespace odec::codegen {

enum class Precision {
  Double, // IEEE binary64 arithmetic
  Float   // IEEE binary32 arithmetic: twice the lanes per SIMD register, ~1e-7 rounding
};

} // namespace odec::codegen
