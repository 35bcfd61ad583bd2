#include "tableau/ButcherTableau.h"
#include "tableau/SolverPlan.h"

namespace odec {

bool ButcherTableau::isExplicit() const { return SolverPlan::of(*this).isExplicit(); }

bool ButcherTableau::isExact() const {
  for (const auto *v : {&A, &b, &c, &bhat, &dense})
    for (const Coefficient &x : *v)
      if (!x.exact)
        return false;
  return true;
}

ButcherTableau ButcherTableau::embeddedMethod() const {
  return ButcherTableau{name + " (embedded)", stages, A, bhat, c, {}, {}, 0};
}

} // namespace odec
