// Tokens of the .node language. A token is a view into its source buffer (byte offset and
// length); its text is read back from the buffer and line/column are computed only when a
// message is printed.
//
// Comments are not tokens. Newlines are: they end statements and separate matrix rows (the
// parser decides where they are ignored). A run of newlines, blank lines and comments
// yields a single Newline token.
#pragma once

#include <cstdint>
#include <string_view>

namespace odec {

// X(kind, spelling): every token kind and how a message names it. Kinds with a fixed
// spelling (keywords, operators, punctuation) are named by that spelling in quotes.
#define ODEC_TOKEN_KINDS(X)                                                                        \
  X(Eof, "end of file")                                                                            \
  X(Newline, "newline")                                                                            \
  X(Identifier, "identifier")                                                                      \
  X(Number, "number")                                                                              \
  X(Error, "invalid token") /* already reported by the lexer */                                    \
  X(KwModel, "'model'")                                                                            \
  X(KwTableau, "'tableau'")                                                                        \
  X(KwInit, "'init'")                                                                              \
  X(KwEnd, "'end'")                                                                                \
  X(KwConst, "'const'")                                                                            \
  X(KwState, "'state'")                                                                            \
  X(KwParam, "'param'")                                                                            \
  X(KwAt, "'at'")                                                                                  \
  X(KwRequire, "'require'")                                                                        \
  X(KwIn, "'in'")                                                                                  \
  X(Semicolon, "';'")                                                                              \
  X(Comma, "','")                                                                                  \
  X(LParen, "'('")                                                                                 \
  X(RParen, "')'")                                                                                 \
  X(LBracket, "'['")                                                                               \
  X(RBracket, "']'")                                                                               \
  X(LBrace, "'{'")                                                                                 \
  X(RBrace, "'}'")                                                                                 \
  X(Plus, "'+'")                                                                                   \
  X(Minus, "'-'")                                                                                  \
  X(Star, "'*'")                                                                                   \
  X(Slash, "'/'")                                                                                  \
  X(SlashSlash, "'//'")                                                                            \
  X(Caret, "'^'")                                                                                  \
  X(DotPlus, "'.+'")                                                                               \
  X(DotMinus, "'.-'")                                                                              \
  X(DotStar, "'.*'")                                                                               \
  X(DotSlash, "'./'")                                                                              \
  X(DotCaret, "'.^'")                                                                              \
  X(Dot, "'.'") /* only directly before '(' : f.(x) */                                             \
  X(Transpose, "'''")                                                                              \
  X(Colon, "':'")                                                                                  \
  X(ColonColon, "'::'")                                                                            \
  X(Assign, "'='")                                                                                 \
  X(Tilde, "'~'")

enum class TokenKind : uint8_t {
#define ODEC_TOKEN_ENUM(kind, spelling) kind,
  ODEC_TOKEN_KINDS(ODEC_TOKEN_ENUM)
#undef ODEC_TOKEN_ENUM
};

/// How messages and the token dump name a kind: "newline", "identifier", "'+'", "'end'".
constexpr const char *tokenKindName(TokenKind k) {
  switch (k) {
#define ODEC_TOKEN_NAME(kind, spelling)                                                            \
  case TokenKind::kind:                                                                            \
    return spelling;
    ODEC_TOKEN_KINDS(ODEC_TOKEN_NAME)
#undef ODEC_TOKEN_NAME
  }
  return "token";
}

struct Token {
  TokenKind kind = TokenKind::Eof;
  uint32_t offset = 0; // byte offset of the first character in the buffer
  uint32_t length = 0; // in bytes
  /// Whitespace or a comment directly precedes the token. Inside `[ ]` this decides
  /// whether `[1 -2]` has two elements, and a call or index must follow its name directly.
  bool spaceBefore = false;

  uint32_t end() const { return offset + length; }
  std::string_view text(std::string_view buffer) const { return buffer.substr(offset, length); }
  bool is(TokenKind k) const { return kind == k; }
};

} // namespace odec
