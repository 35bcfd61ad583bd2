#include "tableau/ButcherTableau.h"

namespace odec {

bool ButcherTableau::isExplicit() const {
  for (int i = 0; i < stages; ++i)
    for (int j = i; j < stages; ++j)
      if (a(i, j) != 0)
        return false;
  return true;
}

bool ButcherTableau::isExact() const {
  for (const auto *v : {&A, &b, &c})
    for (const Coefficient &x : *v)
      if (!x.exact)
        return false;
  return true;
}

} // namespace odec
