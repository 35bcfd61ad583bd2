// The parser on malformed input: the exact diagnostics (as the user sees them, with source
// line and caret), one per mistake, and recovery that keeps parsing the statements after it.
#include "SyntaxTestUtil.h"
#include "odec/odec.h"

#include <gtest/gtest.h>

namespace odec::test {
namespace {

struct ErrorCase {
  const char *input;
  const char *expected; // every diagnostic, formatted
};

void PrintTo(const ErrorCase &c, std::ostream *os) { *os << c.input; }

class ParserErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ParserErrors, ReportsExactlyThis) {
  ParseResult r(GetParam().input);
  EXPECT_EQ(r.errors(), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, ParserErrors,
    ::testing::Values(
        ErrorCase{"model M\n  x = 1",
                  "t.node:2:8: error: 'end' expected (to close 'model' at line 1) near end of "
                  "file\n"
                  "      x = 1\n"
                  "           ^\n"},
        ErrorCase{"model M\n  yy = f(x\n  ddt(x) = yy\nend\n",
                  "t.node:2:11: error: expected ')' to close '(' at 2:9, got newline\n"
                  "      yy = f(x\n"
                  "              ^\n"},
        ErrorCase{"model M\n  x = 1 $ 2\nend\n", "t.node:2:9: error: unexpected character '$'\n"
                                                 "      x = 1 $ 2\n"
                                                 "            ^\n"},
        ErrorCase{"foo M\nend\nmodel M\nend\n",
                  "t.node:1:1: error: expected a block ('model', 'tableau' or 'init'), got 'foo'\n"
                  "    foo M\n"
                  "    ^~~\n"},
        ErrorCase{"model M\n  param k::Real\nend\n",
                  "t.node:2:16: error: expected a prior for parameter 'k', e.g. '~ Normal(0, "
                  "1)', got newline\n"
                  "      param k::Real\n"
                  "                   ^\n"},
        ErrorCase{"model M\n  param b::Vector{2} ~ Zeros\nend\n",
                  "t.node:2:29: error: expected '(' after prior 'Zeros' (a prior is a call, "
                  "e.g. 'Zeros()'), got newline\n"
                  "      param b::Vector{2} ~ Zeros\n"
                  "                                ^\n"},
        ErrorCase{"init M\n  strategy = rejection(max_tries = 99999999999999999999)\nend\n",
                  "t.node:2:36: error: integer literal '99999999999999999999' is too large (the "
                  "largest is 9223372036854775807)\n"
                  "      strategy = rejection(max_tries = 99999999999999999999)\n"
                  "                                       ^~~~~~~~~~~~~~~~~~~~\n"},
        ErrorCase{"init M\n  step = 1e999\nend\n",
                  "t.node:2:10: error: number '1e999' is out of range\n"
                  "      step = 1e999\n"
                  "             ^~~~~\n"},
        ErrorCase{"model M\n  θ = a\xff\nend\n", "t.node:2:8: error: invalid UTF-8 byte 0xff\n"
                                                 "      θ = a\xff\n"
                                                 "           ^\n"},
        ErrorCase{"tableau T\n  c = [1, 2; 3]\nend\n",
                  "t.node:2:12: error: cannot mix ',' and ';' in an array literal\n"
                  "      c = [1, 2; 3]\n"
                  "               ^\n"},
        ErrorCase{"tableau T\n  c = [1 2, 3]\nend\n",
                  "t.node:2:11: error: cannot mix ',' and spaces in an array literal\n"
                  "      c = [1 2, 3]\n"
                  "              ^\n"},
        ErrorCase{"model M\n  x = 1 2\nend\n",
                  "t.node:2:9: error: expected newline or ';' after the statement, got '2'\n"
                  "      x = 1 2\n"
                  "            ^\n"},
        ErrorCase{"model M\n  x = (a + )\nend\n",
                  "t.node:2:12: error: expected an expression, got ')'\n"
                  "      x = (a + )\n"
                  "               ^\n"},
        ErrorCase{"model M\n  x = a in b\nend\n",
                  "t.node:2:9: error: 'in' is only allowed in a 'require' constraint\n"
                  "      x = a in b\n"
                  "            ^~\n"},
        ErrorCase{"model M\n  x = 1:3\nend\n",
                  "t.node:2:8: error: ':' ranges are only allowed inside an index\n"
                  "      x = 1:3\n"
                  "           ^\n"},
        ErrorCase{"model M\n  state x\nend\n",
                  "t.node:2:10: error: expected '::' and a type after 'x', got newline\n"
                  "      state x\n"
                  "             ^\n"},
        ErrorCase{"init M\n  strategy = rejection(max_tries = 10, 2)\nend\n",
                  "t.node:2:40: error: positional argument after keyword argument\n"
                  "      strategy = rejection(max_tries = 10, 2)\n"
                  "                                           ^\n"},
        ErrorCase{"model M\n  x = 1\ntableau T\n  c = [0]\nend\n",
                  "t.node:3:1: error: 'end' expected (to close 'model' at line 1) near 'tableau'\n"
                  "    tableau T\n"
                  "    ^~~~~~~\n"},
        ErrorCase{"model M\n  x = 1\n  #= a comment\n  that never ends\nend\n",
                  "t.node:3:3: error: unterminated block comment\n"
                  "      #= a comment\n"
                  "      ^~\n"},
        ErrorCase{"model\n  x = 1\nend\n",
                  "t.node:1:6: error: expected a name after 'model', got newline\n"
                  "    model\n"
                  "         ^\n"},
        ErrorCase{"model M\n  ddt(1) = x\nend\n",
                  "t.node:2:7: error: expected a state name in 'ddt(...)', got '1'\n"
                  "      ddt(1) = x\n"
                  "          ^\n"},
        ErrorCase{"tableau T\n  A = [1 2\n  b = [3]\nend\n",
                  "t.node:3:5: error: expected ']' to close '[' at 2:7, got '='\n"
                  "      b = [3]\n"
                  "        ^\n"},
        ErrorCase{"model M\n  y = x[1, 2, 3]\nend\n",
                  "t.node:2:15: error: too many indices (at most 2)\n"
                  "      y = x[1, 2, 3]\n"
                  "                  ^\n"},
        ErrorCase{"model M\n  y = f (x)\nend\n", "t.node:2:9: error: unexpected space before '('\n"
                                                 "      y = f (x)\n"
                                                 "            ^\n"},
        ErrorCase{"model M\n  y = f(x)(z)\nend\n",
                  "t.node:2:11: error: only a name can be called, e.g. 'f(x)'\n"
                  "      y = f(x)(z)\n"
                  "              ^\n"},
        ErrorCase{"model M\n  y = x '\nend\n",
                  "t.node:2:9: error: unexpected ''' (a transpose must directly follow its "
                  "operand)\n"
                  "      y = x '\n"
                  "            ^\n"},
        ErrorCase{"init M\n  solver RK4\nend\n",
                  "t.node:2:10: error: expected '=' after 'solver', got 'RK4'\n"
                  "      solver RK4\n"
                  "             ^~~\n"},
        ErrorCase{"model M\n  state x::Vector{2\nend\n",
                  "t.node:2:20: error: expected '}' to close '{' at 2:18, got newline\n"
                  "      state x::Vector{2\n"
                  "                       ^\n"},
        ErrorCase{"model M\n  require x\nend\n",
                  "t.node:2:3: error: expected a model statement ('const', 'state', 'param', "
                  "'input', 'output', 'ddt(x) = ...' or 'name = ...'), got 'require'\n"
                  "      require x\n"
                  "      ^~~~~~~\n"},
        ErrorCase{"model M\n  x = (1\n", // one message where the '(' and the block are open
                  "t.node:2:9: error: expected ')' to close '(' at 2:7, got newline\n"
                  "      x = (1\n"
                  "            ^\n"},
        ErrorCase{"model M\nend x\n",
                  "t.node:2:5: error: expected newline or ';' after 'end', got 'x'\n"
                  "    end x\n"
                  "        ^\n"},
        ErrorCase{"init M\n  at = zeros(2)\nend\n",
                  "t.node:2:6: error: expected a state name after 'at', got '='\n"
                  "      at = zeros(2)\n"
                  "         ^\n"}));

TEST(ParserRecovery, OneErrorPerStatementAndTheRestStillParses) {
  ParseResult r("model M\n"
                "  a = 1 +* 2 +* 3\n" // one message, not two
                "  b = (3\n"
                "  c = 4\n"
                "  d = [1, 2; 3] $ ]\n"
                "  e = f(x, [1 2\n"
                "         3 4], y)\n"
                "end\n"
                "model N\n"
                "  x = \n"
                "end\n");
  EXPECT_EQ(r.diags.errorCount(), 5) << r.errors();
  EXPECT_EQ(r.ast(), "(model M\n"
                     "  (let c 4)\n"
                     "  (let e (call f x (matrix (row 1 2) (row 3 4)) y)))\n"
                     "(model N)\n");
  std::vector<int> lines;
  for (const Diagnostic &d : r.diags.diagnostics())
    lines.push_back(r.sm.lineCol(d.range.begin).line);
  EXPECT_EQ(lines, (std::vector<int>{2, 3, 5, 5, 11}));
}

TEST(ParserRecovery, StrayStatementsOutsideBlocksAreOneError) {
  ParseResult r("x = 1\ny = 2\nend\nmodel M\n  z = 3\nend\n");
  ASSERT_EQ(r.diags.errorCount(), 1) << r.errors();
  EXPECT_EQ(r.diags.diagnostics()[0].message,
            "expected a block ('model', 'tableau' or 'init'), got 'x'");
  EXPECT_EQ(r.ast(), "(model M\n  (let z 3))\n");
}

TEST(ParserRecovery, MissingNameStillParsesTheBody) {
  ParseResult r("model\n  x = 1 +\nend\n");
  ASSERT_EQ(r.diags.errorCount(), 2) << r.errors();
  EXPECT_EQ(r.diags.diagnostics()[1].message, "expected an expression, got 'end'");
}

// Deep nesting is an error, not a stack overflow, however it is written.
TEST(ParserLimits, NestingDepth) {
  auto nested = [](int n, const std::string &open, const std::string &close) {
    std::string s;
    for (int i = 0; i < n; ++i)
      s += open;
    s += "x";
    for (int i = 0; i < n; ++i)
      s += close;
    return s;
  };
  const std::string tooDeep = "expression nested too deeply (more than 1000 levels)";
  struct Case {
    std::string open, close;
  };
  for (const Case &c : {Case{"(", ")"}, Case{"[", "]"}, Case{"-", ""}, Case{"f(", ")"}}) {
    ParseResult ok("model M\n  y = " + nested(kMaxExpressionDepth, c.open, c.close) + "\nend\n");
    EXPECT_FALSE(ok.diags.hasErrors()) << c.open << ": " << ok.errors();
    ParseResult deep("model M\n  y = " + nested(kMaxExpressionDepth + 1, c.open, c.close) +
                     "\nend\n");
    ASSERT_EQ(deep.diags.errorCount(), 1) << c.open << ": " << deep.errors();
    EXPECT_EQ(deep.diags.diagnostics()[0].message, tooDeep);
    // The 1001st opener (its last character) is where it goes too deep.
    EXPECT_EQ(deep.sm.lineCol(deep.diags.diagnostics()[0].range.begin).col,
              7 + int(c.open.size()) * (kMaxExpressionDepth + 1) - 1);
    for (int n : {10'000, 100'000}) {
      ParseResult huge("model M\n  y = " + nested(n, c.open, c.close) + "\nend\n");
      ASSERT_EQ(huge.diags.errorCount(), 1) << c.open << n;
      EXPECT_EQ(huge.diags.diagnostics()[0].message, tooDeep);
    }
  }
}

TEST(ParserLimits, LongChainsCountAsLevels) {
  auto chain = [](int terms, const std::string &op) {
    if (op == "'")
      return "x" + std::string(terms - 1, '\'');
    std::string s = "x";
    for (int i = 1; i < terms; ++i)
      s += op + "x";
    return s;
  };
  for (const std::string op : {" + ", " * ", "^", "'"}) {
    // 1000 operators nest 1000 levels deep; 1001 are too many.
    ParseResult ok("model M\n  y = " + chain(kMaxExpressionDepth + 1, op) + "\nend\n");
    EXPECT_FALSE(ok.diags.hasErrors()) << op << ok.errors();
    ParseResult deep("model M\n  y = " + chain(kMaxExpressionDepth + 2, op) + "\nend\n");
    EXPECT_EQ(deep.diags.errorCount(), 1) << op;
    ParseResult huge("model M\n  y = " + chain(100'000, op) + "\nend\n");
    ASSERT_EQ(huge.diags.errorCount(), 1) << op;
    EXPECT_EQ(huge.diags.diagnostics()[0].message,
              "expression nested too deeply (more than 1000 levels)");
  }
}

// A flat sum at the limit goes through every pass that recurses over the tree (check, lower,
// the field's Jacobian and VJP, the JIT, the emitted C++) without exhausting the stack, and
// computes the right field: d/dt x = w * (1 + 2 + ... + 7 + 1 + ...) * x.
TEST(ParserLimits, AFlatSumAtTheLimitCompilesAndComputes) {
  std::string terms;
  double coefficient = 0;
  // Levels: k * x has 1, each further term 1, the parentheses and `w .*` 1 each.
  for (int i = 0; i < kMaxExpressionDepth - 2; ++i) {
    terms += (i ? " + " : "") + std::to_string(i % 7 + 1) + " * x";
    coefficient += i % 7 + 1;
  }
  const std::string src = "model S\n    state x::Vector{1}\n    param w::Real ~ Zeros()\n"
                          "    ddt(x) = w .* (" + terms + ")\nend\n";
  Model model = Program::fromString(src, "sum.node").model("S");
  EXPECT_NE(model.fieldToString().find("ddt"), std::string::npos);
  model.vjp("Euler"); // differentiates and compiles the adjoint
  for (CodePath path : {CodePath::LLVM, CodePath::Cpp}) {
    // One Euler step: x1 = x0 + h * w * coefficient * x0.
    std::vector<double> traj = model.simulator("Euler", path).simulate({0.5}, {2.0}, 1, 1, 0.1);
    EXPECT_DOUBLE_EQ(traj[1], 2.0 + 0.1 * 0.5 * coefficient * 2.0);
  }
}

} // namespace
} // namespace odec::test

namespace odec::test {
namespace {

// A diagnostic on a long line quotes 80 code points around the column, "..." at each cut
// end, with the caret still under the column (a 15 MB one-line file once gave 47 MB).
TEST(DiagnosticExcerpt, LongLinesAreQuotedAsAWindowAroundTheColumn) {
  std::string body;
  for (int i = 0; i < 50000; ++i)
    body += "a";
  ParseResult r("model M\n  x = " + body + " $ " + body + "\nend\n");
  ASSERT_EQ(r.diags.errorCount(), 1) << r.errors().substr(0, 400);
  EXPECT_EQ(r.errors(), "t.node:2:50008: error: unexpected character '$'\n"
                        "    ..." + std::string(39, 'a') + " $ " + std::string(38, 'a') + "...\n"
                        "       " + std::string(40, ' ') + "^\n");
  // At the start of the line: no cut in front; near the end: none behind.
  ParseResult start("model M\n  x = $ " + body + "\nend\n");
  EXPECT_EQ(start.errors(), "t.node:2:7: error: unexpected character '$'\n"
                            "      x = $ " + std::string(72, 'a') + "...\n"
                            "          ^\n");
  ParseResult end("model M\n  x = " + body + " $\nend\n");
  EXPECT_EQ(end.errors(), "t.node:2:50008: error: unexpected character '$'\n"
                          "    ..." + std::string(78, 'a') + " $\n"
                          "       " + std::string(79, ' ') + "^\n");
}

} // namespace
} // namespace odec::test
