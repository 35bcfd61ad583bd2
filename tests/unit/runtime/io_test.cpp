// Parameter JSON, CSV and atomic files: round trips and exact error messages.
#include "../ErrorOf.h"
#include "init/SampleParams.h"
#include "io/AtomicFile.h"
#include "io/Csv.h"
#include "io/ParamsJson.h"

#include <cmath>
#include <cstdio>
#include <functional>
#include <unistd.h>
#include <filesystem>
#include <gtest/gtest.h>

using namespace odec;

namespace {

std::vector<TensorSlot> spiralLayout() {
  std::vector<TensorSlot> l(3);
  l[0] = {"W", 2, 2, 3, 0, {}};
  l[1] = {"b", 1, 2, 1, 6, {}};
  l[2] = {"k", 0, 1, 1, 8, {}};
  return l;
}

using odec::test::errorOf;

} // namespace

TEST(ParamsJson, ParsesNestedArraysRowMajor) {
  auto v = parseParamsJson(R"({"W": [[1,2,3],[4,5,6]], "b": [7, 8], "k": 9.5})", spiralLayout(), "p.json");
  EXPECT_EQ(v, (std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9.5}));
}

TEST(ParamsJson, RoundTripsExactly) {
  std::vector<double> v = {0.1, 1.0 / 3, -2e-300, 4, 5, 6, 7, 8, 3.141592653589793};
  std::string text = paramsToJson(v, spiralLayout());
  EXPECT_EQ(parseParamsJson(text, spiralLayout(), "p.json"), v);
  EXPECT_LT(text.find("\"W\""), text.find("\"k\"")); // declaration order kept
}

TEST(ParamsJson, ReportsPreciseErrors) {
  auto L = spiralLayout();
  EXPECT_EQ(errorOf([&] { parseParamsJson(R"({"W": [[1,2,3],[4,5,6]], "b": [7, 8]})", L, "p.json"); }),
            "p.json: error: missing parameter 'k' (Real)");
  EXPECT_EQ(errorOf([&] { parseParamsJson(R"({"W": [[1,2,3]], "b": [7, 8], "k": 1})", L, "p.json"); }),
            "p.json: error: parameter 'W' (Matrix{2,3}) has 1 rows, expected 2");
  EXPECT_EQ(errorOf([&] { parseParamsJson(R"({"W": [[1,2,3],[4,5]], "b": [7, 8], "k": 1})", L, "p.json"); }),
            "p.json: error: parameter 'W' (Matrix{2,3}): row 2 must be an array of 3 numbers");
  EXPECT_EQ(errorOf([&] { parseParamsJson(R"({"W": [[1,2,3],[4,5,6]], "b": [7, "x"], "k": 1})", L, "p.json"); }),
            "p.json: error: 'b[2]' must be a number, got string");
  EXPECT_EQ(errorOf([&] { parseParamsJson(R"({"W": [[1,2,3],[4,5,6]], "b": [7, 8], "k": 1, "kk": 2})", L, "p.json"); }),
            "p.json: error: unknown parameter 'kk' (the model's parameters: W, b, k)");
  EXPECT_EQ(errorOf([&] { parseParamsJson("{\"W\": [[1,2,3],\n [4,5,6]],, }", L, "p.json"); }).substr(0, 30),
            "p.json:2:11: error: invalid JS");
  EXPECT_EQ(errorOf([&] { parseParamsJson("[1, 2]", L, "p.json"); }),
            "p.json: error: expected a JSON object mapping parameter names to values");
}

TEST(Csv, ParsesAndFormats) {
  CsvTable t = parseCsv("# comment\r\nt,x[1]\r\n0,1.5\r\n\r\n0.1, -2e-3\n", "d.csv");
  ASSERT_EQ(t.columns, (std::vector<std::string>{"t", "x[1]"}));
  ASSERT_EQ(t.rows(), 2u);
  EXPECT_EQ(t.at(1, 1), -2e-3);
  EXPECT_EQ(formatCsv(t), "t,x[1]\n0,1.5\n0.1,-0.002\n");
  EXPECT_EQ(formatNumber(0.1 + 0.2), "0.30000000000000004");
}

