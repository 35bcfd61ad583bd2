// Substitution of expressions for Variable nodes in IR: the IMDE's elementary
// differentials are multilinear derivatives f^(m)(v1, .., vm) taken at fresh
// tangent Variables (so forward mode does not differentiate the arguments) and
// then evaluated at other fields by substituting those fields for the v's.
#pragma once

#include "ir/IR.h"

#include <unordered_map>
#include <vector>

namespace odec::imde {

/// `roots` with every Variable node that is a key of `with` replaced by its
/// value (same shape). Nodes that depend on no replaced Variable are returned
/// unchanged, so sharing survives; rebuilt nodes go through ir/Builder.h and
/// are simplified again.
std::vector<ir::Expr> substitute(const std::vector<ir::Expr> &roots,
                                 const std::unordered_map<const ir::Node *, ir::Expr> &with);

} // namespace odec::imde
