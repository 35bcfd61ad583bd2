// The lexer: token streams for tricky inputs (dots, transposes, numbers, Unicode, comments,
// line endings) and its error messages.
#include "SyntaxTestUtil.h"

#include <gtest/gtest.h>

#include <cmath>

namespace odec::test {
namespace {

std::string lexStr(const std::string &text) { return LexResult(text).str(); }

TEST(Lexer, EmptyAndBlankInputsGiveOnlyEof) {
  for (const char *text : {"", "\n", "   \n\t\n", "# only a comment", "#= block =#"}) {
    LexResult r(text);
    EXPECT_EQ(r.kinds(), std::vector<TokenKind>{TokenKind::Eof}) << text;
    EXPECT_FALSE(r.diags.hasErrors()) << text;
  }
}

TEST(Lexer, KeywordsAndPunctuation) {
  LexResult r("model tableau init end const state param at require in ; , ( ) [ ] { } :: : ~ =");
  std::vector<TokenKind> expected = {
      TokenKind::KwModel,   TokenKind::KwTableau, TokenKind::KwInit,     TokenKind::KwEnd,
      TokenKind::KwConst,   TokenKind::KwState,   TokenKind::KwParam,    TokenKind::KwAt,
      TokenKind::KwRequire, TokenKind::KwIn,      TokenKind::Semicolon,  TokenKind::Comma,
      TokenKind::LParen,    TokenKind::RParen,    TokenKind::LBracket,   TokenKind::RBracket,
      TokenKind::LBrace,    TokenKind::RBrace,    TokenKind::ColonColon, TokenKind::Colon,
      TokenKind::Tilde,     TokenKind::Assign,    TokenKind::Eof};
  EXPECT_EQ(r.kinds(), expected);
  // Keywords are whole words only.
  EXPECT_EQ(LexResult("models ending inx").kinds(),
            (std::vector<TokenKind>{TokenKind::Identifier, TokenKind::Identifier,
                                    TokenKind::Identifier, TokenKind::Eof}));
}

TEST(Lexer, Operators) {
  LexResult r("+ - * / // ^ .+ .- .* ./ .^");
  std::vector<TokenKind> expected = {TokenKind::Plus,     TokenKind::Minus,      TokenKind::Star,
                                     TokenKind::Slash,    TokenKind::SlashSlash, TokenKind::Caret,
                                     TokenKind::DotPlus,  TokenKind::DotMinus,   TokenKind::DotStar,
                                     TokenKind::DotSlash, TokenKind::DotCaret,   TokenKind::Eof};
  EXPECT_EQ(r.kinds(), expected);
}

TEST(Lexer, DotAfterIntegerBelongsToTheOperator) {
  // `1.+x` is `1 .+ x` (Julia): the integer 1, then a dot operator.
  LexResult r("1.+x");
  EXPECT_EQ(r.kinds(), (std::vector<TokenKind>{TokenKind::Number, TokenKind::DotPlus,
                                               TokenKind::Identifier, TokenKind::Eof}));
  EXPECT_EQ(r.str(), "1 .+ x");
  EXPECT_EQ(lexStr("2.*x 3./y 4.^z 5.-w"), "2 .* x 3 ./ y 4 .^ z 5 .- w");
  EXPECT_EQ(lexStr("1.5.*x"), "1.5 .* x");
  // Otherwise the dot is part of the number.
  EXPECT_EQ(lexStr("1. + x"), "1. + x");
  EXPECT_EQ(lexStr("1.e3 .5 0.25"), "1.e3 .5 0.25");
}

TEST(Lexer, BroadcastCallDot) {
  LexResult r("tanh.(x)");
  EXPECT_EQ(r.kinds(),
            (std::vector<TokenKind>{TokenKind::Identifier, TokenKind::Dot, TokenKind::LParen,
                                    TokenKind::Identifier, TokenKind::RParen, TokenKind::Eof}));
  EXPECT_EQ(lexStr("x.^2 a./b"), "x .^ 2 a ./ b");
}

TEST(Lexer, TransposeFollowsItsOperandDirectly) {
  LexResult r("x' A'' f(x)' [1 2]' 2'");
  EXPECT_EQ(r.str(), "x ' A ' ' f ( x ) ' [ 1 2 ] ' 2 '");
  EXPECT_FALSE(r.diags.hasErrors());
  EXPECT_EQ(r.tokens[1].kind, TokenKind::Transpose);
  // After a space or an operator there is nothing for it to transpose.
  for (const char *text : {"x '", "'x", "a + 'b", "(')"}) {
    LexResult bad(text);
    ASSERT_EQ(bad.diags.errorCount(), 1) << text;
    EXPECT_EQ(bad.diags.diagnostics()[0].message,
              "unexpected ''' (a transpose must directly follow its operand)");
  }
}

TEST(Lexer, NumberValues) {
  struct Case {
    const char *text;
    double value;
    bool isInteger;
  };
  for (Case c : {Case{"1", 1, true}, Case{"0.5", 0.5, false}, Case{".5", 0.5, false},
                 Case{"1.", 1, false}, Case{"1e-3", 1e-3, false}, Case{"2.5E+4", 25000, false},
                 Case{"1_000", 1000, true}, Case{"1_000.000_1", 1000.0001, false},
                 Case{"9223372036854775807", 9223372036854775807.0, true}}) {
    LexResult r(c.text);
    ASSERT_EQ(r.kinds(), (std::vector<TokenKind>{TokenKind::Number, TokenKind::Eof})) << c.text;
    NumberValue v = evaluateNumber(c.text);
    EXPECT_EQ(v.status, NumberValue::Status::Ok) << c.text;
    EXPECT_DOUBLE_EQ(v.value, c.value) << c.text;
    EXPECT_EQ(v.isInteger, c.isInteger) << c.text;
  }
  EXPECT_EQ(evaluateNumber("10_000").intValue, 10000);
  EXPECT_EQ(evaluateNumber("9223372036854775807").intValue, INT64_MAX);
}

TEST(Lexer, NumberErrors) {
  struct Case {
    const char *text;
    const char *message;
  };
  for (Case c : {
           Case{"9223372036854775808",
                "integer literal '9223372036854775808' is too large (the largest is "
                "9223372036854775807)"},
           Case{"1e999", "number '1e999' is out of range"},
           Case{"2x", "invalid number literal '2x'"},
           Case{"1_", "invalid number literal '1_'"},
           Case{"1__0", "invalid number literal '1__0'"},
           Case{"0x1F", "invalid number literal '0x1F'"},
           Case{"1e", "invalid number literal '1e'"},
       }) {
    LexResult r(c.text);
    ASSERT_EQ(r.diags.errorCount(), 1) << c.text;
    EXPECT_EQ(r.diags.diagnostics()[0].message, c.message);
    EXPECT_EQ(r.kinds(), (std::vector<TokenKind>{TokenKind::Error, TokenKind::Eof})) << c.text;
  }
}

TEST(Lexer, UnicodeIdentifiers) {
  LexResult r("θ₁ = λ*ẋ + push! + x_2'");
  EXPECT_EQ(r.str(), "θ₁ = λ * ẋ + push! + x_2 '");
  EXPECT_FALSE(r.diags.hasErrors());
  EXPECT_EQ(r.tokens[0].kind, TokenKind::Identifier);
  EXPECT_EQ(r.tokens[0].length, 5u); // θ is 2 bytes, ₁ is 3
  // Columns in messages count characters, not bytes.
  LexResult bad("θλ $");
  EXPECT_EQ(bad.diags.format(bad.diags.diagnostics()[0]),
            "t.node:1:4: error: unexpected character '$'\n"
            "    θλ $\n"
            "       ^");
}

TEST(Lexer, InvalidUtf8IsReportedOncePerRun) {
  struct Case {
    std::string text;
    const char *message;
  };
  for (const Case &c : {Case{"a\xff\xfe b", "invalid UTF-8 byte 0xff"},
                        Case{"\xc0\xaf", "invalid UTF-8 byte 0xc0"},     // overlong '/'
                        Case{"\xed\xa0\x80", "invalid UTF-8 byte 0xed"}, // a surrogate
                        Case{"x = \xe2\x82", "invalid UTF-8 byte 0xe2"}, // cut off at the end
                        Case{"\x80", "invalid UTF-8 byte 0x80"}}) {
    LexResult r(c.text);
    ASSERT_EQ(r.diags.errorCount(), 1) << c.text;
    EXPECT_EQ(r.diags.diagnostics()[0].message, c.message);
  }
  EXPECT_EQ(lexStr("a\xff\xfe b"), "a ERR b");
}

TEST(Lexer, UnexpectedCharacters) {
  LexResult r(std::string("a $ b\0c", 7));
  ASSERT_EQ(r.diags.errorCount(), 2);
  EXPECT_EQ(r.diags.diagnostics()[0].message, "unexpected character '$'");
  EXPECT_EQ(r.diags.diagnostics()[1].message, "unexpected character '\\x00'");
  EXPECT_EQ(r.str(), "a ERR b ERR c");
  LexResult dot("a.b");
  EXPECT_EQ(dot.diags.diagnostics().at(0).message, "unexpected character '.'");
}

TEST(Lexer, Comments) {
  EXPECT_EQ(lexStr("x # comment ( [ \ny"), "x NL y");
  EXPECT_EQ(lexStr("a #= inline =# b"), "a b");
  EXPECT_EQ(lexStr("a #= one #= nested =# still comment =# b"), "a b");
  // A block comment is whitespace, even across lines.
  EXPECT_EQ(lexStr("a #= \n\n =# b"), "a b");
  EXPECT_EQ(lexStr("a #==# b #=#=#=# c =# =# =# d"), "a b d");
  // A comment separates tokens like a space does.
  LexResult r("[1#= =#-2]");
  EXPECT_TRUE(r.tokens[2].spaceBefore);
}

TEST(Lexer, UnterminatedBlockCommentPointsAtItsStart) {
  LexResult r("x = 1\n  #= outer #= inner =#\nmore\n");
  ASSERT_EQ(r.diags.errorCount(), 1);
  EXPECT_EQ(r.diags.format(r.diags.diagnostics()[0]),
            "t.node:2:3: error: unterminated block comment\n"
            "      #= outer #= inner =#\n"
            "      ^~");
}

TEST(Lexer, NewlinesCollapseAndLineEndings) {
  EXPECT_EQ(lexStr("\n\na\n\n# c\n\n b\n"), "a NL b NL");
  EXPECT_EQ(lexStr("a; b"), "a ; b");
  // CR LF reads as one newline, and the token points at the CR (the end of the line).
  LexResult r("ab\r\ncd\r\n");
  EXPECT_EQ(r.str(), "ab NL cd NL");
  EXPECT_EQ(r.tokens[1].offset, 2u);
  // No trailing newline, and a file ending inside a token.
  EXPECT_EQ(lexStr("x = 1.5"), "x = 1.5");
  EXPECT_EQ(lexStr("x = 1e"), "x = ERR");
}

TEST(Lexer, EofSitsAfterTheLastNonBlankCharacter) {
  LexResult r("model M\n  x = 1   \n\n\n");
  EXPECT_EQ(r.tokens.back().kind, TokenKind::Eof);
  EXPECT_EQ(r.tokens.back().offset, 15u); // just after the `1`
}

TEST(Lexer, SpaceBeforeFlags) {
  // `[1 -2]`: the '-' has a space before it and none after it.
  LexResult r("[1 -2]");
  ASSERT_EQ(r.str(), "[ 1 - 2 ]");
  EXPECT_FALSE(r.tokens[1].spaceBefore);
  EXPECT_TRUE(r.tokens[2].spaceBefore);
  EXPECT_FALSE(r.tokens[3].spaceBefore);
}

TEST(Lexer, TokenDump) {
  SourceManager sm;
  DiagnosticEngine diags(sm);
  uint32_t f = sm.addBuffer("t.node", "model θ\n  x = 1.5'\n");
  EXPECT_EQ(dumpTokens(sm, f, lex(sm, f, diags)), "1:1 'model'\n"
                                                  "1:7 identifier θ\n"
                                                  "1:8 newline\n"
                                                  "2:3 identifier x\n"
                                                  "2:5 '='\n"
                                                  "2:7 number 1.5\n"
                                                  "2:10 '''\n"
                                                  "2:11 newline\n"
                                                  "2:11 end of file\n");
}

TEST(Lexer, DescribeTokenForMessages) {
  LexResult r("foo 12 + \n" + std::string(40, 'a'));
  std::string_view text = r.sm.text(r.file);
  EXPECT_EQ(describeToken(r.tokens[0], text), "'foo'");
  EXPECT_EQ(describeToken(r.tokens[1], text), "'12'");
  EXPECT_EQ(describeToken(r.tokens[2], text), "'+'");
  EXPECT_EQ(describeToken(r.tokens[3], text), "newline");
  EXPECT_EQ(describeToken(r.tokens[4], text), "'" + std::string(32, 'a') + "...'");
  EXPECT_EQ(describeToken(r.tokens[5], text), "end of file");
}

} // namespace
} // namespace odec::test
