// out += Σ over the lanes of a·b: a matrix product of two varying factors summed into a uniform
// accumulator, the parameter gradient's deferred products (codegen/ParamGradient.h).
//
// Kept per lane, θ̄_W is W copies of the weight (W2's two 32×128 weights at 16 lanes: 1 MiB,
// out of L2), each read and written once per flush, at two multiply-adds per load-store pair.
// Summed over the lanes as it is added, θ̄_W is one copy, and the product is a sum of dot
// products over (inner index, lane): both factors are read as register-sized parts of their
// lane vectors, with no transposition, and a block of rows × columns of out is one set of
// vector running sums whose lanes are summed once per call, together, by a transposing
// reduction (docs/performance.md, section 12).
#pragma once

#include "codegen/TensorEmitter.h"

namespace odec::codegen {

/// out[r, c] += Σ_j Σ_lanes a[r, j] b[j, c]. out: uniform; a, b: varying; width > 1, a power
/// of two. Lanes are summed in an order of their own (not lane order). With `lanes` (a
/// varying i1), both factors' lanes where it is false read as 0: they may hold anything
/// there. aTransposed: a holds aᵀ (row-major, so a's columns are contiguous).
void addLaneSummedProduct(TensorEmitter &te, const Tensor &out, const Tensor &a,
                          const Tensor &b, llvm::Value *lanes = nullptr,
                          bool aTransposed = false);

} // namespace odec::codegen
