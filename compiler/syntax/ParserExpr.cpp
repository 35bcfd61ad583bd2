// The expression rules of the parser: Julia's precedence, array literals with their
// whitespace rules, calls with keyword arguments, indices with ranges, and types.
//
// Precedence, lowest to highest: `in` (only in `require`) ; `:` (only in an index) ;
// `+ - .+ .-` ; `* / .* ./ //` ; unary `- +` ; `^ .^` (right-associative) ; postfix `'`,
// calls and indices. `-x^2` is `-(x^2)` and `2^-1` is `2^(-1)`, as in Julia.
#include "syntax/Lexer.h"
#include "syntax/Parser.h"
#include "syntax/ParserImpl.h"

#include <algorithm>

namespace odec::detail {

using namespace ast;

namespace {

std::string tooDeepMessage() {
  return "expression nested too deeply (more than " + std::to_string(kMaxExpressionDepth) +
         " levels)";
}

bool startsExpression(TokenKind k) {
  return k == TokenKind::Number || k == TokenKind::Identifier || k == TokenKind::LParen ||
         k == TokenKind::LBracket || k == TokenKind::Plus || k == TokenKind::Minus;
}

} // namespace

Parser::Nest::Nest(Parser &p, const Token &at, std::optional<Nesting> mode)
    : p_(p), pushed_(mode.has_value()) {
  if (p_.depth_ >= kMaxExpressionDepth)
    p_.fail(p_.rangeOf(at), tooDeepMessage());
  ++p_.depth_;
  if (mode)
    p_.nesting_.push_back(*mode);
}

Parser::Nest::~Nest() {
  --p_.depth_;
  if (pushed_)
    p_.nesting_.pop_back();
}

int Parser::checkedDepth(int depth, SourceRange at) {
  if (depth > kMaxExpressionDepth)
    fail(at, tooDeepMessage());
  return depth;
}

Parsed Parser::finish(ExprPtr e, int childDepth, SourceRange at) {
  return {std::move(e), checkedDepth(childDepth + 1, at)};
}

/// expr ::= sum ['in' sum]          ('in' only in a require constraint)
Parsed Parser::parseExpr(bool allowIn) {
  uint32_t start = peek().offset;
  Parsed lhs = parseBinary(Level::Sum);
  if (peek().is(TokenKind::KwIn)) {
    if (!allowIn)
      fail(rangeOf(peek()), "'in' is only allowed in a 'require' constraint");
    const Token op = advance();
    skipNewlines();
    Parsed rhs = parseBinary(Level::Sum);
    int depth = std::max(lhs.depth, rhs.depth);
    lhs = finish(std::make_unique<BinaryExpr>(rangeFrom(start), BinaryOp::In, rangeOf(op),
                                              std::move(lhs.expr), std::move(rhs.expr)),
                 depth, rangeOf(op));
  }
  if (peek().is(TokenKind::Colon))
    fail(rangeOf(peek()), "':' ranges are only allowed inside an index");
  return lhs;
}

std::optional<BinaryOp> Parser::binaryOp(TokenKind k, Level level) {
  if (level == Level::Sum) {
    switch (k) {
    case TokenKind::Plus:
      return BinaryOp::Add;
    case TokenKind::Minus:
      return BinaryOp::Sub;
    case TokenKind::DotPlus:
      return BinaryOp::DotAdd;
    case TokenKind::DotMinus:
      return BinaryOp::DotSub;
    default:
      return std::nullopt;
    }
  }
  switch (k) {
  case TokenKind::Star:
    return BinaryOp::Mul;
  case TokenKind::Slash:
    return BinaryOp::Div;
  case TokenKind::DotStar:
    return BinaryOp::DotMul;
  case TokenKind::DotSlash:
    return BinaryOp::DotDiv;
  case TokenKind::SlashSlash:
    return BinaryOp::RationalDiv;
  default:
    return std::nullopt;
  }
}

// In an array literal `[1 -2]` has two elements: a '+' or '-' with a space before it and
// none after it starts the next element (Julia's rule). `[1 - 2]` and `[1-2]` have one.
bool Parser::endsMatrixElement(const Token &t) {
  if (nesting_.empty() || nesting_.back() != Nesting::Matrix)
    return false;
  if (!t.is(TokenKind::Plus) && !t.is(TokenKind::Minus))
    return false;
  const Token &next = tok(pos_ + 1); // in a matrix peek() skips nothing: t is tok(pos_)
  return t.spaceBefore && !next.spaceBefore && !next.is(TokenKind::Newline) &&
         !next.is(TokenKind::Eof);
}

/// sum  ::= term {('+' | '-' | '.+' | '.-') term}
/// term ::= unary {('*' | '/' | '.*' | './' | '//') unary}
Parsed Parser::parseBinary(Level level) {
  auto operand = [&] { return level == Level::Sum ? parseBinary(Level::Term) : parseUnary(); };
  uint32_t start = peek().offset;
  Parsed lhs = operand();
  for (;;) {
    const Token &t = peek();
    std::optional<BinaryOp> op = binaryOp(t.kind, level);
    if (!op || endsMatrixElement(t))
      return lhs;
    advance();
    skipNewlines(); // a line may end with an operator and continue on the next
    Parsed rhs = operand();
    int depth = std::max(lhs.depth, rhs.depth);
    lhs = finish(std::make_unique<BinaryExpr>(rangeFrom(start), *op, rangeOf(t),
                                              std::move(lhs.expr), std::move(rhs.expr)),
                 depth, rangeOf(t));
  }
}

/// unary ::= ('-' | '+') unary | power
Parsed Parser::parseUnary() {
  if (!peek().is(TokenKind::Minus) && !peek().is(TokenKind::Plus))
    return parsePower();
  const Token op = advance();
  Parsed operand;
  {
    Nest level(*this, op, std::nullopt);
    operand = parseUnary();
  }
  UnaryOp u = op.is(TokenKind::Minus) ? UnaryOp::Neg : UnaryOp::Plus;
  return finish(std::make_unique<UnaryExpr>(rangeFrom(op.offset), u, std::move(operand.expr)),
                operand.depth, rangeOf(op));
}

/// power ::= postfix [('^' | '.^') unary]
Parsed Parser::parsePower() {
  uint32_t start = peek().offset;
  Parsed base = parsePostfix();
  if (!peek().is(TokenKind::Caret) && !peek().is(TokenKind::DotCaret))
    return base;
  const Token op = advance();
  skipNewlines();
  Parsed exponent;
  {
    Nest level(*this, op, std::nullopt);
    exponent = parseUnary(); // which parses `b^c` in `a^b^c`: right-associative
  }
  BinaryOp b = op.is(TokenKind::Caret) ? BinaryOp::Pow : BinaryOp::DotPow;
  int depth = std::max(base.depth, exponent.depth);
  return finish(std::make_unique<BinaryExpr>(rangeFrom(start), b, rangeOf(op), std::move(base.expr),
                                             std::move(exponent.expr)),
                depth, rangeOf(op));
}

/// postfix ::= primary {"'" | call_args | '.' call_args | '[' index_items ']'}
Parsed Parser::parsePostfix() {
  uint32_t start = peek().offset;
  Parsed e = parsePrimary();
  for (;;) {
    const Token &t = peek();
    if (t.is(TokenKind::Transpose)) { // the lexer made sure it follows its operand directly
      advance();
      e = finish(std::make_unique<TransposeExpr>(rangeFrom(start), std::move(e.expr)), e.depth,
                 rangeOf(t));
      continue;
    }
    bool call = t.is(TokenKind::LParen) || t.is(TokenKind::Dot);
    if (!call && !t.is(TokenKind::LBracket))
      return e;
    if (t.spaceBefore) {
      if (!nesting_.empty() && nesting_.back() == Nesting::Matrix)
        return e; // `[f (x)]`, `[v [1]]`: the next element of the row
      fail(rangeOf(t), "unexpected space before " + describe(t));
    }
    if (!call) {
      e = parseIndex(std::move(e));
      continue;
    }
    if (e.expr->kind != ExprKind::Ident)
      fail(rangeOf(t), "only a name can be called, e.g. 'f(x)'");
    const auto &callee = static_cast<const IdentExpr &>(*e.expr);
    auto c = std::make_unique<CallExpr>(callee.range, callee.name, callee.range);
    c->broadcast = accept(TokenKind::Dot);
    int depth = parseCallArgs(*c);
    c->range = rangeFrom(start);
    SourceRange at = c->range;
    e = finish(std::move(c), depth, at);
  }
}

/// call_args ::= '(' [arg {',' arg} [',']] ')'
/// arg       ::= expr | name '=' expr        (keyword arguments after positional ones)
int Parser::parseCallArgs(CallExpr &call) {
  const Token open = advance();
  Nest paren(*this, open, Nesting::Paren);
  int depth = 0;
  while (!peek().is(TokenKind::RParen)) {
    const Token &first = peek();
    Parsed value;
    if (first.is(TokenKind::Identifier) && peekNext().is(TokenKind::Assign)) {
      advance();
      advance();
      value = parseExpr();
      call.kwargs.push_back({text(first), rangeOf(first), std::move(value.expr)});
    } else {
      if (!call.kwargs.empty())
        fail(rangeOf(first), "positional argument after keyword argument");
      value = parseExpr();
      call.args.push_back(std::move(value.expr));
    }
    depth = std::max(depth, value.depth);
    if (!accept(TokenKind::Comma))
      break;
  }
  expectClose(TokenKind::RParen, open);
  return depth;
}

/// index_items ::= index_item [',' index_item]
Parsed Parser::parseIndex(Parsed base) {
  const Token open = advance();
  uint32_t start = base.expr->range.begin.offset;
  auto index = std::make_unique<IndexExpr>(base.expr->range, std::move(base.expr));
  int depth = base.depth;
  {
    Nest bracket(*this, open, Nesting::Paren);
    do {
      if (index->indices.size() == 2)
        fail(rangeOf(peek()), "too many indices (at most 2)");
      Parsed item = parseIndexItem();
      depth = std::max(depth, item.depth);
      index->indices.push_back(std::move(item.expr));
    } while (accept(TokenKind::Comma));
    expectClose(TokenKind::RBracket, open);
  }
  index->range = rangeFrom(start);
  return finish(std::move(index), depth, rangeOf(open));
}

/// index_item ::= ':' | sum [':' sum]
Parsed Parser::parseIndexItem() {
  const Token &t = peek();
  if (t.is(TokenKind::Colon)) {
    const Token &next = peekNext();
    if (!next.is(TokenKind::Comma) && !next.is(TokenKind::RBracket))
      unexpected(t, "expected an index");
    advance();
    return {std::make_unique<RangeExpr>(rangeOf(t), nullptr, nullptr), 0};
  }
  Parsed lo = parseBinary(Level::Sum);
  if (!peek().is(TokenKind::Colon))
    return lo;
  const Token op = advance();
  Parsed hi = parseBinary(Level::Sum);
  int depth = std::max(lo.depth, hi.depth);
  return finish(
      std::make_unique<RangeExpr>(rangeFrom(t.offset), std::move(lo.expr), std::move(hi.expr)),
      depth, rangeOf(op));
}

/// primary ::= number | name | '(' expr ')' | array
Parsed Parser::parsePrimary() {
  const Token &t = peek();
  switch (t.kind) {
  case TokenKind::Number: {
    advance();
    auto n = std::make_unique<NumberExpr>(rangeOf(t));
    n->text = text(t);
    NumberValue v = evaluateNumber(n->text);
    internalCheck(v.status == NumberValue::Status::Ok, "the lexer passed an invalid number");
    n->value = v.value;
    n->isInteger = v.isInteger;
    n->intValue = v.intValue;
    return {std::move(n), 0};
  }
  case TokenKind::Identifier:
    advance();
    return {std::make_unique<IdentExpr>(rangeOf(t), text(t)), 0};
  case TokenKind::LParen: {
    const Token open = advance();
    Parsed inner;
    std::unique_ptr<ArrayExpr> tuple; // `(a, b)`: sema allows it only as a placement bound
    {
      Nest paren(*this, open, Nesting::Paren);
      inner = parseExpr();
      if (peek().is(TokenKind::Comma)) {
        tuple = std::make_unique<ArrayExpr>(rangeOf(open));
        tuple->commaSeparated = tuple->tuple = true;
        tuple->rows.emplace_back().push_back(std::move(inner.expr));
        while (accept(TokenKind::Comma)) {
          Parsed e = parseExpr();
          inner.depth = std::max(inner.depth, e.depth);
          tuple->rows.emplace_back().push_back(std::move(e.expr));
        }
      }
      expectClose(TokenKind::RParen, open);
    }
    inner.depth = checkedDepth(inner.depth + 1, rangeOf(open)); // parentheses are a level
    if (!tuple)
      return inner;
    tuple->range = rangeFrom(open.offset);
    return {std::move(tuple), inner.depth};
  }
  case TokenKind::LBracket:
    return parseArray();
  case TokenKind::Colon:
    fail(rangeOf(t), "':' ranges are only allowed inside an index");
  default:
    unexpected(t, "expected an expression");
  }
}

/// array ::= '[' ']'
///         | '[' expr {',' expr} [','] ']'           a vector: one row per element
///         | '[' row {(';' | newline) row} ']'       a matrix, or a vcat of its rows
/// row   ::= expr {expr}                             elements separated by spaces
/// Newlines right after '[' and right before ']' are ignored.
Parsed Parser::parseArray() {
  const Token open = advance();
  auto array = std::make_unique<ArrayExpr>(rangeOf(open));
  int depth = 0;
  {
    Nest bracket(*this, open, Nesting::Matrix);
    auto element = [&] {
      Parsed e = parseExpr();
      depth = std::max(depth, e.depth);
      return std::move(e.expr);
    };
    skipNewlines();
    if (peek().is(TokenKind::RBracket)) {
      array->commaSeparated = true; // `[]`: the empty vector
    } else {
      std::vector<ExprPtr> row;
      row.push_back(element());
      if (peek().is(TokenKind::Comma)) {
        array->commaSeparated = true;
        array->rows.push_back(std::move(row));
        while (accept(TokenKind::Comma)) {
          skipNewlines();
          if (peek().is(TokenKind::RBracket))
            break; // a trailing comma
          array->rows.emplace_back().push_back(element());
          skipNewlines();
        }
        if (peek().is(TokenKind::Semicolon))
          fail(rangeOf(peek()), "cannot mix ',' and ';' in an array literal");
      } else {
        for (;;) {
          const Token &t = peek();
          if (t.is(TokenKind::Newline) || t.is(TokenKind::Semicolon)) {
            skipSeparators();
            if (peek().is(TokenKind::RBracket))
              break;
            array->rows.push_back(std::move(row));
            row.clear();
          } else if (t.is(TokenKind::Comma)) {
            fail(rangeOf(t), array->rows.empty() ? "cannot mix ',' and spaces in an array literal"
                                                 : "cannot mix ',' and ';' in an array literal");
          } else if (!t.spaceBefore || !startsExpression(t.kind)) {
            break;
          }
          row.push_back(element());
        }
        array->rows.push_back(std::move(row));
      }
    }
    expectClose(TokenKind::RBracket, open);
  }
  array->range = rangeFrom(open.offset);
  SourceRange at = array->range;
  return finish(std::move(array), depth, at);
}

/// type ::= name ['{' expr {',' expr} '}']
TypeExpr Parser::parseType() {
  TypeExpr type;
  const Token name = expectName("expected a type such as 'Real' or 'Vector{3}' after '::'");
  type.name = text(name);
  if (peek().is(TokenKind::LBrace) && !peek().spaceBefore) {
    const Token open = advance();
    Nest brace(*this, open, Nesting::Paren);
    do
      type.dims.push_back(parseExpr().expr);
    while (accept(TokenKind::Comma));
    expectClose(TokenKind::RBrace, open);
  }
  type.range = rangeFrom(name.offset);
  return type;
}

} // namespace odec::detail
