#include "lower/LowerModel.h"

#include "autodiff/Derivative.h"
#include "ir/Builder.h"
#include "sema/Builtins.h"
#include "sema/Indexing.h"

#include <map>

namespace odec {

namespace {

using sema::Builtin;

ir::Op dotOp(ast::BinaryOp op) {
  switch (op) {
  case ast::BinaryOp::DotAdd:
    return ir::Op::Add;
  case ast::BinaryOp::DotSub:
    return ir::Op::Sub;
  case ast::BinaryOp::DotMul:
    return ir::Op::Mul;
  case ast::BinaryOp::DotDiv:
    return ir::Op::Div;
  case ast::BinaryOp::DotPow:
    return ir::Op::Pow;
  default:
    throw InternalError("lowering: not a dot operator");
  }
}

class Lowerer {
public:
  explicit Lowerer(const sema::CheckedModel &m) : m_(m) {
    consts_ = [this](const ast::Decl &d) -> const sema::ConstValue * {
      for (const sema::ConstInfo &c : m_.consts)
        if (c.decl == &d)
          return &c.value;
      return nullptr;
    };
  }

  ir::ModelIR run() {
    ir::ModelIR out;
    out.name = m_.name;
    int64_t offset = 0;
    for (size_t i = 0; i < m_.states.size(); ++i) {
      const sema::StateInfo &s = m_.states[i];
      ir::Expr var = ir::variable(s.name, ir::VarRole::State, int(i), s.shape);
      out.states.push_back({s.name, s.shape, var, offset});
      offset += s.shape.size();
      values_[s.decl] = var;
    }
    offset = 0;
    for (size_t i = 0; i < m_.params.size(); ++i) {
      const sema::ParamInfo &p = m_.params[i];
      ir::Expr var = ir::variable(p.name, ir::VarRole::Param, int(i), p.shape);
      out.params.push_back({p.name, p.shape, var, offset});
      offset += p.shape.size();
      values_[p.decl] = var;
    }
    if (m_.readsTime || !m_.inputs.empty()) {
      time_ = ir::variable("t", ir::VarRole::Time, 0, Shape::scalar());
      out.exogenous.push_back({"t", Shape::scalar(), time_, 0});
      offset = 1;
      for (size_t i = 0; i < m_.inputs.size(); ++i) {
        const sema::InputInfo &in = m_.inputs[i];
        ir::Expr var = ir::variable(in.name, ir::VarRole::Input, int(i), in.shape);
        out.exogenous.push_back({in.name, in.shape, var, offset});
        out.interpolation.push_back(in.interpolation);
        offset += in.shape.size();
        values_[in.decl] = var;
      }
    }
    for (const sema::ConstInfo &c : m_.consts)
      values_[c.decl] = ir::constant(c.value.shape, c.value.doubles());
    std::map<std::string, ir::Expr> ddt;
    for (const ast::DeclPtr &d : m_.ast->decls) {
      if (d->kind == ast::DeclKind::Let)
        values_[d.get()] = lower(*static_cast<const ast::LetDecl &>(*d).value);
      else if (d->kind == ast::DeclKind::Output)
        values_[d.get()] = lower(*static_cast<const ast::OutputDecl &>(*d).value);
      else if (d->kind == ast::DeclKind::Ddt)
        ddt[d->name] = lower(*static_cast<const ast::DdtDecl &>(*d).value);
    }
    for (const sema::OutputInfo &o : m_.outputs) {
      out.outputs.push_back(values_.at(o.decl));
      out.outputNames.push_back(o.name);
    }
    for (const ir::ModelIR::Slot &s : out.states) {
      auto it = ddt.find(s.name);
      internalCheck(it != ddt.end() && it->second->shape == s.shape,
                    "lowering: a state without a ddt of its shape");
      out.ddt.push_back(it->second);
    }
    return out;
  }

private:
  ir::Expr lower(const ast::Expr &e) {
    internalCheck(e.shape.has_value(), "lowering an expression sema did not check");
    ir::Expr r = lowerNode(e);
    internalCheck(r->shape == *e.shape, "lowering changed an expression's shape");
    return r;
  }

  /// `a` made to the result shape of a broadcasting operation (a scalar broadcasts itself).
  static ir::Expr fit(ir::Expr a, const Shape &to) {
    if (a->shape == to || a->shape.isScalar())
      return a;
    return ir::broadcast(std::move(a), to);
  }

  ir::Expr constant(const ast::Expr &e) {
    sema::ConstValue v = *sema::evaluateConstant(e, consts_, nullptr);
    return ir::constant(v.shape, v.doubles());
  }

  ir::Expr lowerNode(const ast::Expr &e) {
    const Shape &shape = *e.shape;
    switch (e.kind) {
    case ast::ExprKind::Number:
      return ir::scalar(static_cast<const ast::NumberExpr &>(e).value);
    case ast::ExprKind::Ident: {
      const auto &id = static_cast<const ast::IdentExpr &>(e);
      if (!id.resolved) // the time, or the identity sized by sema
        return id.name == "t" ? time_ : ir::identity(shape.rows);
      auto it = values_.find(id.resolved);
      internalCheck(it != values_.end(), "lowering: a name sema resolved has no value");
      return it->second;
    }
    case ast::ExprKind::Unary: {
      const auto &u = static_cast<const ast::UnaryExpr &>(e);
      ir::Expr a = lower(*u.operand);
      return u.op == ast::UnaryOp::Neg ? ir::neg(a) : a;
    }
    case ast::ExprKind::Binary:
      return binary(static_cast<const ast::BinaryExpr &>(e));
    case ast::ExprKind::Transpose:
      return ir::transpose(lower(*static_cast<const ast::TransposeExpr &>(e).operand));
    case ast::ExprKind::Call:
      return call(static_cast<const ast::CallExpr &>(e));
    case ast::ExprKind::Index: {
      const auto &ix = static_cast<const ast::IndexExpr &>(e);
      sema::IndexSlice s = *sema::resolveIndex(ix, consts_, nullptr);
      ir::Expr block = ir::slice(lower(*ix.base), s.row0, s.col0, s.block);
      return s.transposed ? ir::transpose(block) : block;
    }
    case ast::ExprKind::Array:
      return array(static_cast<const ast::ArrayExpr &>(e));
    case ast::ExprKind::Range:
      break;
    }
    throw InternalError("lowering: a range outside an index");
  }

