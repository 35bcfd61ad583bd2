// Indexing with constant 1-based indices and ranges; array literals.
#include "SemaTestUtil.h"

using namespace odec::test;
using Errors = std::vector<std::string>;

TEST(SemaIndex, Shapes) {
  EXPECT_EQ(exprShape("x[2]"), "Real");
  EXPECT_EQ(exprShape("W[1, 2]"), "Real");
  EXPECT_EQ(exprShape("v[1:2]"), "Vector{2}");
  EXPECT_EQ(exprShape("W[:, 1]"), "Vector{2}");
  EXPECT_EQ(exprShape("W[2, :]"), "Vector{3}"); // Julia: a row of a matrix indexes as a Vector
  EXPECT_EQ(exprShape("W[1:2, 2:3]"), "Matrix{2,2}");
  EXPECT_EQ(exprShape("v[n]"), "Real"); // an integer const
}

TEST(SemaIndex, Errors) {
  EXPECT_EQ(exprErrors("x[3]"),
            Errors{"t.node:9:11: error: index 3 is out of bounds for Vector{2}"});
  EXPECT_EQ(exprErrors("x[0]"),
            Errors{"t.node:9:11: error: index 0 is out of bounds for Vector{2}"});
  EXPECT_EQ(exprErrors("W[1, 4]"),
            Errors{"t.node:9:14: error: column index 4 is out of bounds for Matrix{2,3}"});
  EXPECT_EQ(exprErrors("v[2:4]"),
            Errors{"t.node:9:11: error: range 2:4 is out of bounds for Vector{3}"});
  EXPECT_EQ(exprErrors("v[3:2]"), Errors{"t.node:9:11: error: empty range 3:2"});
  EXPECT_EQ(exprErrors("W[1]"), Errors{"t.node:9:9: error: Matrix{2,3} takes 2 indices, got 1"});
  EXPECT_EQ(exprErrors("s[1]"), Errors{"t.node:9:9: error: cannot index a Real"});
  EXPECT_EQ(exprErrors("x[1.5]"),
            Errors{"t.node:9:11: error: an index must be an integer constant, got 1.5"});
}

TEST(SemaArray, Literals) {
  EXPECT_EQ(exprShape("[1, 2, s]"), "Vector{3}");
  EXPECT_EQ(exprShape("[x; v]"), "Vector{5}");
  EXPECT_EQ(exprShape("[1 2; 3 4]"), "Matrix{2,2}");
  EXPECT_EQ(exprShape("[1 2 3]"), "Matrix{1,3}");
  EXPECT_EQ(exprShape("[W; v']"), "Matrix{3,3}");
  EXPECT_EQ(exprShape("[x W]"), "Matrix{2,4}");
}

TEST(SemaArray, Errors) {
  EXPECT_EQ(exprErrors("[1 2; 3 4 5]"),
            Errors{"t.node:9:9: error: ragged array literal: row 2 has 3 columns, row 1 has 2"});
  EXPECT_EQ(exprErrors("[x, s]"),
            Errors{"t.node:9:10: error: elements of [a, b, ...] must be Real, got Vector{2}; use "
                   "';' to concatenate"});
  EXPECT_EQ(exprErrors("[x v]"),
            Errors{"t.node:9:12: error: cannot place Vector{3} beside Vector{2} in a row: heights "
                   "differ"});
  EXPECT_EQ(exprErrors("[x; W]"),
            Errors{"t.node:9:9: error: ragged array literal: row 2 has 3 columns, row 1 has 1"});
  EXPECT_EQ(exprErrors("vcat(x, W)"),
            Errors{"t.node:9:9: error: cannot stack Vector{2} on Matrix{2,3}: rows have 1 and 3 "
                   "columns"});
}
