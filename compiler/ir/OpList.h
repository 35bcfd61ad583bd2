// Every elementwise operation of the IR, in one list (an X-macro): the Op enum, the op table
// (ir/OpTable.h, where each one's value and derivative are defined) and the model language's
// elementwise built-ins (sema/Builtins.cpp) are all generated from it.
//
//   X(Name, irName, julia, builtin, minArgs, maxArgs, secondDefault)
//
// julia: how the printer writes it (an operator, or a function name called with `.(...)` on
// arrays); builtin: the name a .node file calls it by ("" for operators and for the ops only
// derivatives produce); secondDefault: the second argument when a call gives only one (for
// minArgs 1, maxArgs 2; unused otherwise).
//
// To add an op: a line here, an OpDef entry in ir/OpTable.h (value and derivative), tests.
#pragma once

#define ODEC_UNARY_OPS(X)                                                                         \
  X(Neg, "neg", "-", "", 1, 1, 0)                                                                 \
  X(Exp, "exp", "exp", "exp", 1, 1, 0)                                                            \
  X(Log, "log", "log", "log", 1, 1, 0)                                                            \
  X(Sin, "sin", "sin", "sin", 1, 1, 0)                                                            \
  X(Cos, "cos", "cos", "cos", 1, 1, 0)                                                            \
  X(Tanh, "tanh", "tanh", "tanh", 1, 1, 0)                                                        \
  X(Sigmoid, "sigmoid", "sigmoid", "sigmoid", 1, 1, 0)                                            \
  X(Relu, "relu", "relu", "relu", 1, 1, 0)                                                        \
  X(Softplus, "softplus", "softplus", "softplus", 1, 1, 0)                                        \
  X(Sqrt, "sqrt", "sqrt", "sqrt", 1, 1, 0)                                                        \
  X(Abs, "abs", "abs", "abs", 1, 1, 0)                                                            \
  X(Sign, "sign", "sign", "", 1, 1, 0)                                                            \
  X(Heaviside, "heaviside", "heaviside", "", 1, 1, 0)                                             \
  X(Erf, "erf", "erf", "erf", 1, 1, 0)                                                            \
  X(Gelu, "gelu", "gelu", "gelu", 1, 1, 0)                                                        \
  X(Silu, "silu", "silu", "silu", 1, 1, 0)                                                        \
  X(Softsign, "softsign", "softsign", "softsign", 1, 1, 0)

#define ODEC_BINARY_OPS(X)                                                                        \
  X(Add, "add", "+", "", 2, 2, 0)                                                                 \
  X(Sub, "sub", "-", "", 2, 2, 0)                                                                 \
  X(Mul, "mul", "*", "", 2, 2, 0)                                                                 \
  X(Div, "div", "/", "", 2, 2, 0)                                                                 \
  X(Pow, "pow", "^", "", 2, 2, 0)                                                                 \
  X(Max, "max", "max", "max", 2, 2, 0)                                                            \
  X(Min, "min", "min", "min", 2, 2, 0)                                                            \
  X(Elu, "elu", "elu", "elu", 1, 2, 1.0)                                                          \
  X(LeakyRelu, "leakyrelu", "leakyrelu", "leakyrelu", 1, 2, 0.01)

#define ODEC_ELEMENTWISE_OPS(X) ODEC_UNARY_OPS(X) ODEC_BINARY_OPS(X)
