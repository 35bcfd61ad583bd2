// The elementwise ops, each defined once (CasADi's calculus.hpp keeps an operation's evaluation
// and derivative together; so does this table). An op's OpDef gives:
//
//   value(m, a, b)     its value, written once over a math backend M, in terms of the
//                      backend's primitives. Every backend instantiates the same formula: the
//                      interpreter and constant folding (ScalarMath, below, on doubles), the
//                      LLVM code generator (codegen/ElementwiseMath.cpp, scalar and vector
//                      lanes), the C++ emitter (codegen/CppEmitter.cpp, C++ text).
//   partials(y, w)     ∂y/∂a and ∂y/∂b as IR (so derivatives differentiate again), each shaped
//                      like y, null where zero or not wanted (w). The Jacobian of an elementwise
//                      op is diagonal, hence its own transpose: forward and reverse mode both
//                      multiply sensitivities by these (autodiff/Rules.cpp).
//
// Spellings, arity and the built-in name are in ir/OpList.h. Adding an op is a line there, an
// OpDef here, and tests. A backend M provides: `using V`; c(like, v) (the constant v, typed
// like `like`); neg add sub mul div pow max min; exp log log1p sin cos tanh sqrt abs erf; and
// positive(x, then, otherwise) and negative(x, then, otherwise) (x > 0, x < 0, elementwise).
// An op whose value is one primitive is a primitive: backends give it their best code
// (LLVM's vectorized exp and tanh, intrinsics).
#pragma once

#include "ir/Builder.h"
#include "support/InternalError.h"

#include <array>
#include <cmath>
#include <string>

