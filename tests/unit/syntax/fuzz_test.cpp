// Robustness: the lexer and parser never crash, hang or throw on arbitrary input. Random
// byte strings, random soups of the language's tokens and random mutations of the example
// files (fixed seeds, so a failure reproduces) are parsed; every diagnostic must point
// inside the buffer and parsing the same text twice must give the same result. Run under
// AddressSanitizer this also checks that nothing is read out of bounds.
#include "SyntaxTestUtil.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

namespace odec::test {
namespace {

void checkParses(const std::string &text) {
  SCOPED_TRACE(::testing::PrintToString(text));
  std::string first, firstErrors;
  for (int round = 0; round < 2; ++round) {
    std::unique_ptr<ParseResult> r;
    ASSERT_NO_THROW(r = std::make_unique<ParseResult>(text));
    for (const Diagnostic &d : r->diags.diagnostics()) {
      EXPECT_FALSE(d.message.empty());
      if (d.range.begin.valid()) {
        EXPECT_LE(d.range.begin.offset, text.size());
      }
    }
    std::string dump = r->ast(), errors = r->errors();
    if (round == 0) {
      first = dump;
      firstErrors = errors;
    } else {
      EXPECT_EQ(dump, first);
      EXPECT_EQ(errors, firstErrors);
    }
  }
}

const std::vector<std::string> kVocabulary = {
    "model", "tableau", "init",  "end",  "const", "state",  "param",  "at",     "require", "in",
    "x",     "W",       "θ",     "f",    "ddt",   "Normal", "Vector", "(",      ")",       "[",
    "]",     "{",       "}",     ",",    ";",     "::",     ":",      "=",      "~",       "+",
    "-",     "*",       "/",     "//",   "^",     ".+",     ".*",     ".^",     "'",       ".(",
    "1",     "0.5",     ".5",    "1e3",  "1_0",   "\n",     "\n",     "\n",     " ",       "  ",
    "#=",    "=#",      "# c\n", "\r\n", "$",     "\xff",   "1.",     "[1 -2]", "f(a = 1)"};

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Fuzz, RandomBytes) {
  std::mt19937 rng(12345);
  for (int i = 0; i < 1500; ++i) {
    std::string text(rng() % 200, '\0');
    for (char &c : text)
      c = char(rng() % 256);
    checkParses(text);
  }
}

TEST(Fuzz, RandomCharactersOfTheLanguage) {
  const std::string alphabet = "()[]{},;:=~+-*/^.'#_!$ \n\n\t\r0123456789abeExyz";
  std::mt19937 rng(271828);
  for (int i = 0; i < 1500; ++i) {
    std::string text;
    for (size_t n = rng() % 300; n > 0; --n)
      text += alphabet[rng() % alphabet.size()];
    checkParses(text);
  }
}

TEST(Fuzz, TokenSoups) {
  std::mt19937 rng(314159);
  for (int i = 0; i < 2000; ++i) {
    // Start like a block half of the time, so the parser gets past the top level.
    std::string text = rng() % 2 ? "model M\n" : "";
    for (size_t n = rng() % 80; n > 0; --n) {
      text += kVocabulary[rng() % kVocabulary.size()];
      if (rng() % 2)
        text += ' ';
    }
    checkParses(text);
  }
}

TEST(Fuzz, MutatedExamples) {
  std::vector<std::string> seeds = {readFile(ODEC_SOURCE_DIR "/examples/spiral.node"),
                                    readFile(ODEC_SOURCE_DIR "/examples/oscillator.node"),
                                    readFile(ODEC_SOURCE_DIR "/compiler/prelude/prelude.node")};
  for (const std::string &s : seeds)
    ASSERT_FALSE(s.empty());
  std::mt19937 rng(161803);
  for (int i = 0; i < 1500; ++i) {
    std::string text = seeds[rng() % seeds.size()];
    for (int m = 1 + rng() % 4; m > 0; --m) {
      size_t at = rng() % (text.size() + 1);
      switch (rng() % 3) {
      case 0: // delete a few bytes
        text.erase(at, rng() % 8);
        break;
      case 1: // insert a token
        text.insert(at, kVocabulary[rng() % kVocabulary.size()]);
        break;
      default: // duplicate a slice
        text.insert(at, text.substr(rng() % (text.size() + 1), rng() % 40));
        break;
      }
    }
    checkParses(text);
  }
}

} // namespace
} // namespace odec::test
