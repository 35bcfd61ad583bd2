// The prelude's tableaux, as the driver parses them, analyze like the textbook methods.
#include "driver/Compilation.h"
#include "tableau/TableauReport.h"

#include <gtest/gtest.h>

namespace odec::test {
namespace {

TEST(PreludeTableaux, OrdersAndStabilityAsDocumented) {
  std::shared_ptr<Compilation> c = Compilation::fromText("<none>", "");
  ASSERT_TRUE(c->ok) << c->diags.formatAll();
  struct Case {
    const char *name;
    int order;
    bool exact, aStable, symplectic;
  };
  for (const Case &k :
       {Case{"Euler", 1, true, false, false}, Case{"Midpoint", 2, true, false, false},
        Case{"Heun", 2, true, false, false}, Case{"Ralston", 2, true, false, false},
        Case{"Kutta3", 3, true, false, false}, Case{"SSPRK3", 3, true, false, false},
        Case{"RK4", 4, true, false, false}, Case{"RK38", 4, true, false, false},
        Case{"BackwardEuler", 1, true, true, false}, Case{"ImplicitMidpoint", 2, true, true, true},
        Case{"Trapezoid", 2, true, true, false}, Case{"SDIRK3", 3, false, true, false},
        Case{"GaussLegendre2", 4, false, true, true}, Case{"GaussLegendre3", 6, false, true, true},
        Case{"RadauIIA3", 3, true, true, false}, Case{"RadauIIA5", 5, false, true, false}}) {
    TableauReport r = analyzeTableau(c->tableau(k.name));
    EXPECT_EQ(r.order.order, k.order) << k.name;
    EXPECT_EQ(r.exact, k.exact) << k.name;
    EXPECT_EQ(r.aStable, k.aStable) << k.name;
    EXPECT_EQ(r.symplectic, k.symplectic) << k.name;
    EXPECT_TRUE(r.rowSumConsistent) << k.name;
  }
}

} // namespace
} // namespace odec::test