namespace odec::ir {

/// ∂y/∂a, ∂y/∂b; null = zero or not wanted.
using Partials = std::array<Expr, 2>;
/// Which partials are wanted: {∂a, ∂b}.
using Wanted = std::array<bool, 2>;

template <Op> struct OpDef;

namespace op_detail {
inline Expr fillLike(const Expr &y, double v) { return fill(y->shape, v); }
inline Expr u(Op op, const Expr &a) { return unary(op, a); }
constexpr double kSqrtHalf = 0.70710678118654752440;     // 1/√2
constexpr double kTwoOverSqrtPi = 1.12837916709551257390; // 2/√π
constexpr double kInvSqrtTwoPi = 0.39894228040143267794;  // 1/√(2π)
} // namespace op_detail

#define ODEC_VALUE(expr)                                                                          \
  template <class M> static typename M::V value(M &m, typename M::V a, typename M::V b) {        \
    (void)b;                                                                                      \
    return expr;                                                                                  \
  }
#define ODEC_PARTIALS(...)                                                                        \
  static Partials partials(const Expr &y, Wanted w) {                                             \
    using namespace op_detail;                                                                    \
    const Expr &a = y->args[0];                                                                   \
    const Expr &b = y->args.size() > 1 ? y->args[1] : y->args[0];                                 \
    (void)a, (void)b, (void)w;                                                                    \
    auto c = [&](double v) { return fillLike(y, v); };                                            \
    (void)c;                                                                                      \
    __VA_ARGS__                                                                                   \
  }

// ----- unary ---------------------------------------------------------------------------------

template <> struct OpDef<Op::Neg> {
  ODEC_VALUE(m.neg(a))
  ODEC_PARTIALS(return {c(-1), nullptr};) // d(−a) = −da
};
template <> struct OpDef<Op::Exp> {
  ODEC_VALUE(m.exp(a))
  ODEC_PARTIALS(return {y, nullptr};) // exp′ = exp
};
template <> struct OpDef<Op::Log> {
  ODEC_VALUE(m.log(a))
  ODEC_PARTIALS(return {div(c(1), a), nullptr};) // log′(a) = 1/a
};
template <> struct OpDef<Op::Sin> {
  ODEC_VALUE(m.sin(a))
  ODEC_PARTIALS(return {u(Op::Cos, a), nullptr};) // sin′ = cos
};
template <> struct OpDef<Op::Cos> {
  ODEC_VALUE(m.cos(a))
  ODEC_PARTIALS(return {neg(u(Op::Sin, a)), nullptr};) // cos′ = −sin
};
template <> struct OpDef<Op::Tanh> {
  ODEC_VALUE(m.tanh(a))
  ODEC_PARTIALS(return {sub(c(1), mul(y, y)), nullptr};) // tanh′ = 1 − tanh²
};
template <> struct OpDef<Op::Sigmoid> {
  // 1 / (1 + e^-a): e^-a overflows to inf for a < −709, and 1/inf = 0 is the right limit.
  ODEC_VALUE(m.div(m.c(a, 1), m.add(m.c(a, 1), m.exp(m.neg(a)))))
  ODEC_PARTIALS(return {mul(y, sub(c(1), y)), nullptr};) // σ′ = σ(1 − σ)
};
template <> struct OpDef<Op::Relu> {
  ODEC_VALUE(m.positive(a, a, m.c(a, 0)))
  ODEC_PARTIALS(return {u(Op::Heaviside, a), nullptr};) // relu′ = H
};
template <> struct OpDef<Op::Softplus> {
  // log(1 + e^a) without overflow: max(a, 0) + log1p(e^-|a|).
  ODEC_VALUE(m.add(m.max(a, m.c(a, 0)), m.log1p(m.exp(m.neg(m.abs(a))))))
  ODEC_PARTIALS(return {u(Op::Sigmoid, a), nullptr};) // log(1 + eᵃ)′ = σ(a)
};
template <> struct OpDef<Op::Sqrt> {
  ODEC_VALUE(m.sqrt(a))
  ODEC_PARTIALS(return {div(c(0.5), y), nullptr};) // √′(a) = 1/(2√a)
};
template <> struct OpDef<Op::Abs> {
  ODEC_VALUE(m.abs(a))
  ODEC_PARTIALS(return {u(Op::Sign, a), nullptr};) // |a|′ = sign(a)
};
template <> struct OpDef<Op::Sign> {
  ODEC_VALUE(m.positive(a, m.c(a, 1), m.negative(a, m.c(a, -1), m.c(a, 0))))
  ODEC_PARTIALS(return {nullptr, nullptr};) // piecewise constant: 0 almost everywhere
};
template <> struct OpDef<Op::Heaviside> {
  ODEC_VALUE(m.positive(a, m.c(a, 1), m.c(a, 0)))
  ODEC_PARTIALS(return {nullptr, nullptr};) // piecewise constant: 0 almost everywhere
};
template <> struct OpDef<Op::Erf> {
  ODEC_VALUE(m.erf(a))
  // erf′(a) = 2/√π e^(−a²)
  ODEC_PARTIALS(return {mul(c(kTwoOverSqrtPi), u(Op::Exp, neg(mul(a, a)))), nullptr};)
};
template <> struct OpDef<Op::Gelu> {
  // The exact GELU, a Φ(a) = a/2 (1 + erf(a/√2)) (PyTorch's default, not its tanh estimate).
  ODEC_VALUE(m.mul(m.mul(m.c(a, 0.5), a), m.add(m.c(a, 1), m.erf(m.mul(a, m.c(a, op_detail::kSqrtHalf))))))
  // gelu′(a) = Φ(a) + a φ(a), φ(a) = e^(−a²/2)/√(2π)
  ODEC_PARTIALS(
      Expr phi = mul(c(kInvSqrtTwoPi), u(Op::Exp, mul(c(-0.5), mul(a, a))));
      Expr Phi = mul(c(0.5), add(c(1), u(Op::Erf, mul(a, c(kSqrtHalf)))));
      return {add(Phi, mul(a, phi)), nullptr};)
};
template <> struct OpDef<Op::Silu> {
  // a σ(a) (swish with β = 1)
  ODEC_VALUE(m.mul(a, OpDef<Op::Sigmoid>::value(m, a, a)))
  // silu′ = σ(a) (1 + a (1 − σ(a)))
  ODEC_PARTIALS(Expr s = u(Op::Sigmoid, a);
                return {mul(s, add(c(1), mul(a, sub(c(1), s)))), nullptr};)
};
template <> struct OpDef<Op::Softsign> {
  ODEC_VALUE(m.div(a, m.add(m.c(a, 1), m.abs(a)))) // a / (1 + |a|)
  // softsign′ = 1 / (1 + |a|)²
  ODEC_PARTIALS(Expr d = add(c(1), u(Op::Abs, a)); return {div(c(1), mul(d, d)), nullptr};)
};

// ----- binary --------------------------------------------------------------------------------

template <> struct OpDef<Op::Add> {
  ODEC_VALUE(m.add(a, b))
  ODEC_PARTIALS(return {c(1), c(1)};) // d(a + b) = da + db
};
template <> struct OpDef<Op::Sub> {
  ODEC_VALUE(m.sub(a, b))
  ODEC_PARTIALS(return {c(1), c(-1)};) // d(a − b) = da − db
};
template <> struct OpDef<Op::Mul> {
  ODEC_VALUE(m.mul(a, b))
  ODEC_PARTIALS(return {b, a};) // d(a b) = b da + a db
};
template <> struct OpDef<Op::Div> {
  ODEC_VALUE(m.div(a, b))
  // d(a / b) = da / b − (a / b²) db = (da − y db) / b
  ODEC_PARTIALS(return {w[0] ? div(c(1), b) : nullptr, w[1] ? neg(div(y, b)) : nullptr};)
};
template <> struct OpDef<Op::Pow> {
  ODEC_VALUE(m.pow(a, b))
  // d(aᵇ) = b aᵇ⁻¹ da + aᵇ log(a) db; log(a) only when b varies (a may be < 0)
  ODEC_PARTIALS(return {w[0] ? mul(b, binary(Op::Pow, a, sub(b, c(1)))) : nullptr,
                        w[1] ? mul(y, u(Op::Log, a)) : nullptr};)
};
template <> struct OpDef<Op::Max> {
  ODEC_VALUE(m.max(a, b))
  // max selects a where a > b, else b: ∂a = H(a − b), ∂b = 1 − H(a − b)
  ODEC_PARTIALS(Expr h = u(Op::Heaviside, sub(a, b));
                return {h, w[1] ? sub(c(1), h) : nullptr};)
};
template <> struct OpDef<Op::Min> {
  ODEC_VALUE(m.min(a, b))
  // min selects a where a < b, else b: ∂a = H(b − a), ∂b = 1 − H(b − a)
  ODEC_PARTIALS(Expr h = u(Op::Heaviside, sub(b, a));
                return {h, w[1] ? sub(c(1), h) : nullptr};)
};
template <> struct OpDef<Op::Elu> {
  // a for a > 0, α (eᵃ − 1) otherwise (b = α; eᵃ − 1 rather than expm1 keeps it vectorized:
  // the absolute error near 0 is an ulp of 1)
  ODEC_VALUE(m.positive(a, a, m.mul(b, m.sub(m.exp(a), m.c(a, 1)))))
  // ∂a = 1 for a > 0, α eᵃ = y + α otherwise; ∂α = eᵃ − 1 for a ≤ 0
  ODEC_PARTIALS(Expr h = u(Op::Heaviside, a); Expr off = sub(c(1), h);
                return {add(h, mul(off, add(y, b))),
                        w[1] ? mul(off, sub(u(Op::Exp, a), c(1))) : nullptr};)
};
template <> struct OpDef<Op::LeakyRelu> {
  ODEC_VALUE(m.positive(a, a, m.mul(b, a))) // a for a > 0, α a otherwise (b = α)
  // ∂a = 1 for a > 0, α otherwise; ∂α = a for a ≤ 0
  ODEC_PARTIALS(Expr h = u(Op::Heaviside, a); Expr off = sub(c(1), h);
                return {add(h, mul(off, b)), w[1] ? mul(off, a) : nullptr};)
};

#undef ODEC_VALUE
#undef ODEC_PARTIALS

/// The case labels of the ops that are not elementwise, for switches that list every op.
#define ODEC_NOT_ELEMENTWISE_CASES                                                                \
  case Op::Constant:                                                                              \
  case Op::Variable:                                                                              \
  case Op::MatMul:                                                                                \
  case Op::Transpose:                                                                             \
  case Op::Broadcast:                                                                             \
  case Op::SumTo:                                                                                 \
  case Op::Slice:                                                                                 \
  case Op::Concat:

/// The value of elementwise op `op` on backend m (b is ignored by unary ops).
template <class M> typename M::V elementwiseValue(M &m, Op op, typename M::V a, typename M::V b) {
  switch (op) {
#define ODEC_VALUE_CASE(Name, ...)                                                                \
  case Op::Name:                                                                                  \
    return OpDef<Op::Name>::value(m, a, b);
    ODEC_ELEMENTWISE_OPS(ODEC_VALUE_CASE)
#undef ODEC_VALUE_CASE
  ODEC_NOT_ELEMENTWISE_CASES
    break;
  }
  throw InternalError(std::string("not an elementwise op: ") + opInfo(op).name);
}

/// The partial derivatives of the elementwise node y (see OpDef::partials).
Partials elementwisePartials(const Expr &y, Wanted wanted);

/// Doubles, as C's math library computes them: the interpreter's and constant folding's
/// backend, and the reference the code generators are tested against.
struct ScalarMath {
  using V = double;
  static double c(double, double v) { return v; }
  static double neg(double a) { return -a; }
  static double add(double a, double b) { return a + b; }
  static double sub(double a, double b) { return a - b; }
  static double mul(double a, double b) { return a * b; }
  static double div(double a, double b) { return a / b; }
  static double pow(double a, double b) { return std::pow(a, b); }
  static double max(double a, double b) { return std::fmax(a, b); }
  static double min(double a, double b) { return std::fmin(a, b); }
  static double exp(double a) { return std::exp(a); }
  static double log(double a) { return std::log(a); }
  static double log1p(double a) { return std::log1p(a); }
  static double sin(double a) { return std::sin(a); }
  static double cos(double a) { return std::cos(a); }
  static double tanh(double a) { return std::tanh(a); }
  static double sqrt(double a) { return std::sqrt(a); }
  static double abs(double a) { return std::fabs(a); }
  static double erf(double a) { return std::erf(a); }
  static double positive(double x, double then, double otherwise) { return x > 0 ? then : otherwise; }
  static double negative(double x, double then, double otherwise) { return x < 0 ? then : otherwise; }
};

} // namespace odec::ir
