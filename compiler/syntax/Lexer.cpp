#include "syntax/Lexer.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace odec {

namespace {

bool isDigit(int c) { return c >= '0' && c <= '9'; }
bool isAsciiLetter(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/// Length of the well-formed UTF-8 multi-byte sequence at s[i], or 0 if the bytes there are
/// not one (stray continuation, overlong form, surrogate, beyond U+10FFFF, truncated).
size_t utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
  unsigned b0 = byte(i);
  size_t len;
  unsigned lo = 0x80, hi = 0xBF; // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF)
    len = 2;
  else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0)
      lo = 0xA0; // overlong
    if (b0 == 0xED)
      hi = 0x9F; // UTF-16 surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0)
      lo = 0x90; // overlong
    if (b0 == 0xF4)
      hi = 0x8F; // beyond U+10FFFF
  } else
    return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi)
    return 0;
  for (size_t k = 2; k < len; ++k)
    if ((byte(i + k) & 0xC0) != 0x80)
      return 0;
  return len;
}

struct Keyword {
  std::string_view text;
  TokenKind kind;
};
constexpr Keyword kKeywords[] = {
    {"model", TokenKind::KwModel},     {"tableau", TokenKind::KwTableau},
    {"init", TokenKind::KwInit},       {"end", TokenKind::KwEnd},
    {"const", TokenKind::KwConst},     {"state", TokenKind::KwState},
    {"param", TokenKind::KwParam},     {"at", TokenKind::KwAt},
    {"require", TokenKind::KwRequire}, {"in", TokenKind::KwIn},
};

} // namespace

Lexer::Lexer(const SourceManager &sm, uint32_t file, DiagnosticEngine &diags)
    : src_(sm.text(file)), file_(file), diags_(diags) {
  internalCheck(src_.size() < std::numeric_limits<uint32_t>::max(),
                "source buffer too large for 32-bit offsets");
  // Eof sits right after the last non-blank character, so that "near end of file" errors
  // show the last line of the file rather than an empty one.
  size_t end = src_.size();
  while (end > 0 && (src_[end - 1] == ' ' || src_[end - 1] == '\t' || src_[end - 1] == '\r' ||
                     src_[end - 1] == '\n'))
    --end;
  eofOffset_ = uint32_t(end);
}

Token Lexer::next() {
  while (!token_) {
    if (pos_ >= src_.size())
      return {TokenKind::Eof, eofOffset_, 0, true};
    int c = at(pos_);
    if (c == ' ' || c == '\t' || c == '\r') {
      ++pos_;
      space_ = true;
    } else if (c == '\n')
      lexNewline();
    else if (c == '#')
      lexComment();
    else if (identCharLength(pos_, true))
      lexIdentifier();
    else if (isDigit(c) || (c == '.' && isDigit(at(pos_ + 1))))
      lexNumber();
    else if (c >= 0x80)
      lexInvalidBytes();
    else
      lexPunctuation();
  }
  Token t = *token_;
  token_.reset();
  return t;
}

int Lexer::at(size_t i) const { return i < src_.size() ? static_cast<unsigned char>(src_[i]) : -1; }

size_t Lexer::identCharLength(size_t i, bool first) const {
  int c = at(i);
  if (isAsciiLetter(c) || c == '_')
    return 1;
  if (!first && (isDigit(c) || c == '!'))
    return 1;
  return c >= 0x80 ? utf8SequenceLength(src_, i) : 0;
}

void Lexer::emit(TokenKind kind, size_t start, size_t length) {
  token_ = Token{kind, uint32_t(start), uint32_t(length), space_};
  last_ = kind;
  space_ = false;
}

void Lexer::push(TokenKind kind, size_t start) { emit(kind, start, pos_ - start); }

void Lexer::error(size_t start, size_t length, std::string msg) {
  diags_.error(SourceRange{{file_, uint32_t(start)}, uint32_t(length)}, std::move(msg));
}

void Lexer::errorToken(size_t start, std::string msg) {
  error(start, pos_ - start, std::move(msg));
  push(TokenKind::Error, start);
}

// Newline tokens are collapsed: blank lines and comment lines add nothing.
void Lexer::lexNewline() {
  size_t start = pos_ > 0 && src_[pos_ - 1] == '\r' ? pos_ - 1 : pos_; // point before a CR
  ++pos_;
  if (last_ != TokenKind::Newline) // also at the start of the file, where last_ starts
    emit(TokenKind::Newline, start, pos_ - start);
  space_ = true;
}