  ir::Expr binary(const ast::BinaryExpr &e) {
    using Op = ast::BinaryOp;
    if (e.op == Op::RationalDiv)
      return constant(e);
    internalCheck(e.op != Op::In, "lowering: 'in' in a model");
    ir::Expr a = lower(*e.lhs), b = lower(*e.rhs);
    switch (e.op) {
    case Op::Add:
      return ir::add(a, b);
    case Op::Sub:
      return ir::sub(a, b);
    case Op::Mul: // scaling or a matrix product, as sema decided
      if (a->shape.isScalar() || b->shape.isScalar())
        return ir::mul(a, b);
      return ir::matmul(a, b);
    case Op::Div:
      return ir::div(a, b);
    case Op::Pow:
      return ir::binary(ir::Op::Pow, a, b);
    default:
      return ir::binary(dotOp(e.op), fit(a, *e.shape), fit(b, *e.shape));
    }
  }

  /// exp.(x .- m) ./ sum(exp.(x .- m)) with m the largest element (a fold of max over the
  /// elements), so no exponential overflows: softmax([1000, 0]) = [1, 0]. The shift cancels
  /// in the value and in the derivative (it changes every exponent alike), so it need not be
  /// differentiated smoothly.
  static ir::Expr softmax(const ir::Expr &x) {
    const int n = x->shape.rows;
    ir::Expr top = ir::slice(x, 0, 0, Shape::scalar());
    for (int i = 1; i < n; ++i)
      top = ir::binary(ir::Op::Max, top, ir::slice(x, i, 0, Shape::scalar()));
    ir::Expr e = ir::unary(ir::Op::Exp, ir::sub(x, ir::broadcast(top, x->shape)));
    return ir::div(e, ir::broadcast(ir::sum(e), x->shape));
  }

  ir::Expr call(const ast::CallExpr &e) {
    const sema::BuiltinInfo *info = sema::findBuiltin(e.callee);
    internalCheck(info != nullptr, "lowering: a call of an unknown function");
    const Shape &shape = *e.shape;
    switch (info->id) {
    case Builtin::Zeros:
      return ir::fill(shape, 0);
    case Builtin::Ones:
      return ir::fill(shape, 1);
    case Builtin::Identity:
      return ir::identity(shape.rows);
    case Builtin::Gradient:
    case Builtin::Jacobian: {
      const auto &x = static_cast<const ast::IdentExpr &>(*e.args[1]);
      ir::Expr f = lower(*e.args[0]), var = values_.at(x.resolved);
      return info->id == Builtin::Gradient ? ad::gradient(f, var) : ad::jacobian(f, var);
    }
    default:
      break;
    }
    std::vector<ir::Expr> args;
    for (const ast::ExprPtr &a : e.args)
      args.push_back(lower(*a));
    switch (info->id) {
    case Builtin::Elementwise:
      if (ir::opInfo(info->op).category == ir::OpCategory::Unary)
        return ir::unary(info->op, args[0]);
      if (args.size() == 1) // the op's default second argument
        args.push_back(ir::fill(Shape::scalar(), ir::opInfo(info->op).secondDefault));
      return ir::binary(info->op, fit(args[0], shape), fit(args[1], shape));
    case Builtin::Sum:
      return ir::sum(args[0]);
    case Builtin::Dot:
      return ir::sum(ir::mul(args[0], args[1]));
    case Builtin::Softmax:
      return softmax(args[0]);
    case Builtin::Norm:
      return ir::unary(ir::Op::Sqrt, ir::sum(ir::mul(args[0], args[0])));
    case Builtin::Transpose:
      return ir::transpose(args[0]);
    case Builtin::Vcat:
      return ir::concat(std::move(args), 0);
    case Builtin::Zeros:
    case Builtin::Ones:
    case Builtin::Identity:
    case Builtin::Gradient:
    case Builtin::Jacobian:
      break; // lowered before the arguments
    }
    throw InternalError("lowering: a built-in without a lowering: " + info->name);
  }

  /// Each row is an hcat of its elements, then the rows are stacked (Julia's hvcat).
  ir::Expr array(const ast::ArrayExpr &a) {
    std::vector<ir::Expr> rows;
    for (const auto &row : a.rows) {
      std::vector<ir::Expr> elems;
      for (const ast::ExprPtr &x : row)
        elems.push_back(lower(*x));
      rows.push_back(elems.size() == 1 ? elems[0] : ir::concat(std::move(elems), 1));
    }
    if (rows.size() == 1 && a.rows[0].size() > 1)
      return rows[0];
    return ir::concat(std::move(rows), 0);
  }

  const sema::CheckedModel &m_;
  sema::ConstLookup consts_;
  std::map<const ast::Decl *, ir::Expr> values_;
  ir::Expr time_; // the Variable t of a non-autonomous model
};

} // namespace

ir::ModelIR lowerModel(const sema::CheckedModel &model) { return Lowerer(model).run(); }

} // namespace odec
