#include "tableau/SolverPlan.h"

namespace odec {

SolverPlan SolverPlan::of(const ButcherTableau &t) {
  SolverPlan p;
  const int s = t.stages;
  p.stages = s;
  bool diagonal = false, above = false;
  for (int i = 0; i < s; ++i) {
    diagonal = diagonal || t.a(i, i) != 0;
    for (int j = i + 1; j < s; ++j)
      above = above || t.a(i, j) != 0;
  }
  p.kind = above ? Kind::Implicit : diagonal ? Kind::DiagonallyImplicit : Kind::Explicit;
  p.live.assign(size_t(s), true);
  if (p.kind == Kind::Explicit)
    for (int i = s - 1; i >= 0; --i) {
      bool reaches = t.b[size_t(i)].value != 0;
      for (int j = i + 1; j < s; ++j)
        reaches = reaches || (p.live[size_t(j)] && t.a(j, i) != 0);
      p.live[size_t(i)] = reaches;
    }
  for (int i = s - 1; i >= 0; --i)
    if (p.live[size_t(i)])
      p.liveDownwards.push_back(i);
  p.fsal = p.kind == Kind::Explicit && s > 1 && t.c[size_t(s - 1)].value == 1;
  for (int j = 0; j < s && p.fsal; ++j)
    p.fsal = t.a(s - 1, j) == t.b[size_t(j)].value;
  p.embedded = t.hasEmbedded();
  return p;
}

} // namespace odec
