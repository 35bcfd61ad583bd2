// SolverPlan: the one place that decides a tableau's kind, its live stages and FSAL.
#include "TestTableaux.h"
#include "tableau/SolverPlan.h"

#include <gtest/gtest.h>

using namespace odec;
using namespace odec::test;

namespace {
using Live = std::vector<bool>;
using Order = std::vector<int>;
} // namespace

TEST(SolverPlan, KindsOfTheBuiltIns) {
  for (const ButcherTableau &t : {euler(), midpoint(), heun(), ralston(), kutta3(), ssprk3(),
                                  rk4(), rk38()}) {
    EXPECT_EQ(SolverPlan::of(t).kind, SolverPlan::Kind::Explicit) << t.name;
    EXPECT_TRUE(t.isExplicit()) << t.name;
  }
  EXPECT_EQ(SolverPlan::of(backwardEuler()).kind, SolverPlan::Kind::DiagonallyImplicit);
  EXPECT_EQ(SolverPlan::of(implicitMidpoint()).kind, SolverPlan::Kind::DiagonallyImplicit);
  EXPECT_EQ(SolverPlan::of(gaussLegendre2()).kind, SolverPlan::Kind::Implicit);
  EXPECT_FALSE(gaussLegendre2().isExplicit());
}

TEST(SolverPlan, LiveStagesReachTheNextState) {
  const SolverPlan rk = SolverPlan::of(rk4());
  EXPECT_EQ(rk.live, Live({true, true, true, true}));
  EXPECT_EQ(rk.liveDownwards, Order({3, 2, 1, 0}));
  // Midpoint's first stage has b_1 = 0 but feeds the live second stage.
  EXPECT_EQ(SolverPlan::of(midpoint()).live, Live({true, true}));
  // RK4 with b_2 = 0: stage 2 still feeds stage 3 (a_32 = 1/2), so it stays live.
  EXPECT_EQ(SolverPlan::of(rk4({Q(1, 6), 0, Q(2, 3), Q(1, 6)})).live, Live({true, true, true, true}));
  // A stage that nothing reads: stage 2 (of 3) has b = 0 and a_32 = 0.
  const ButcherTableau dead =
      exact("Dead", {{0, 0, 0}, {Q(1, 2), 0, 0}, {1, 0, 0}}, {Q(1, 2), 0, Q(1, 2)}, {0, Q(1, 2), 1});
  const SolverPlan p = SolverPlan::of(dead);
  EXPECT_EQ(p.live, Live({true, false, true}));
  EXPECT_EQ(p.liveDownwards, Order({2, 0}));
  // Implicit stages are coupled: all live.
  EXPECT_EQ(SolverPlan::of(gaussLegendre2()).live, Live({true, true}));
}

TEST(SolverPlan, FirstSameAsLast) {
  // Bogacki–Shampine's third-order solution: c_4 = 1 and A's last row is b.
  const ButcherTableau bs3 = exact("BS3",
                                   {{0, 0, 0, 0},
                                    {Q(1, 2), 0, 0, 0},
                                    {0, Q(3, 4), 0, 0},
                                    {Q(2, 9), Q(1, 3), Q(4, 9), 0}},
                                   {Q(2, 9), Q(1, 3), Q(4, 9), 0}, {0, Q(1, 2), Q(3, 4), 1});
  EXPECT_TRUE(SolverPlan::of(bs3).fsal);
  EXPECT_EQ(SolverPlan::of(bs3).live, Live({true, true, true, false})); // its b_4 = 0
  EXPECT_FALSE(SolverPlan::of(rk4()).fsal);
  EXPECT_FALSE(SolverPlan::of(euler()).fsal);
  EXPECT_FALSE(SolverPlan::of(heun()).fsal); // c_2 = 1 but the last row is (1, 0), not b
}
