// The model of the target machine that shapes generated code. Batch-vectorized code holds one
// trajectory per lane, so how many lanes a register holds and how many registers there are
// decide the chunk width, the register blocking of matrix products, the running sums of the
// lane-summed products and the groups of interleaved polynomials. Nothing else about the CPU is
// modelled: caches are assumed alike (the lane-sum threshold, ParamGradient.cpp), and LLVM's
// own scheduling models do the rest. jit/Target.cpp derives the model from the target's
// features: AVX-512 = 32 registers of 64 bytes, AVX/AVX2 = 16 of 32, SSE = 16 of 16.
#pragma once

#include <algorithm>
#include <cstdint>

namespace odec::codegen {

struct MachineModel {
  int vectorBytes = 64;     // one vector register: 16 (SSE, NEON), 32 (AVX2), 64 (AVX-512)
  int vectorRegisters = 32; // architectural vector registers: 16 (SSE, AVX2), 32 (AVX-512)

  /// Doubles per vector register: the chunk width at which a state element fills one register.
  int doublesPerRegister() const { return vectorBytes / 8; }
  /// Registers one varying value of `width` lanes of `realBytes` each occupies (at least 1).
  int registersPerValue(int width, int realBytes) const {
    return std::max(1, width * realBytes / vectorBytes);
  }
  /// Rows of a matrix product accumulated together (register blocking): their sums take at
  /// most half the registers, leaving the rest for the broadcast operands and addresses.
  /// AVX-512 at 8 or 16 lanes and AVX2 at 4 lanes: 8 rows; AVX2 at 8 lanes: 4.
  int64_t matMulRowBlock(int width, int realBytes) const {
    return std::clamp<int64_t>(vectorRegisters / (2 * registersPerValue(width, realBytes)), 1, 8);
  }
  /// Running sums of one block of a lane-summed product (LaneSumProduct.cpp): half the
  /// registers, the other half for the block's parts of both factors.
  int64_t laneSumBlock() const { return vectorRegisters / 2; }
  /// Bytes of lanes that an interleaved group of polynomial chains (tanh, exp) may hold: an
  /// eighth of the register file, so that each chain's temporaries fit beside the others'.
  int chainGroupBytes() const { return vectorRegisters * vectorBytes / 8; }
};

} // namespace odec::codegen
