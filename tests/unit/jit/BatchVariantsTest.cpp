// jit::BatchVariants: which chunk width each batch gets, that each width is compiled once
// (also under concurrent first calls), and that a failed compile is retried. The host API
// behind it is tested in tests/unit/runtime/HostBatchWidthTest.cpp.
#include "jit/BatchVariants.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

using odec::jit::BatchVariants;
using odec::jit::CompileOptions;
using odec::jit::Precision;

namespace {

/// A stand-in for compiled code: the width it was compiled for.
struct FakeCode {
  int width;
};

struct Counted {
  std::atomic<int> compiles{0};
  BatchVariants<FakeCode>::Compile compile() {
    return [this](const CompileOptions &o) {
      ++compiles;
      return std::make_unique<FakeCode>(FakeCode{o.vectorWidth});
    };
  }
};

} // namespace

TEST(BatchVariants, SmallBatchesGetNarrowCodeCompiledOnce) {
  Counted c;
  BatchVariants<FakeCode> v(c.compile(), CompileOptions{});
  EXPECT_EQ(c.compiles, 1); // the full width, up front
  const std::vector<std::pair<int64_t, int>> expected = {
      {1, 1}, {2, 2}, {3, 4}, {4, 4}, {5, 8}, {8, 8}, {9, 8}, {1000, 8}, {1, 1}, {3, 4}};
  for (const auto &[batch, width] : expected)
    EXPECT_EQ(v.forBatch(batch).width, width) << "batch " << batch;
  EXPECT_EQ(c.compiles, 4); // 8, then 1, 2 and 4 once each
}

TEST(BatchVariants, TheExpectedBatchIsCompiledUpFrontAndTheFullWidthOnlyWhenNeeded) {
  Counted c;
  BatchVariants<FakeCode> v(c.compile(), CompileOptions{}, /*expectedBatch=*/1);
  EXPECT_EQ(c.compiles, 1); // one lane, up front: a single trajectory compiles once
  EXPECT_EQ(v.forBatch(1).width, 1);
  EXPECT_EQ(c.compiles, 1);
  EXPECT_EQ(v.forBatch(100).width, 8);
  EXPECT_EQ(c.compiles, 2);
  BatchVariants<FakeCode> wide(c.compile(), CompileOptions{}, 300);
  EXPECT_EQ(wide.forBatch(300).width, 8);
  EXPECT_EQ(c.compiles, 3);
}

TEST(BatchVariants, FloatChunksHoldTwoTrajectoriesPerWidthUnit) {
  Counted c;
  CompileOptions full;
  full.precision = Precision::Float;
  BatchVariants<FakeCode> v(c.compile(), full);
  EXPECT_EQ(v.forBatch(1).width, 1);  // 2 float lanes
  EXPECT_EQ(v.forBatch(3).width, 2);  // 4
  EXPECT_EQ(v.forBatch(8).width, 4);  // 8
  EXPECT_EQ(v.forBatch(9).width, 8);  // 16, the full chunk
  EXPECT_EQ(v.forBatch(64).width, 8);
  EXPECT_EQ(c.compiles, 4);
}

TEST(BatchVariants, WideChunksNarrowToEveryPowerOfTwo) {
  Counted c;
  CompileOptions full;
  full.vectorWidth = 16; // a large field's default (jit::defaultOptions)
  BatchVariants<FakeCode> v(c.compile(), full);
  const std::vector<std::pair<int64_t, int>> expected = {
      {1, 1}, {3, 4}, {8, 8}, {9, 16}, {16, 16}, {128, 16}};
  for (const auto &[batch, width] : expected)
    EXPECT_EQ(v.forBatch(batch).width, width) << "batch " << batch;
  EXPECT_EQ(c.compiles, 4); // 16, then 1, 4 and 8
}

TEST(BatchVariants, ConcurrentFirstCallsCompileOnce) {
  Counted c;
  BatchVariants<FakeCode> v(c.compile(), CompileOptions{});
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      if (v.forBatch(1).width != 1)
        ++wrong;
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(c.compiles, 2);
}

TEST(BatchVariants, AFailedCompileIsRetried) {
  int calls = 0;
  BatchVariants<FakeCode> v(
      [&](const CompileOptions &o) {
        if (++calls == 2)
          throw std::runtime_error("out of memory");
        return std::make_unique<FakeCode>(FakeCode{o.vectorWidth});
      },
      CompileOptions{});
  EXPECT_THROW(v.forBatch(1), std::runtime_error);
  EXPECT_EQ(v.forBatch(1).width, 1);
  EXPECT_EQ(calls, 3);
}