TEST(Csv, ReportsPreciseErrors) {
  EXPECT_EQ(errorOf([] { parseCsv("a,b\n1,2\n3\n", "d.csv"); }),
            "d.csv:3:1: error: row has 1 fields, the header has 2\n    3\n    ^");
  EXPECT_EQ(errorOf([] { parseCsv("a,b\n1,zz\n", "d.csv"); }),
            "d.csv:2:3: error: expected a number, got 'zz'\n    1,zz\n      ^");
  EXPECT_EQ(errorOf([] { parseCsv("a,b\n1,nan\n", "d.csv"); }),
            "d.csv:2:3: error: non-finite value 'nan'\n    1,nan\n      ^");
  EXPECT_EQ(errorOf([] { parseCsv("", "d.csv"); }),
            "d.csv: error: empty file: expected a header line of column names");
}

TEST(Csv, GridTimesAreDecimal) {
  // Decimal steps give the decimal times a user expects, in shortest form.
  EXPECT_EQ(formatNumber(gridTime(0, 0.1, 3)), "0.3");
  EXPECT_EQ(formatNumber(0.1 * 3), "0.30000000000000004"); // what n·h would print
  EXPECT_EQ(formatNumber(gridTime(0.2, 0.1, 1)), "0.3");
  EXPECT_EQ(formatNumber(gridTime(1.5, 0.05, 7)), "1.85");
  EXPECT_EQ(formatNumber(gridTime(0, 1e-3, 123456)), "123.456");
  EXPECT_EQ(gridTime(-1, 0.25, 4), 0.0);
  // A step that is no short decimal (1/3) keeps floating-point t0 + n·h.
  EXPECT_EQ(gridTime(0, 1.0 / 3, 7), 7 * (1.0 / 3));
  // Integers past 2^53 would not be exact: floating point again.
  EXPECT_EQ(gridTime(0, 0.1, int64_t(1) << 60), double(int64_t(1) << 60) * 0.1);
}

TEST(ParamsJson, OutOfRangeNumbersAndLongLines) {
  const std::vector<TensorSlot> L = spiralLayout();
  EXPECT_EQ(errorOf([&] { parseParamsJson("{\"W\":\n  [[1e400, 2]]}", L, "p.json"); }),
            "p.json:2:5: error: number 1e400 is out of range (a double holds magnitudes up to "
            "about 1.8e308)\n      [[1e400, 2]]}\n        ^");
  // A one-line file without its closing brace: 80 code points around the end, not the line.
  std::string text = "{\"W\": [";
  for (int i = 0; i < 100000; ++i)
    text += "1,";
  text += "1]";
  const std::string message = errorOf([&] { parseParamsJson(text, L, "p.json"); });
  EXPECT_EQ(message, "p.json:1:200010: error: invalid JSON: syntax error while parsing object - "
                     "unexpected end of input; expected '}'\n    ..." +
                         text.substr(text.size() - 80) + "\n       " + std::string(80, ' ') + "^");
}

TEST(SampleParams, DeterministicAndFollowsPriors) {
  std::vector<TensorSlot> l(3);
  l[0] = {"W", 2, 40, 50, 0, {Prior::Kind::Glorot}};
  l[1] = {"u", 1, 2000, 1, 2000, {Prior::Kind::Uniform, 2.0, 3.0}};
  l[2] = {"n", 1, 20000, 1, 4000, {Prior::Kind::Normal, 1.0, 0.5}};
  auto a = sampleParams(l, 7), b = sampleParams(l, 7), c = sampleParams(l, 8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  double limit = std::sqrt(6.0 / 90), mean = 0, var = 0;
  for (int i = 0; i < 2000; ++i)
    EXPECT_LE(std::abs(a[size_t(i)]), limit);
  for (int i = 2000; i < 4000; ++i) {
    EXPECT_GE(a[size_t(i)], 2.0);
    EXPECT_LT(a[size_t(i)], 3.0);
  }
  for (int i = 4000; i < 24000; ++i)
    mean += a[size_t(i)] / 20000;
  for (int i = 4000; i < 24000; ++i)
    var += (a[size_t(i)] - mean) * (a[size_t(i)] - mean) / 19999;
  // 20000 draws: the sample mean's standard error is 0.5/sqrt(20000) ≈ 0.0035.
  EXPECT_NEAR(mean, 1.0, 0.02);
  EXPECT_NEAR(std::sqrt(var), 0.5, 0.02);
}
