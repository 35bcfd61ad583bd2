// What every solver emitter needs to know about a tableau, decided once: the LLVM solvers and
// adjoints (codegen/), the emitted C++ (codegen/CppEmitter) and the implicit runtime all read
// this, rather than each deriving it from A and b again.
#pragma once

#include "tableau/ButcherTableau.h"

#include <vector>

namespace odec {

struct SolverPlan {
  enum class Kind {
    Explicit,           // A strictly lower triangular: stages in order, no solve
    DiagonallyImplicit, // A lower triangular with a nonzero diagonal: one stage solve at a time
    Implicit,           // A has an entry above the diagonal: all stages solved together
  };
  Kind kind = Kind::Explicit;
  int stages = 0;
  /// live[i]: stage i reaches x_{n+1}: b_i ≠ 0, or a_ji ≠ 0 for a live later stage j (in an
  /// explicit tableau). A dead stage's value is never used, so the reverse sweep skips its
  /// vector–Jacobian product and its adjoint X̄_i is zero. Every stage is live in an implicit
  /// tableau (the stages are coupled). For the fixed-step solvers, which propagate b alone
  /// (a pair's last stage with b_s = 0 is dead there).
  std::vector<bool> live;
  /// The live stages, last first: the order the reverse sweep visits them.
  std::vector<int> liveDownwards;
  /// First same as last: an explicit tableau with c_s = 1 whose last row of A equals b, so
  /// the last stage's field value is the next step's first (Dormand–Prince,
  /// Bogacki–Shampine). Reported for the embedded pairs; the fixed-step emitters do not reuse
  /// it yet.
  bool fsal = false;
  /// The tableau carries embedded weights (bhat): an adaptive pair.
  bool embedded = false;
  /// How an adaptive solve outputs a state inside an accepted step from x_n to x_{n+1}, at the
  /// fraction θ of it: x_n + h Σ_{i<s} w_i(θ) K_i + h w_s(θ) f(x_{n+1}), each weight a
  /// polynomial w_i(θ) = Σ_j dense[i][j] θ^(j+1) (s + 1 rows). The tableau's own extension
  /// (`dense`; row s zero) when it has one, else the cubic Hermite interpolant of x_n, f(x_n) =
  /// K_1, x_{n+1} and f(x_{n+1}) (which an FSAL pair has as its last stage, and any other pair
  /// computes anyway as the next step's first). Empty for a tableau without bhat.
  std::vector<std::vector<double>> dense;
  bool hermite = false; // dense is the Hermite interpolant

  bool isExplicit() const { return kind == Kind::Explicit; }
  static SolverPlan of(const ButcherTableau &t);
};

} // namespace odec
