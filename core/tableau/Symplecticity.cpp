#include "tableau/Symplecticity.h"

#include "tableau/NumericTableau.h"

namespace odec {

bool isSymplectic(const ButcherTableau &t) {
  return exactOrDouble(t, [](const auto &n) {
    for (int i = 0; i < n.s; ++i)
      for (int j = 0; j < n.s; ++j)
        if (!isNegligible(n.b[size_t(i)] * n.a(i, j) + n.b[size_t(j)] * n.a(j, i) -
                          n.b[size_t(i)] * n.b[size_t(j)]))
          return false;
    return true;
  });
}

} // namespace odec
