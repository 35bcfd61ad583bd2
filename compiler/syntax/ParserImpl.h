// Internal to the parser: the Parser class shared by Parser.cpp (token cursor, errors and
// recovery, blocks and statements) and ParserExpr.cpp (expressions). Not part of the
// syntax module's interface; use parseProgram (Parser.h).
#pragma once

#include "syntax/AST.h"
#include "syntax/Diagnostics.h"
#include "syntax/Lexer.h"
#include "syntax/Token.h"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace odec::detail {

/// Thrown after an error has been reported (or found already reported by the lexer): the
/// statement being parsed is abandoned and the parser resynchronizes.
struct ParseAbort {};

/// An expression and its depth (levels of nesting, see kMaxExpressionDepth). Leaves have
/// depth 0; parentheses count a level though they leave no node.
struct Parsed {
  ast::ExprPtr expr;
  int depth = 0;
};

/// How newlines read inside the innermost open bracket.
enum class Nesting {
  Paren,  // `( )`, `{ }`, an index `x[ ]`: newlines are whitespace
  Matrix, // an array literal `[ ]`: newlines separate rows, spaces separate elements
};

class Parser {
public:
  Parser(const SourceManager &sm, uint32_t file, DiagnosticEngine &diags)
      : text_(sm.text(file)), file_(file), lexer_(sm, file, diags), diags_(diags) {}

  std::unique_ptr<ast::Program> parseProgram();

private:
  // ---- token cursor
  /// Token i of the buffer, lexed when first needed; past the end, Eof.
  const Token &tok(size_t i);
  /// The next significant token: inside `( )` newlines are skipped.
  const Token &peek();
  /// The significant token after peek().
  const Token &peekNext();
  const Token &advance();
  bool accept(TokenKind k);
  /// Skips newlines where they cannot end anything (after an operator, '=' or ',').
  void skipNewlines();
  /// Skips statement separators: newlines and ';'.
  void skipSeparators();
  std::string text(const Token &t) const { return std::string(t.text(text_)); }
  std::string describe(const Token &t) const;
  SourceRange rangeOf(const Token &t) const { return {{file_, t.offset}, t.length}; }
  /// From `start` to the end of the last token consumed.
  SourceRange rangeFrom(uint32_t start) const { return {{file_, start}, prevEnd_ - start}; }
  std::string lineCol(const Token &t) const;

  // ---- errors and recovery (Parser.cpp)
  void error(SourceRange at, std::string msg);
  [[noreturn]] void fail(SourceRange at, std::string msg);
  /// `<expected>, got <token>`; silent when the token is a lexical error already reported.
  [[noreturn]] void unexpected(const Token &got, const std::string &expected);
  /// Consumes the closing bracket of `open`, or reports what is missing.
  void expectClose(TokenKind close, const Token &open);
  const Token &expectName(const std::string &expected);
  void expect(TokenKind k, const std::string &expected);
  /// After a statement (or a block's 'end'): a newline or ';', or nothing before 'end'.
  void expectStatementEnd(const char *after);
  /// Skips what is left of an abandoned statement.
  void recover();
  bool isLexicalCascade(const Token &t) const;

  // ---- blocks and statements (Parser.cpp)
  void parseModel(ast::Program &p);
  void parseTableau(ast::Program &p);
  void parseInit(ast::Program &p);
  /// Parses `name` and the end of the header line; returns the name token, if any.
  std::optional<Token> parseBlockHeader(const Token &keyword);
  /// Parses statements up to the block's 'end' into `into`; a statement with an error is
  /// left out.
  template <class Stmt>
  void parseBlockBody(const Token &keyword, Stmt (Parser::*parseStatement)(),
                      std::vector<Stmt> &into);
  ast::DeclPtr parseModelStatement();
  ast::TableauField parseTableauStatement();
  ast::InitStmt parseInitStatement();
  std::unique_ptr<ast::CallExpr> parsePrior(const std::string &param);
  std::unique_ptr<ast::CallExpr> parseTildeCall(const char *article, const char *what,
                                                const char *example);

  // ---- expressions (ParserExpr.cpp)
  Parsed parseExpr(bool allowIn = false);
  ast::TypeExpr parseType();
  enum class Level { Sum, Term };
  static std::optional<ast::BinaryOp> binaryOp(TokenKind k, Level level);
  Parsed parseBinary(Level level);
  Parsed parseUnary();
  Parsed parsePower();
  Parsed parsePostfix();
  Parsed parsePrimary();
  Parsed parseArray();
  Parsed parseIndex(Parsed base);
  Parsed parseIndexItem();
  /// Parses `( args )` into `call`; returns the deepest argument's depth.
  int parseCallArgs(ast::CallExpr &call);
  /// A new node over children at most childDepth deep, checked against the depth limit.
  Parsed finish(ast::ExprPtr e, int childDepth, SourceRange at);
  int checkedDepth(int depth, SourceRange at);
  bool endsMatrixElement(const Token &t);

  /// Opens a nesting level for its lifetime: bounds the recursion depth and, for brackets,
  /// sets how newlines read inside them.
  class Nest {
  public:
    Nest(Parser &p, const Token &at, std::optional<Nesting> mode);
    ~Nest();
    Nest(const Nest &) = delete;
    Nest &operator=(const Nest &) = delete;

  private:
    Parser &p_;
    bool pushed_;
  };

  std::string_view text_;
  uint32_t file_;
  Lexer lexer_;
  std::deque<Token> toks_; // a deque: references to tokens stay valid as it grows
  DiagnosticEngine &diags_;
  size_t pos_ = 0;
  uint32_t prevEnd_ = 0;
  std::vector<Nesting> nesting_;
  int depth_ = 0; // open levels (Nest) while parsing an expression
  /// Open brackets when the statement was abandoned: recovery skips to their close.
  size_t abortBrackets_ = 0;
  uint32_t lastErrorAt_ = UINT32_MAX; // offset of the last error reported
};

} // namespace odec::detail
