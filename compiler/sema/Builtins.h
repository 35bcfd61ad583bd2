// The built-in functions of the model language: one table that sema (arity, shapes),
// constant evaluation and lowering all key on. The elementwise ones are the IR's op table's
// (ir/OpList.h), so a new op is callable by its built-in name without a change here.
#pragma once

#include "ir/IR.h"

#include <string>
#include <string_view>
#include <vector>

namespace odec::sema {

enum class Builtin {
  // Elementwise on Reals (on arrays only as broadcast calls `tanh.(x)`): the IR ops with a
  // built-in name (ir/OpList.h); BuiltinInfo::op says which.
  Elementwise,
  Sum,
  Dot,
  Norm,    // reductions to Real
  Softmax, // softmax(x) of a Vector: exp.(x .- maximum(x)) ./ sum(exp.(x .- maximum(x)))
  Zeros,
  Ones,      // zeros(n), zeros(m, n): integer constant sizes
  Identity,  // I(n)
  Transpose, // transpose(x) == x'
  Vcat,      // vcat(a, b, ...) == [a; b; ...]
  Gradient,
  Jacobian // symbolic derivatives, in models only
};

struct BuiltinInfo {
  std::string name;
  Builtin id;
  int minArgs, maxArgs; // maxArgs < 0: any number
  bool elementwise;     // may be broadcast: f.(x)
  ir::Op op = ir::Op::Constant; // the IR op of an elementwise built-in
};

/// The entry for a function name, or null.
const BuiltinInfo *findBuiltin(std::string_view name);
/// Every built-in's name (for suggestions).
std::vector<std::string> builtinNames();


} // namespace odec::sema
