// The built-in functions of the model language: one table that sema (arity, shapes),
// constant evaluation and lowering all key on.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace odec::sema {

enum class Builtin {
  // Elementwise on Real (on arrays only as broadcast calls `tanh.(x)`).
  Tanh,
  Sigmoid,
  Relu,
  Softplus,
  Exp,
  Log,
  Sin,
  Cos,
  Sqrt,
  Abs,
  Max,
  Min, // elementwise, two arguments
  Sum,
  Dot,
  Norm, // reductions to Real
  Zeros,
  Ones,      // zeros(n), zeros(m, n): integer constant sizes
  Identity,  // I(n)
  Transpose, // transpose(x) == x'
  Vcat,      // vcat(a, b, ...) == [a; b; ...]
  Gradient,
  Jacobian // symbolic derivatives, in models only
};

struct BuiltinInfo {
  const char *name;
  Builtin id;
  int minArgs, maxArgs; // maxArgs < 0: any number
  bool elementwise;     // may be broadcast: f.(x)
};

/// The entry for a function name, or null.
const BuiltinInfo *findBuiltin(std::string_view name);
/// Every built-in's name (for suggestions).
std::vector<std::string> builtinNames();

/// Scalar semantics of the elementwise built-ins (constant evaluation).
double evalElementwise(Builtin f, double x);
double evalElementwise(Builtin f, double x, double y);

} // namespace odec::sema