void Lexer::lexComment() {
  size_t start = pos_;
  space_ = true;
  if (at(pos_ + 1) != '=') { // line comment: up to, not including, the newline
    while (pos_ < src_.size() && src_[pos_] != '\n')
      ++pos_;
    return;
  }
  pos_ += 2;
  for (int depth = 1; depth > 0;) {
    if (pos_ >= src_.size()) {
      // The error points at the opening `#=`, not at the rest of the file.
      error(start, 2, "unterminated block comment");
      emit(TokenKind::Error, start, 2);
      return;
    }
    if (at(pos_) == '#' && at(pos_ + 1) == '=') {
      ++depth;
      pos_ += 2;
    } else if (at(pos_) == '=' && at(pos_ + 1) == '#') {
      --depth;
      pos_ += 2;
    } else
      ++pos_;
  }
}

void Lexer::lexIdentifier() {
  size_t start = pos_;
  pos_ += identCharLength(pos_, true);
  while (size_t n = identCharLength(pos_, false))
    pos_ += n;
  std::string_view text = src_.substr(start, pos_ - start);
  for (const Keyword &k : kKeywords)
    if (k.text == text)
      return push(k.kind, start);
  push(TokenKind::Identifier, start);
}

void Lexer::scanDigits() {
  while (isDigit(at(pos_)) || (at(pos_) == '_' && isDigit(at(pos_ - 1)) && isDigit(at(pos_ + 1))))
    ++pos_;
}

// number ::= (digits ['.' [digits]] | '.' digits) [('e'|'E') ['+'|'-'] digits]
void Lexer::lexNumber() {
  size_t start = pos_;
  scanDigits();
  if (at(pos_) == '.') {
    int next = at(pos_ + 1);
    bool dotStartsOperator =
        next == '+' || next == '-' || next == '*' || next == '/' || next == '^';
    if (!dotStartsOperator) { // `1.5`, `.5`, `1.`; but `1.+x` is `1 .+ x`
      ++pos_;
      scanDigits();
    }
  }
  int e = at(pos_);
  if ((e == 'e' || e == 'E') &&
      (isDigit(at(pos_ + 1)) ||
       ((at(pos_ + 1) == '+' || at(pos_ + 1) == '-') && isDigit(at(pos_ + 2))))) {
    pos_ += 2;
    scanDigits();
  }
  // `2x`, `1_`, `0x1F`, `1.5f`: letters glued to a number are not juxtaposition here.
  if (identCharLength(pos_, false)) {
    while (size_t n = identCharLength(pos_, false))
      pos_ += n;
    return errorToken(start, "invalid number literal '" +
                                 std::string(src_.substr(start, pos_ - start)) + "'");
  }
  std::string_view text = src_.substr(start, pos_ - start);
  switch (evaluateNumber(text).status) {
  case NumberValue::Status::Ok:
    return push(TokenKind::Number, start);
  case NumberValue::Status::IntegerTooLarge:
    return errorToken(start, "integer literal '" + std::string(text) +
                                 "' is too large (the largest is 9223372036854775807)");
  case NumberValue::Status::OutOfRange:
    return errorToken(start, "number '" + std::string(text) + "' is out of range");
  }
}

// One error for a run of bytes that are not well-formed UTF-8.
void Lexer::lexInvalidBytes() {
  size_t start = pos_;
  while (at(pos_) >= 0x80 && utf8SequenceLength(src_, pos_) == 0)
    ++pos_;
  char msg[64];
  std::snprintf(msg, sizeof msg, "invalid UTF-8 byte 0x%02x", at(start));
  errorToken(start, msg);
}

