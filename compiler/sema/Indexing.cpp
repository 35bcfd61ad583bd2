#include "sema/Indexing.h"

#include "sema/ShapeRules.h"

namespace odec::sema {

Shape IndexSlice::result() const {
  if (transposed)
    return transposeShape(block);
  return block;
}

namespace {

/// One index resolved to a 0-based start and a count; `single` for a plain integer.
struct Span {
  int start = 0, count = 1;
  bool single = true;
};

class IndexResolver {
public:
  IndexResolver(const ast::IndexExpr &e, const ConstLookup &consts, DiagnosticEngine *diags)
      : e_(e), consts_(consts), diags_(diags) {}

  std::optional<IndexSlice> resolve() {
    const Shape &base = *e_.base->shape;
    bool isMatrix = base.kind == Shape::Kind::Matrix;
    if (base.isScalar()) {
      fail(e_.range, "cannot index a Real");
      return std::nullopt;
    }
    size_t want = isMatrix ? 2 : 1;
    if (e_.indices.size() != want) {
      fail(e_.range, base.str() + " takes " + std::to_string(want) +
                         (want == 1 ? " index" : " indices") + ", got " +
                         std::to_string(e_.indices.size()));
      return std::nullopt;
    }
    if (!isMatrix) {
      int n = int(base.size());
      auto s = span(*e_.indices[0], n, "", base);
      if (!s)
        return std::nullopt;
      IndexSlice r;
      bool row = base.kind == Shape::Kind::RowVector;
      (row ? r.col0 : r.row0) = s->start;
      if (s->single)
        r.block = Shape::scalar();
      else
        r.block = row ? Shape::rowVector(s->count) : Shape::vector(s->count);
      r.transposed = row && !s->single; // Julia: indexing with a range gives a Vector
      return r;
    }
    auto rs = span(*e_.indices[0], base.rows, "row ", base);
    auto cs = span(*e_.indices[1], base.cols, "column ", base);
    if (!rs || !cs)
      return std::nullopt;
    IndexSlice r;
    r.row0 = rs->start;
    r.col0 = cs->start;
    if (rs->single && cs->single)
      r.block = Shape::scalar();
    else if (cs->single)
      r.block = Shape::vector(rs->count);
    else if (rs->single) { // a piece of one row: a 1 x n block, read out as a Vector
      r.block = Shape::rowVector(cs->count);
      r.transposed = true;
    } else
      r.block = Shape::matrix(rs->count, cs->count);
    return r;
  }

private:
  void fail(SourceRange r, std::string msg) {
    if (!diags_)
      throw InternalError("resolving a checked index failed: " + msg);
    diags_->error(r, std::move(msg));
  }

  std::optional<int64_t> integer(const ast::Expr &x) {
    return evaluateInteger(x, consts_, diags_, "an index");
  }

  /// `i`, `a:b` or `:` along a dimension of size n.
  std::optional<Span> span(const ast::Expr &x, int n, const std::string &which, const Shape &base) {
    auto outOfBounds = [&](const std::string &what) {
      fail(x.range, which + what + " is out of bounds for " + base.str());
    };
    if (x.kind != ast::ExprKind::Range) {
      auto i = integer(x);
      if (!i)
        return std::nullopt;
      if (*i < 1 || *i > n) {
        outOfBounds("index " + std::to_string(*i));
        return std::nullopt;
      }
      return Span{int(*i - 1), 1, true};
    }
    const auto &r = static_cast<const ast::RangeExpr &>(x);
    if (!r.lo)
      return Span{0, n, false};
    auto lo = integer(*r.lo);
    auto hi = integer(*r.hi);
    if (!lo || !hi)
      return std::nullopt;
    std::string spelled = std::to_string(*lo) + ":" + std::to_string(*hi);
    if (*hi < *lo) {
      fail(x.range, "empty range " + spelled);
      return std::nullopt;
    }
    if (*lo < 1 || *hi > n) {
      outOfBounds("range " + spelled);
      return std::nullopt;
    }
    return Span{int(*lo - 1), int(*hi - *lo + 1), false};
  }

  const ast::IndexExpr &e_;
  const ConstLookup &consts_;
  DiagnosticEngine *diags_;
};

} // namespace

std::optional<IndexSlice> resolveIndex(const ast::IndexExpr &e, const ConstLookup &consts,
                                       DiagnosticEngine *diags) {
  internalCheck(e.base->shape.has_value(), "resolveIndex: the base has no shape");
  return IndexResolver(e, consts, diags).resolve();
}

} // namespace odec::sema
