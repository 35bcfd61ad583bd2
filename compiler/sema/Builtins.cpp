#include "sema/Builtins.h"

#include "syntax/Diagnostics.h"

#include <cmath>

namespace odec::sema {

namespace {
const BuiltinInfo kBuiltins[] = {
    {"tanh", Builtin::Tanh, 1, 1, true},
    {"sigmoid", Builtin::Sigmoid, 1, 1, true},
    {"relu", Builtin::Relu, 1, 1, true},
    {"softplus", Builtin::Softplus, 1, 1, true},
    {"exp", Builtin::Exp, 1, 1, true},
    {"log", Builtin::Log, 1, 1, true},
    {"sin", Builtin::Sin, 1, 1, true},
    {"cos", Builtin::Cos, 1, 1, true},
    {"sqrt", Builtin::Sqrt, 1, 1, true},
    {"abs", Builtin::Abs, 1, 1, true},
    {"max", Builtin::Max, 2, 2, true},
    {"min", Builtin::Min, 2, 2, true},
    {"sum", Builtin::Sum, 1, 1, false},
    {"dot", Builtin::Dot, 2, 2, false},
    {"norm", Builtin::Norm, 1, 1, false},
    {"zeros", Builtin::Zeros, 1, 2, false},
    {"ones", Builtin::Ones, 1, 2, false},
    {"I", Builtin::Identity, 1, 1, false},
    {"transpose", Builtin::Transpose, 1, 1, false},
    {"vcat", Builtin::Vcat, 1, -1, false},
    {"gradient", Builtin::Gradient, 2, 2, false},
    {"jacobian", Builtin::Jacobian, 2, 2, false},
};
} // namespace

const BuiltinInfo *findBuiltin(std::string_view name) {
  for (const BuiltinInfo &b : kBuiltins)
    if (name == b.name)
      return &b;
  return nullptr;
}

std::vector<std::string> builtinNames() {
  std::vector<std::string> out;
  for (const BuiltinInfo &b : kBuiltins)
    out.push_back(b.name);
  return out;
}

double evalElementwise(Builtin f, double x) {
  switch (f) {
  case Builtin::Tanh:
    return std::tanh(x);
  case Builtin::Sigmoid:
    return 1 / (1 + std::exp(-x));
  case Builtin::Relu:
    return x > 0 ? x : 0;
  case Builtin::Softplus: // log(1 + e^x) without overflow for large x
    return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
  case Builtin::Exp:
    return std::exp(x);
  case Builtin::Log:
    return std::log(x);
  case Builtin::Sin:
    return std::sin(x);
  case Builtin::Cos:
    return std::cos(x);
  case Builtin::Sqrt:
    return std::sqrt(x);
  case Builtin::Abs:
    return std::fabs(x);
  default:
    throw InternalError("evalElementwise: not a unary elementwise built-in");
  }
}

double evalElementwise(Builtin f, double x, double y) {
  switch (f) {
  case Builtin::Max:
    return std::max(x, y);
  case Builtin::Min:
    return std::min(x, y);
  default:
    throw InternalError("evalElementwise: not a binary elementwise built-in");
  }
}

} // namespace odec::sema