void Lexer::lexPunctuation() {
  size_t start = pos_;
  int c = at(pos_++);
  auto single = [&](TokenKind k) { push(k, start); };
  switch (c) {
  case '(':
    return single(TokenKind::LParen);
  case ')':
    return single(TokenKind::RParen);
  case '[':
    return single(TokenKind::LBracket);
  case ']':
    return single(TokenKind::RBracket);
  case '{':
    return single(TokenKind::LBrace);
  case '}':
    return single(TokenKind::RBrace);
  case ',':
    return single(TokenKind::Comma);
  case ';':
    return single(TokenKind::Semicolon);
  case '~':
    return single(TokenKind::Tilde);
  case '=':
    return single(TokenKind::Assign);
  case '+':
    return single(TokenKind::Plus);
  case '-':
    return single(TokenKind::Minus);
  case '*':
    return single(TokenKind::Star);
  case '^':
    return single(TokenKind::Caret);
  case '/':
    if (at(pos_) == '/') {
      ++pos_;
      return single(TokenKind::SlashSlash);
    }
    return single(TokenKind::Slash);
  case ':':
    if (at(pos_) == ':') {
      ++pos_;
      return single(TokenKind::ColonColon);
    }
    return single(TokenKind::Colon);
  case '.': {
    TokenKind k;
    switch (at(pos_)) {
    case '+':
      k = TokenKind::DotPlus;
      break;
    case '-':
      k = TokenKind::DotMinus;
      break;
    case '*':
      k = TokenKind::DotStar;
      break;
    case '/':
      k = TokenKind::DotSlash;
      break;
    case '^':
      k = TokenKind::DotCaret;
      break;
    case '(':
      return single(TokenKind::Dot); // f.(x): the parser takes the '(' next
    default:
      return errorToken(start, "unexpected character '.'");
    }
    ++pos_;
    return single(k);
  }
  case '\'': {
    bool afterOperand = !space_ && (last_ == TokenKind::Identifier || last_ == TokenKind::Number ||
                                    last_ == TokenKind::RParen || last_ == TokenKind::RBracket ||
                                    last_ == TokenKind::Transpose);
    if (afterOperand)
      return single(TokenKind::Transpose);
    return errorToken(start, "unexpected ''' (a transpose must directly follow its operand)");
  }
  default:
    break;
  }
  char msg[64];
  if (c >= 0x20 && c < 0x7F)
    std::snprintf(msg, sizeof msg, "unexpected character '%c'", c);
  else
    std::snprintf(msg, sizeof msg, "unexpected character '\\x%02x'", c);
  errorToken(start, msg);
}

std::vector<Token> lex(const SourceManager &sm, uint32_t file, DiagnosticEngine &diags) {
  Lexer lexer(sm, file, diags);
  std::vector<Token> tokens;
  do
    tokens.push_back(lexer.next());
  while (!tokens.back().is(TokenKind::Eof));
  return tokens;
}

NumberValue evaluateNumber(std::string_view text) {
  std::string digits;
  digits.reserve(text.size());
  bool isInteger = true;
  for (char c : text) {
    if (c == '_')
      continue;
    if (c == '.' || c == 'e' || c == 'E')
      isInteger = false;
    digits += c;
  }
  // from_chars does not accept a leading '.' (".5"); a leading zero changes nothing.
  if (!digits.empty() && digits[0] == '.')
    digits.insert(digits.begin(), '0');
  const char *first = digits.data(), *last = digits.data() + digits.size();
  NumberValue v;
  v.isInteger = isInteger;
  if (isInteger) {
    auto [ptr, ec] = std::from_chars(first, last, v.intValue);
    if (ec != std::errc() || ptr != last) {
      v.status = NumberValue::Status::IntegerTooLarge;
      return v;
    }
    v.value = double(v.intValue);
    return v;
  }
  auto [ptr, ec] = std::from_chars(first, last, v.value);
  if (ec != std::errc() || ptr != last || !std::isfinite(v.value))
    v.status = NumberValue::Status::OutOfRange;
  return v;
}

std::string describeToken(const Token &t, std::string_view buffer) {
  if (!t.is(TokenKind::Identifier) && !t.is(TokenKind::Number))
    return tokenKindName(t.kind);
  // Long names are cut (at a character boundary) to keep messages on one line.
  constexpr size_t kMaxShown = 32;
  std::string_view text = t.text(buffer);
  // Quoted by appending, not `"'" + std::string(...)`: GCC 12 warns falsely on the latter
  // (-Wrestrict, GCC bug 105329).
  std::string quoted = "'";
  if (text.size() <= kMaxShown)
    return quoted.append(text).append("'");
  size_t cut = kMaxShown;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;
  return quoted.append(text.substr(0, cut)).append("...'");
}

std::string dumpTokens(const SourceManager &sm, uint32_t file, const std::vector<Token> &tokens) {
  std::string out;
  std::string_view buffer = sm.text(file);
  for (const Token &t : tokens) {
    LineCol lc = sm.lineCol({file, t.offset});
    out.append(std::to_string(lc.line)).append(":").append(std::to_string(lc.col)).append(" ");
    out.append(tokenKindName(t.kind));
    if (t.is(TokenKind::Identifier) || t.is(TokenKind::Number) || t.is(TokenKind::Error))
      out.append(" ").append(t.text(buffer));
    out += "\n";
  }
  return out;
}

} // namespace odec
