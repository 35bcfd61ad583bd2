// Julia indexing with constant 1-based indices: `x[2]`, `W[1, 2]`, `x[1:3]`, `W[:, 1]`,
// `W[2, :]`. One resolution shared by sema (which reports bad indices), constant
// evaluation and lowering (which re-resolve checked ones).
#pragma once

#include "sema/ConstEval.h"

#include <optional>

namespace odec::sema {

/// What `base[indices]` selects: the block of `block`'s size at 0-based (row0, col0) of
/// the base's row-major storage, transposed into a Vector when a matrix row was selected
/// (`W[2, :]` is a Vector in Julia, while the block in storage is a 1 x n row).
struct IndexSlice {
  int row0 = 0, col0 = 0;
  Shape block;
  bool transposed = false;
  Shape result() const;
};

/// Resolves `e` (its base and index expressions already shape-checked). Reports wrong index
/// counts, non-integer or out-of-bounds indices and empty ranges to diags and returns nullopt;
/// with diags == nullptr a failure is an InternalError.
std::optional<IndexSlice> resolveIndex(const ast::IndexExpr &e, const ConstLookup &consts,
                                       DiagnosticEngine *diags);

} // namespace odec::sema
