// The parser's token cursor, error reporting and recovery, and the block and statement
// rules. Expressions are in ParserExpr.cpp.
#include "syntax/Parser.h"
#include "syntax/Lexer.h"
#include "syntax/ParserImpl.h"

namespace odec {

namespace detail {

// ---------------------------------------------------------------------------------------
// Token cursor

const Token &Parser::tok(size_t i) {
  while (i >= toks_.size() && !(toks_.size() && toks_.back().is(TokenKind::Eof)))
    toks_.push_back(lexer_.next());
  return i < toks_.size() ? toks_[i] : toks_.back();
}

const Token &Parser::peek() {
  if (!nesting_.empty() && nesting_.back() == Nesting::Paren)
    while (tok(pos_).is(TokenKind::Newline))
      ++pos_;
  return tok(pos_);
}

const Token &Parser::peekNext() {
  peek(); // skips ignored newlines up to the current token
  size_t i = pos_;
  if (tok(i).is(TokenKind::Eof))
    return tok(i);
  ++i;
  if (!nesting_.empty() && nesting_.back() == Nesting::Paren)
    while (tok(i).is(TokenKind::Newline))
      ++i;
  return tok(i);
}

const Token &Parser::advance() {
  const Token &t = peek();
  if (!t.is(TokenKind::Eof)) {
    ++pos_;
    prevEnd_ = t.end();
  }
  return t;
}

bool Parser::accept(TokenKind k) {
  if (!peek().is(k))
    return false;
  advance();
  return true;
}

void Parser::skipNewlines() {
  while (tok(pos_).is(TokenKind::Newline))
    ++pos_;
}

void Parser::skipSeparators() {
  while (tok(pos_).is(TokenKind::Newline) || tok(pos_).is(TokenKind::Semicolon))
    ++pos_;
}

std::string Parser::describe(const Token &t) const { return describeToken(t, text_); }

std::string Parser::lineCol(const Token &t) const {
  LineCol lc = diags_.sources().lineCol({file_, t.offset});
  return std::to_string(lc.line) + ":" + std::to_string(lc.col);
}

// ---------------------------------------------------------------------------------------
// Errors and recovery

// Two errors at one place are one mistake seen twice (`x = (1` at the end of a file leaves
// both the '(' and the block open): only the first is reported.
void Parser::error(SourceRange at, std::string msg) {
  if (at.begin.offset == lastErrorAt_)
    return;
  lastErrorAt_ = at.begin.offset;
  diags_.error(at, std::move(msg));
}

void Parser::fail(SourceRange at, std::string msg) {
  error(at, std::move(msg));
  abortBrackets_ = nesting_.size();
  throw ParseAbort{};
}

// The end of file right after a lexical error is that error's consequence (an unterminated
// block comment swallows the rest of the file): it is not reported again.
bool Parser::isLexicalCascade(const Token &t) const {
  if (t.is(TokenKind::Error))
    return true;
  return t.is(TokenKind::Eof) && toks_.size() >= 2 && toks_[toks_.size() - 2].is(TokenKind::Error);
}

void Parser::unexpected(const Token &got, const std::string &expected) {
  if (isLexicalCascade(got)) {
    abortBrackets_ = nesting_.size();
    throw ParseAbort{};
  }
  fail(rangeOf(got), expected + ", got " + describe(got));
}

void Parser::expectClose(TokenKind close, const Token &open) {
  const Token &t = peek();
  if (t.is(close)) {
    advance();
    return;
  }
  std::string msg = std::string("expected ") + tokenKindName(close) + " to close " +
                    tokenKindName(open.kind) + " at " + lineCol(open);
  // Inside parentheses newlines are skipped; if one was skipped just before the token that
  // does not fit, the closing bracket most likely belongs at the end of that line. The
  // error points there, and recovery resumes there with the next line.
  bool newlinesIgnored = !nesting_.empty() && nesting_.back() == Nesting::Paren;
  if (newlinesIgnored && tok(pos_ - 1).is(TokenKind::Newline) && !isLexicalCascade(t)) {
    --pos_;
    error(rangeOf(tok(pos_)), msg + ", got newline");
    abortBrackets_ = 0;
    throw ParseAbort{};
  }
  unexpected(t, msg);
}

const Token &Parser::expectName(const std::string &expected) {
  if (!peek().is(TokenKind::Identifier))
    unexpected(peek(), expected);
  return advance();
}

void Parser::expect(TokenKind k, const std::string &expected) {
  if (!accept(k))
    unexpected(peek(), expected);
}

/// stmt_end ::= newline | ';' | (before 'end' or end of file)
void Parser::expectStatementEnd(const char *after) {
  const Token &t = peek();
  if (t.is(TokenKind::Newline) || t.is(TokenKind::Semicolon))
    advance();
  else if (!t.is(TokenKind::KwEnd) && !t.is(TokenKind::Eof))
    unexpected(t, std::string("expected newline or ';' after ") + after);
}

// Skips to the end of the abandoned statement: the next newline or ';' outside the brackets
// that were open, or the next 'end' or block keyword (which never occur inside one).
void Parser::recover() {
  // The Nest guards have unwound: nothing is open any more as far as peek() is concerned.
  internalCheck(nesting_.empty() && depth_ == 0, "parser nesting not unwound");
  long open = long(abortBrackets_);
  for (;; ++pos_) {
    switch (tok(pos_).kind) {
    case TokenKind::Eof:
    case TokenKind::KwEnd:
    case TokenKind::KwModel:
    case TokenKind::KwTableau:
    case TokenKind::KwInit:
      return;
    case TokenKind::Newline:
    case TokenKind::Semicolon:
      if (open <= 0)
        return;
      break;
    case TokenKind::LParen:
    case TokenKind::LBracket:
    case TokenKind::LBrace:
      ++open;
      break;
    case TokenKind::RParen:
    case TokenKind::RBracket:
    case TokenKind::RBrace:
      --open;
      break;
    default:
      break;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Blocks

/// program ::= {separator} {block {separator}} eof
std::unique_ptr<ast::Program> Parser::parseProgram() {
  auto program = std::make_unique<ast::Program>();
  for (;;) {
    skipSeparators();
    const Token &t = peek();
    switch (t.kind) {
    case TokenKind::Eof:
      return program;
    case TokenKind::KwModel:
      parseModel(*program);
      break;
    case TokenKind::KwTableau:
      parseTableau(*program);
      break;
    case TokenKind::KwInit:
      parseInit(*program);
      break;
    default:
      if (!isLexicalCascade(t))
        error(rangeOf(t), "expected a block ('model', 'tableau' or 'init'), got " + describe(t));
      // Whatever this is, it runs up to the next block.
      do
        advance();
      while (!peek().is(TokenKind::Eof) && !peek().is(TokenKind::KwModel) &&
             !peek().is(TokenKind::KwTableau) && !peek().is(TokenKind::KwInit));
    }
  }
}

/// block_header ::= ('model' | 'tableau' | 'init') name stmt_end
std::optional<Token> Parser::parseBlockHeader(const Token &keyword) {
  std::optional<Token> name;
  try {
    name = expectName("expected a name after " + describe(keyword));
    const Token &t = peek();
    if (t.is(TokenKind::Newline) || t.is(TokenKind::Semicolon))
      advance();
    else if (!t.is(TokenKind::Eof))
      unexpected(t, "expected newline after '" + text(keyword) + " " + text(*name) + "'");
  } catch (ParseAbort &) {
    recover(); // the body still parses, so its statements are checked too
  }
  return name;
}

/// block_body ::= {stmt stmt_end | separator} 'end'
template <class Stmt>
void Parser::parseBlockBody(const Token &keyword, Stmt (Parser::*parseStatement)(),
                            std::vector<Stmt> &into) {
  for (;;) {
    skipSeparators();
    const Token &t = peek();
    if (t.is(TokenKind::KwEnd)) {
      advance();
      try {
        expectStatementEnd("'end'");
      } catch (ParseAbort &) {
        recover();
      }
      return;
    }
    if (t.is(TokenKind::Eof) || t.is(TokenKind::KwModel) || t.is(TokenKind::KwTableau) ||
        t.is(TokenKind::KwInit)) {
      if (!isLexicalCascade(t))
        error(rangeOf(t),
              "'end' expected (to close " + describe(keyword) + " at line " +
                  std::to_string(diags_.sources().lineCol({file_, keyword.offset}).line) +
                  ") near " + describe(t));
      return;
    }
    size_t start = pos_;
    try {
      Stmt stmt = (this->*parseStatement)();
      expectStatementEnd("the statement");
      into.push_back(std::move(stmt)); // only whole statements: `x = 1 $` is dropped
    } catch (ParseAbort &) {
      recover();
      if (pos_ == start) // never loop on a token recovery cannot skip
        advance();
    }
  }
}

/// model ::= 'model' name stmt_end {model_stmt stmt_end} 'end'
void Parser::parseModel(ast::Program &p) {
  const Token keyword = advance();
  auto model = std::make_unique<ast::ModelBlock>();
  model->range = rangeOf(keyword);
  if (std::optional<Token> name = parseBlockHeader(keyword)) {
    model->name = text(*name);
    model->nameRange = rangeOf(*name);
  }
  parseBlockBody(keyword, &Parser::parseModelStatement, model->decls);
  p.models.push_back(std::move(model));
}

/// tableau ::= 'tableau' name stmt_end {name '=' expr stmt_end} 'end'
void Parser::parseTableau(ast::Program &p) {
  const Token keyword = advance();
  auto tableau = std::make_unique<ast::TableauBlock>();
  tableau->range = rangeOf(keyword);
  if (std::optional<Token> name = parseBlockHeader(keyword)) {
    tableau->name = text(*name);
    tableau->nameRange = rangeOf(*name);
  }
  parseBlockBody(keyword, &Parser::parseTableauStatement, tableau->fields);
  p.tableaux.push_back(std::move(tableau));
}

/// init ::= 'init' name stmt_end {init_stmt stmt_end} 'end'
void Parser::parseInit(ast::Program &p) {
  const Token keyword = advance();
  auto init = std::make_unique<ast::InitBlock>();
  init->range = rangeOf(keyword);
  if (std::optional<Token> name = parseBlockHeader(keyword)) {
    init->model = text(*name);
    init->nameRange = rangeOf(*name);
  }
  parseBlockBody(keyword, &Parser::parseInitStatement, init->stmts);
  p.inits.push_back(std::move(init));
}

// ---------------------------------------------------------------------------------------
// Statements

/// model_stmt ::= 'const' name '=' expr
///              | 'state' name '::' type
///              | 'param' name '::' type '~' prior
///              | 'ddt' '(' name ')' '=' expr
///              | 'input' name '::' type '~' interpolation
///              | 'output' name '=' expr
///              | name '=' expr
/// `input` and `output` are keywords only where a name follows them, so models that name a
/// local `input` or `output` stay valid.
ast::DeclPtr Parser::parseModelStatement() {
  const Token first = peek();
  auto named = [&](auto decl, const Token &name) {
    decl->name = text(name);
    decl->nameRange = rangeOf(name);
    return decl;
  };
  auto finishDecl = [&](auto decl) -> ast::DeclPtr {
    decl->range = rangeFrom(first.offset);
    return decl;
  };
  switch (first.kind) {
  case TokenKind::KwConst: {
    advance();
    auto decl =
        named(std::make_unique<ast::ConstDecl>(), expectName("expected a name after 'const'"));
    expect(TokenKind::Assign, "expected '=' after '" + decl->name + "'");
    skipNewlines();
    decl->value = parseExpr().expr;
    return finishDecl(std::move(decl));
  }
  case TokenKind::KwState: {
    advance();
    auto decl =
        named(std::make_unique<ast::StateDecl>(), expectName("expected a name after 'state'"));
    expect(TokenKind::ColonColon, "expected '::' and a type after '" + decl->name + "'");
    decl->type = parseType();
    return finishDecl(std::move(decl));
  }
  case TokenKind::KwParam: {
    advance();
    auto decl =
        named(std::make_unique<ast::ParamDecl>(), expectName("expected a name after 'param'"));
    expect(TokenKind::ColonColon, "expected '::' and a type after '" + decl->name + "'");
    decl->type = parseType();
    decl->prior = parsePrior(decl->name);
    return finishDecl(std::move(decl));
  }
  case TokenKind::Identifier:
    if (text(first) == "input" && peekNext().is(TokenKind::Identifier)) {
      advance();
      auto decl =
          named(std::make_unique<ast::InputDecl>(), expectName("expected a name after 'input'"));
      expect(TokenKind::ColonColon, "expected '::' and a type after '" + decl->name + "'");
      decl->type = parseType();
      if (peek().is(TokenKind::Tilde)) {
        advance();
        decl->interpolation = parseTildeCall("an", "interpolation", "Linear()");
      }
      return finishDecl(std::move(decl));
    }
    if (text(first) == "output" && peekNext().is(TokenKind::Identifier)) {
      advance();
      auto decl =
          named(std::make_unique<ast::OutputDecl>(), expectName("expected a name after 'output'"));
      expect(TokenKind::Assign, "expected '=' after 'output " + decl->name + "'");
      skipNewlines();
      decl->value = parseExpr().expr;
      return finishDecl(std::move(decl));
    }
    if (text(first) == "ddt" && peekNext().is(TokenKind::LParen) && !peekNext().spaceBefore) {
      advance();
      const Token open = advance();
      std::unique_ptr<ast::DdtDecl> decl;
      {
        Nest paren(*this, open, Nesting::Paren);
        decl = named(std::make_unique<ast::DdtDecl>(),
                     expectName("expected a state name in 'ddt(...)'"));
        expectClose(TokenKind::RParen, open);
      }
      expect(TokenKind::Assign, "expected '=' after 'ddt(" + decl->name + ")'");
      skipNewlines();
      decl->value = parseExpr().expr;
      return finishDecl(std::move(decl));
    } else {
      auto decl = named(std::make_unique<ast::LetDecl>(), advance());
      expect(TokenKind::Assign, "expected '=' after '" + decl->name + "'");
      skipNewlines();
      decl->value = parseExpr().expr;
      return finishDecl(std::move(decl));
    }
  default:
    unexpected(first, "expected a model statement ('const', 'state', 'param', 'input', "
                      "'output', 'ddt(x) = ...' or 'name = ...')");
  }
}

/// prior ::= '~' name call_args
std::unique_ptr<ast::CallExpr> Parser::parsePrior(const std::string &param) {
  expect(TokenKind::Tilde, "expected a prior for parameter '" + param + "', e.g. '~ Normal(0, 1)'");
  return parseTildeCall("a", "prior", "Normal(0, 1)");
}

/// The call after '~': a parameter's prior, an input's interpolation.
std::unique_ptr<ast::CallExpr> Parser::parseTildeCall(const char *article, const char *what,
                                                      const char *example) {
  const std::string kind = what;
  const Token name =
      expectName(std::string("expected ") + article + " " + kind + " such as '" + example +
                 "' after '~'");
  if (!peek().is(TokenKind::LParen) || peek().spaceBefore)
    unexpected(peek(), "expected '(' after " + kind + " '" + text(name) + "' (" + article + " " +
                           kind + " is a call, e.g. '" + text(name) + "()')");
  auto call = std::make_unique<ast::CallExpr>(rangeOf(name), text(name), rangeOf(name));
  parseCallArgs(*call);
  call->range = rangeFrom(name.offset);
  return call;
}

/// tableau_stmt ::= name '=' expr
ast::TableauField Parser::parseTableauStatement() {
  ast::TableauField field;
  const Token name = expectName("expected a tableau entry such as 'c = [0, 1]'");
  field.name = text(name);
  field.nameRange = rangeOf(name);
  expect(TokenKind::Assign, "expected '=' after '" + field.name + "'");
  skipNewlines();
  field.value = parseExpr().expr;
  return field;
}

/// init_stmt ::= name '=' expr | 'at' name '=' expr | 'require' expr_in
ast::InitStmt Parser::parseInitStatement() {
  ast::InitStmt stmt;
  const Token first = peek();
  if (accept(TokenKind::KwRequire)) {
    stmt.kind = ast::InitStmt::Kind::Require;
    stmt.nameRange = rangeOf(first);
    stmt.value = parseExpr(/*allowIn=*/true).expr;
  } else {
    stmt.kind = ast::InitStmt::Kind::Assign;
    if (accept(TokenKind::KwAt)) {
      stmt.kind = ast::InitStmt::Kind::At;
      const Token name = expectName("expected a state name after 'at'");
      stmt.name = text(name);
      stmt.nameRange = rangeOf(name);
    } else if (first.is(TokenKind::Identifier)) {
      stmt.name = text(advance());
      stmt.nameRange = rangeOf(first);
    } else {
      unexpected(first, "expected an init statement ('name = value', 'at state = value' or "
                        "'require ...')");
    }
    expect(TokenKind::Assign, "expected '=' after '" + stmt.name + "'");
    skipNewlines();
    stmt.value = parseExpr().expr;
  }
  stmt.range = rangeFrom(first.offset);
  return stmt;
}

} // namespace detail

std::unique_ptr<ast::Program> parseProgram(const SourceManager &sm, uint32_t file,
                                           DiagnosticEngine &diags) {
  return detail::Parser(sm, file, diags).parseProgram();
}

} // namespace odec
