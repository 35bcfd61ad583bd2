// The parser on valid input: precedence and associativity, array literal rules, every
// statement kind, and the example and prelude files, checked against AST dumps written
// by hand from the language's rules (grammar/odec.ebnf).
#include "SyntaxTestUtil.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace odec::test {
namespace {

using namespace ast;

/// The dump of `text` parsed as the right-hand side of a model's let statement.
std::string expr(const std::string &text) {
  ParseResult r("model M\n  y = " + text + "\nend\n");
  EXPECT_FALSE(r.diags.hasErrors()) << text << "\n" << r.errors();
  if (r.program->models.size() != 1 || r.program->models[0]->decls.size() != 1)
    return "<not one statement>";
  return dump(*static_cast<const LetDecl &>(*r.program->models[0]->decls[0]).value);
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ParserExpr, PrecedenceOfArithmetic) {
  EXPECT_EQ(expr("a + b * c"), "(+ a (* b c))");
  EXPECT_EQ(expr("a * b + c"), "(+ (* a b) c)");
  EXPECT_EQ(expr("(a + b) * c"), "(* (+ a b) c)");
  EXPECT_EQ(expr("a .+ b .* c"), "(.+ a (.* b c))");
  EXPECT_EQ(expr("a ./ b .- c"), "(.- (./ a b) c)");
  EXPECT_EQ(expr("1//6 + x"), "(+ (// 1 6) x)");
  EXPECT_EQ(expr("a * b^c"), "(* a (^ b c))");
  EXPECT_EQ(expr("a .^ 2 .* b"), "(.* (.^ a 2) b)");
}

TEST(ParserExpr, Associativity) {
  EXPECT_EQ(expr("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(expr("a / b * c // d"), "(// (* (/ a b) c) d)");
  EXPECT_EQ(expr("a ^ b ^ c"), "(^ a (^ b c))");
  EXPECT_EQ(expr("a .^ b .^ c"), "(.^ a (.^ b c))");
}

TEST(ParserExpr, UnaryOperators) {
  EXPECT_EQ(expr("-x^2"), "(- (^ x 2))"); // power binds tighter than unary minus
  EXPECT_EQ(expr("-2^2"), "(- (^ 2 2))");
  EXPECT_EQ(expr("2^-1"), "(^ 2 (- 1))");
  EXPECT_EQ(expr("-a * b"), "(* (- a) b)");
  EXPECT_EQ(expr("a - -b"), "(- a (- b))");
  EXPECT_EQ(expr("+x"), "(+ x)");
  EXPECT_EQ(expr("- - x"), "(- (- x))");
  EXPECT_EQ(expr("-k .* q .- d .* p"), "(.- (.* (- k) q) (.* d p))");
}

TEST(ParserExpr, PostfixOperators) {
  EXPECT_EQ(expr("x'"), "(' x)");
  EXPECT_EQ(expr("A''"), "(' (' A))");
  EXPECT_EQ(expr("x'^2"), "(^ (' x) 2)");
  EXPECT_EQ(expr("-x'"), "(- (' x))");
  EXPECT_EQ(expr("A' * B"), "(* (' A) B)");
  EXPECT_EQ(expr("f(x)'"), "(' (call f x))");
  EXPECT_EQ(expr("(a + b)'"), "(' (+ a b))");
  EXPECT_EQ(expr("x[i][j]"), "(index (index x i) j)");
  EXPECT_EQ(expr("W[2, 3]"), "(index W 2 3)");
  EXPECT_EQ(expr("W[:, 1]"), "(index W : 1)");
  EXPECT_EQ(expr("x[1:2]"), "(index x (: 1 2))");
  EXPECT_EQ(expr("x[n - 1:n]"), "(index x (: (- n 1) n))");
  EXPECT_EQ(expr("x[end_]'"), "(' (index x end_))");
}

TEST(ParserExpr, Calls) {
  EXPECT_EQ(expr("f()"), "(call f)");
  EXPECT_EQ(expr("f(x, y + 1)"), "(call f x (+ y 1))");
  EXPECT_EQ(expr("tanh.(W1 * x .+ b1)"), "(call. tanh (.+ (* W1 x) b1))");
  EXPECT_EQ(expr("stability(RK4, margin = 0.9)"), "(call stability RK4 (kw margin 0.9))");
  EXPECT_EQ(expr("rejection(max_tries = 10_000)"), "(call rejection (kw max_tries 10_000))");
  EXPECT_EQ(expr("f(a, b,)"), "(call f a b)");
  EXPECT_EQ(expr("f(g(h(x)))"), "(call f (call g (call h x)))");
  EXPECT_EQ(expr("1.+x"), "(.+ 1 x)");
}

TEST(ParserExpr, NewlinesInsideParenthesesAndAfterOperators) {
  EXPECT_EQ(expr("f(a,\n    b)"), "(call f a b)");
  EXPECT_EQ(expr("(a\n  + b\n)"), "(+ a b)");
  EXPECT_EQ(expr("a +\n    b"), "(+ a b)");
  EXPECT_EQ(expr("a ^\n b"), "(^ a b)");
}

TEST(ParserExpr, NumberLiteralsRecordTheirValue) {
  ParseResult r("model M\n  a = 1_000\n  b = 2.5e-1\nend");
  ASSERT_FALSE(r.diags.hasErrors()) << r.errors();
  const auto &a = static_cast<const NumberExpr &>(
      *static_cast<const LetDecl &>(*r.program->models[0]->decls[0]).value);
  EXPECT_TRUE(a.isInteger);
  EXPECT_EQ(a.intValue, 1000);
  EXPECT_EQ(a.text, "1_000");
  const auto &b = static_cast<const NumberExpr &>(
      *static_cast<const LetDecl &>(*r.program->models[0]->decls[1]).value);
  EXPECT_FALSE(b.isInteger);
  EXPECT_DOUBLE_EQ(b.value, 0.25);
}

TEST(ParserArray, CommaListsAreVectors) {
  EXPECT_EQ(expr("[a, b, c]"), "(vect a b c)");
  EXPECT_EQ(expr("[1, 2,]"), "(vect 1 2)");
  EXPECT_EQ(expr("[]"), "(vect)");
  EXPECT_EQ(expr("[1,\n     2,\n     3\n]"), "(vect 1 2 3)");
  EXPECT_EQ(expr("[1, -2]"), "(vect 1 (- 2))");
}

TEST(ParserArray, RowsAndColumns) {
  EXPECT_EQ(expr("[1 2; 3 4]"), "(matrix (row 1 2) (row 3 4))");
  EXPECT_EQ(expr("[x; y]"), "(matrix (row x) (row y))");
  EXPECT_EQ(expr("[x]"), "(matrix (row x))");
  EXPECT_EQ(expr("[1 2\n     3 4]"), "(matrix (row 1 2) (row 3 4))");
  EXPECT_EQ(expr("[\n  1 2\n\n  3 4\n]"), "(matrix (row 1 2) (row 3 4))");
  EXPECT_EQ(expr("[1 2;\n 3 4;]"), "(matrix (row 1 2) (row 3 4))");
  EXPECT_EQ(expr("[1 2]'"), "(' (matrix (row 1 2)))");
  EXPECT_EQ(expr("[[1, 2] [3, 4]]"), "(matrix (row (vect 1 2) (vect 3 4)))");
}

TEST(ParserArray, WhitespaceSeparatesElements) {
  // A '-' or '+' with a space before and none after starts an element (Julia's rule).
  EXPECT_EQ(expr("[1 -2]"), "(matrix (row 1 (- 2)))");
  EXPECT_EQ(expr("[1 +2]"), "(matrix (row 1 (+ 2)))");
  EXPECT_EQ(expr("[1 - 2]"), "(matrix (row (- 1 2)))");
  EXPECT_EQ(expr("[1-2]"), "(matrix (row (- 1 2)))");
  EXPECT_EQ(expr("[1- 2]"), "(matrix (row (- 1 2)))");
  EXPECT_EQ(expr("[1 -2 + 3]"), "(matrix (row 1 (+ (- 2) 3)))");
  EXPECT_EQ(expr("[sin(x) -cos(x)]"), "(matrix (row (call sin x) (- (call cos x))))");
  EXPECT_EQ(expr("[a' b']"), "(matrix (row (' a) (' b)))");
  // A call or index must follow its name directly; with a space it is the next element.
  EXPECT_EQ(expr("[f (x)]"), "(matrix (row f x))");
  EXPECT_EQ(expr("[f(x)]"), "(matrix (row (call f x)))");
  EXPECT_EQ(expr("[v [1]]"), "(matrix (row v (matrix (row 1))))");
  // Inside parentheses or an index, spaces are just spaces.
  EXPECT_EQ(expr("[f(1 -2)]"), "(matrix (row (call f (- 1 2))))");
  EXPECT_EQ(expr("[x[1 -1]]"), "(matrix (row (index x (- 1 1))))");
  EXPECT_EQ(expr("[1 2\n -1 4]"), "(matrix (row 1 2) (row (- 1) 4))");
}

TEST(ParserStatements, EveryModelStatementKind) {
  ParseResult r("model M\n"
                "  const n = 2\n"
                "  state x::Vector{n}\n"
                "  state s::Real\n"
                "  param W::Matrix{16,\n 2} ~ Normal(0, 0.5)\n"
                "  param c::Real ~ Zeros()\n"
                "  h = W * x\n"
                "  ddt(x) = h; ddt(s) = -s\n"
                "end\n");
  ASSERT_FALSE(r.diags.hasErrors()) << r.errors();
  EXPECT_EQ(r.ast(), "(model M\n"
                     "  (const n 2)\n"
                     "  (state x Vector{n})\n"
                     "  (state s Real)\n"
                     "  (param W Matrix{16,2} (call Normal 0 0.5))\n"
                     "  (param c Real (call Zeros))\n"
                     "  (let h (* W x))\n"
                     "  (ddt x h)\n"
                     "  (ddt s (- s)))\n");
  const ModelBlock &m = *r.program->models[0];
  ASSERT_EQ(m.decls.size(), 8u);
  EXPECT_EQ(m.decls[0]->kind, DeclKind::Const);
  EXPECT_EQ(m.decls[1]->kind, DeclKind::State);
  EXPECT_EQ(m.decls[3]->kind, DeclKind::Param);
  EXPECT_EQ(m.decls[5]->kind, DeclKind::Let);
  EXPECT_EQ(m.decls[6]->kind, DeclKind::Ddt);
  // Locations: the name, and the statement from its first token.
  EXPECT_EQ(r.sm.lineCol(m.decls[1]->nameRange.begin).line, 3);
  EXPECT_EQ(r.sm.lineCol(m.decls[1]->nameRange.begin).col, 9);
  EXPECT_EQ(r.sm.lineCol(m.decls[6]->range.begin).col, 3);
  EXPECT_EQ(m.decls[6]->range.length, std::string("ddt(x) = h").size());
  EXPECT_EQ(r.sm.lineCol(m.nameRange.begin).col, 7);
}

TEST(ParserStatements, TableauAndInitBlocks) {
  ParseResult r("tableau Heun\n"
                "  c = [0, 1]\n"
                "  A = [0 0\n"
                "       1 0]\n"
                "  b = [1//2, 1//2]\n"
                "end\n"
                "init M\n"
                "  solver = Heun\n"
                "  at x = zeros(2)\n"
                "  require eigvals(step * jacobian(ddt(x), x)) in stability(Heun, margin = 0.9)\n"
                "end\n");
  ASSERT_FALSE(r.diags.hasErrors()) << r.errors();
  EXPECT_EQ(r.ast(), "(tableau Heun\n"
                     "  (= c (vect 0 1))\n"
                     "  (= A (matrix (row 0 0) (row 1 0)))\n"
                     "  (= b (vect (// 1 2) (// 1 2))))\n"
                     "(init M\n"
                     "  (= solver Heun)\n"
                     "  (at x (call zeros 2))\n"
                     "  (require (in (call eigvals (* step (call jacobian (call ddt x) x))) "
                     "(call stability Heun (kw margin 0.9)))))\n");
  const InitBlock &init = *r.program->inits[0];
  EXPECT_EQ(init.stmts[0].kind, InitStmt::Kind::Assign);
  EXPECT_EQ(init.stmts[1].kind, InitStmt::Kind::At);
  EXPECT_EQ(init.stmts[1].name, "x");
  EXPECT_EQ(init.stmts[2].kind, InitStmt::Kind::Require);
  const auto &in = static_cast<const BinaryExpr &>(*init.stmts[2].value);
  EXPECT_EQ(r.sm.lineCol(in.opRange.begin).col, 47); // the `in`
  EXPECT_EQ(in.opRange.length, 2u);
}

TEST(ParserStatements, SemicolonsAndBlankLines) {
  ParseResult r("\n\n# header\nmodel M; x = 1;; y = 2 end\n\n;\ntableau T; c = [0] end");
  ASSERT_FALSE(r.diags.hasErrors()) << r.errors();
  EXPECT_EQ(r.ast(),
            "(model M\n  (let x 1)\n  (let y 2))\n(tableau T\n  (= c (matrix (row 0))))\n");
}

TEST(ParserStatements, BlocksDumpInSourceOrder) {
  ParseResult r("init B\nend\nmodel A\nend\ntableau C\nend\nmodel D\nend\n");
  ASSERT_FALSE(r.diags.hasErrors()) << r.errors();
  EXPECT_EQ(r.ast(), "(init B)\n(model A)\n(tableau C)\n(model D)\n");
}

TEST(ParserFiles, SpiralExample) {
  ParseResult r(readFile(ODEC_SOURCE_DIR "/examples/spiral.node"), "spiral.node");
  EXPECT_EQ(r.errors(), "");
  EXPECT_EQ(r.ast(), "(tableau Kutta3\n"
                     "  (= c (vect 0 (// 1 2) 1))\n"
                     "  (= A (matrix (row 0 0 0) (row (// 1 2) 0 0) (row (- 1) 2 0)))\n"
                     "  (= b (vect (// 1 6) (// 2 3) (// 1 6))))\n"
                     "(model Spiral\n"
                     "  (state x Vector{2})\n"
                     "  (param W1 Matrix{16,2} (call Normal 0 0.5))\n"
                     "  (param b1 Vector{16} (call Zeros))\n"
                     "  (param W2 Matrix{2,16} (call Glorot))\n"
                     "  (param b2 Vector{2} (call Zeros))\n"
                     "  (let h (call. tanh (.+ (* W1 x) b1)))\n"
                     "  (ddt x (.+ (* W2 h) b2)))\n"
                     "(init Spiral\n"
                     "  (= solver RK4)\n"
                     "  (= step 0.1)\n"
                     "  (at x (call zeros 2))\n"
                     "  (require (in (call eigvals (* step (call jacobian (call ddt x) x))) "
                     "(call stability RK4 (kw margin 0.9))))\n"
                     "  (= strategy (call rejection (kw max_tries 10_000))))\n");
}

TEST(ParserFiles, OscillatorExample) {
  ParseResult r(readFile(ODEC_SOURCE_DIR "/examples/oscillator.node"), "oscillator.node");
  EXPECT_EQ(r.errors(), "");
  EXPECT_EQ(r.ast(), "(model Oscillator\n"
                     "  (const damping (// 1 10))\n"
                     "  (state q Vector{1})\n"
                     "  (state p Vector{1})\n"
                     "  (param k Real (call Uniform 0.5 2.0))\n"
                     "  (ddt q p)\n"
                     "  (ddt p (.- (.* (- k) q) (.* damping p))))\n");
}

TEST(ParserFiles, Prelude) {
  ParseResult r(readFile(ODEC_SOURCE_DIR "/compiler/prelude/prelude.node"), "<prelude>");
  EXPECT_EQ(r.errors(), "");
  ASSERT_EQ(r.program->tableaux.size(), 21u);
  EXPECT_TRUE(r.program->models.empty());
  // The rows `-1//3 1 0 0` and `1    -1 1 0` of RK38 each have four elements; `-1//3` is
  // `(-1)//3` since unary minus binds tighter than `//`.
  const TableauBlock &rk38 = *r.program->tableaux[7];
  EXPECT_EQ(rk38.name, "RK38");
  EXPECT_EQ(dump(*rk38.fields[1].value),
            "(matrix (row 0 0 0 0) (row (// 1 3) 0 0 0) (row (// (- 1) 3) 1 0 0) "
            "(row 1 (- 1) 1 0))");
  const TableauBlock &gl2 = *r.program->tableaux[17];
  EXPECT_EQ(dump(*gl2.fields[1].value), "(matrix (row (// 1 4) (- (// 1 4) (/ (call sqrt 3) 6))) "
                                        "(row (+ (// 1 4) (/ (call sqrt 3) 6)) (// 1 4)))");
}

TEST(ParserFiles, CrlfAndNoTrailingNewline) {
  ParseResult r("model M\r\n  x = [1 2\r\n       3 4]\r\nend");
  EXPECT_EQ(r.errors(), "");
  EXPECT_EQ(r.ast(), "(model M\n  (let x (matrix (row 1 2) (row 3 4))))\n");
}

} // namespace
} // namespace odec::test
