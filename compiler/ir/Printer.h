// Readable printing of IR: Julia-style expressions for users (`odec derive`) and an SSA
// listing for compiler developers (`--emit=ir`).
#pragma once

#include "ir/IR.h"

#include <string>

namespace odec::ir {

/// One expression in Julia syntax, shared subterms inlined: `W2 * tanh.(W1 * x .+ b1) .+ b2`.
std::string toJulia(const Expr &e);

/// A function as Julia-style let-bindings: every node used more than once gets a name
/// (`t1 = tanh.(W1 * x .+ b1)`), then each output `name = ...`.
std::string toJulia(const Function &f);

/// SSA listing, one node per line with its shape: `%3 : Vector{16} = tanh %2`.
std::string dumpSSA(const Function &f);

} // namespace odec::ir
