// Name resolution: order, duplicates, shadowing, undefined names with suggestions.
#include "SemaTestUtil.h"

using namespace odec::test;
using Errors = std::vector<std::string>;

TEST(SemaNames, UndefinedNameSuggestsCloseOne) {
  auto r = runSema("model M\n"
                   "    state x::Vector{2}\n"
                   "    param W2::Matrix{2,2} ~ Zeros()\n"
                   "    ddt(x) = W3 * x\n"
                   "end\n");
  EXPECT_EQ(r->errors(), Errors{"t.node:4:14: error: undefined name 'W3'; did you mean 'W2'?"});
  EXPECT_EQ(exprErrors("zzz"), Errors{"t.node:9:9: error: undefined name 'zzz'"});
}

TEST(SemaNames, LetUsedBeforeItsDefinition) {
  auto r = runSema("model M\n"
                   "    state x::Vector{2}\n"
                   "    ddt(x) = h\n"
                   "    h = -x\n"
                   "end\n");
  EXPECT_EQ(r->errors(), Errors{"t.node:3:14: error: 'h' is used before its definition at line 4"});
}

TEST(SemaNames, DuplicatesNameTheEarlierLine) {
  auto r = runSema("model M\n"
                   "    state x::Vector{2}\n"
                   "    param k::Real ~ Zeros()\n"
                   "    param k::Real ~ Ones()\n"
                   "    h = x\n"
                   "    h = 2 * x\n"
                   "    ddt(x) = k * h\n"
                   "end\n");
  EXPECT_EQ(r->errors(),
            Errors({"t.node:4:11: error: duplicate name 'k' (first declared at line 3)",
                    "t.node:6:5: error: duplicate name 'h' (first declared at line 5)"}));
}

TEST(SemaNames, LetMayNotShadowADeclaration) {
  auto r = runSema("model M\n"
                   "    const c = 2\n"
                   "    state x::Vector{2}\n"
                   "    param k::Real ~ Zeros()\n"
                   "    x = 2\n"
                   "    k = 1\n"
                   "    c = 3\n"
                   "    ddt(x) = x\n"
                   "end\n");
  EXPECT_EQ(r->errors(),
            Errors({"t.node:5:5: error: local 'x' shadows the state declared at line 3",
                    "t.node:6:5: error: local 'k' shadows the parameter declared at line 4",
                    "t.node:7:5: error: local 'c' shadows the const declared at line 2"}));
}

TEST(SemaNames, ConstsMustBeConstant) {
  auto r = runSema("model M\n"
                   "    state x::Vector{2}\n"
                   "    param k::Real ~ Zeros()\n"
                   "    const c = 2 * k\n"
                   "    ddt(x) = c * x\n"
                   "end\n");
  EXPECT_EQ(r->errors(), Errors{"t.node:4:19: error: 'k' is not a constant (it is a parameter)"});
}

TEST(SemaNames, SuggestionDistance) {
  using odec::sema::closestName;
  EXPECT_EQ(odec::sema::editDistance("θ1", "θ2"), 1);
  EXPECT_EQ(closestName("W3", {"x", "W1", "W2"}), "W2"); // a tie: the later declaration
  EXPECT_EQ(closestName("W3", {"W1", "Q3", "zz"}), "Q3");
  EXPECT_EQ(closestName("weight", {"wieght"}), "wieght");
  EXPECT_EQ(closestName("abcdef", {"abxyzf"}), ""); // 3 edits
  EXPECT_EQ(closestName("y", {"x"}), "");           // a one-letter name is never "close" to another
}
