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
  if (p.embedded && p.kind == Kind::Explicit) {
    if (t.hasDense()) {
      p.dense.assign(size_t(s) + 1, std::vector<double>(size_t(t.denseDegree), 0.0));
      for (int i = 0; i < s; ++i)
        for (int j = 0; j < t.denseDegree; ++j)
          p.dense[size_t(i)][size_t(j)] = t.denseCoefficient(i, j).value;
    } else {
      // x(θ) = x_n + (3θ² − 2θ³)(x_{n+1} − x_n) + (θ − 2θ² + θ³) h f_n + (θ³ − θ²) h f_{n+1},
      // with x_{n+1} − x_n = h Σ b_i K_i and f_n = K_1.
      p.hermite = true;
      p.dense.assign(size_t(s) + 1, std::vector<double>(3, 0.0));
      for (int i = 0; i < s; ++i)
        p.dense[size_t(i)] = {0, 3 * t.b[size_t(i)].value, -2 * t.b[size_t(i)].value};
      p.dense[0][0] += 1;
      p.dense[0][1] += -2;
      p.dense[0][2] += 1;
      p.dense[size_t(s)] = {0, -1, 1};
    }
  }
  return p;
}

} // namespace odec
