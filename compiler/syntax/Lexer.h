// The lexer: splits one source buffer into tokens (Token.h).
//
// Lexical rules (grammar/odec.ebnf has them in full):
//   - `#` starts a line comment; `#= ... =#` is a block comment and nests, as in Julia.
//   - Identifiers are ASCII letters, `_`, digits and `!` (not first), and any well-formed
//     multi-byte UTF-8 character (θ, λ, ẋ). Malformed UTF-8 is an error.
//   - Numbers: `1`, `0.5`, `.5`, `1.`, `1e-3`, `2.5E+4`, `1_000` (an underscore only between
//     digits). `1.+x` is the integer 1 followed by `.+`: a dot directly before an operator
//     character belongs to the operator.
//   - `'` is the transpose operator only directly after an operand (`x'`, `f(x)'`, `A''`).
//   - CR LF line endings, NUL bytes and a missing final newline are all handled; the lexer
//     never reads outside the buffer.
//
// Errors are reported to the DiagnosticEngine as they are found; each leaves an Error token
// in the stream so the parser can abandon the statement without reporting it again.
#pragma once

#include "syntax/Diagnostics.h"
#include "syntax/SourceManager.h"
#include "syntax/Token.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace odec {

/// Tokens of one buffer, on demand. The parser pulls them one at a time, so lexical and
/// syntax errors are reported in source order.
class Lexer {
public:
  Lexer(const SourceManager &sm, uint32_t file, DiagnosticEngine &diags);

  /// The next token. At the end: Eof, placed just after the last non-blank character (so
  /// "near end of file" points at the last line), and Eof again on every later call.
  Token next();

private:
  /// The byte at i, or -1 past the end: comparisons against characters then simply fail.
  int at(size_t i) const;
  /// Length of the identifier character at i (1 for ASCII, the UTF-8 sequence length
  /// otherwise), or 0 if none starts there.
  size_t identCharLength(size_t i, bool first) const;

  void emit(TokenKind kind, size_t start, size_t length);
  /// Emits the token [start, pos_).
  void push(TokenKind kind, size_t start);
  void error(size_t start, size_t length, std::string msg);
  /// Reports an error covering [start, pos_) and emits an Error token there.
  void errorToken(size_t start, std::string msg);

  void lexNewline();
  void lexComment();
  void lexIdentifier();
  void lexNumber();
  void lexInvalidBytes();
  void lexPunctuation();
  void scanDigits();

  std::string_view src_;
  uint32_t file_;
  DiagnosticEngine &diags_;
  uint32_t eofOffset_ = 0;
  size_t pos_ = 0;
  bool space_ = false;                  // whitespace or a comment since the last token
  TokenKind last_ = TokenKind::Newline; // the last token emitted; no newline at the start
  std::optional<Token> token_;          // emitted by the lex* function just run
};

/// Tokenizes a whole buffer: every token up to and including Eof.
std::vector<Token> lex(const SourceManager &sm, uint32_t file, DiagnosticEngine &diags);

/// The value of a number literal's text as the lexer accepted it (underscores allowed).
struct NumberValue {
  enum class Status { Ok, IntegerTooLarge, OutOfRange } status = Status::Ok;
  double value = 0;
  bool isInteger = false; // written without '.' or exponent
  int64_t intValue = 0;   // when isInteger and Ok
};
NumberValue evaluateNumber(std::string_view text);

/// How a message names a token: `'x'`, `'1e-3'`, `'+'`, `newline`, `end of file`.
std::string describeToken(const Token &t, std::string_view buffer);

/// One line per token, `line:col kind [text]`, for `odec check --emit=tokens`.
std::string dumpTokens(const SourceManager &sm, uint32_t file, const std::vector<Token> &tokens);

} // namespace odec
