#include "tableau/ButcherTableau.h"
#include "tableau/SolverPlan.h"

namespace odec {

bool ButcherTableau::isExplicit() const { return SolverPlan::of(*this).isExplicit(); }

bool ButcherTableau::isExact() const {
  for (const auto *v : {&A, &b, &c})
    for (const Coefficient &x : *v)
      if (!x.exact)
        return false;
  return true;
}

} // namespace odec
