// The models the initialization tests run on.
#pragma once

#include "InitTestSupport.h"

#include <fstream>
#include <sstream>

namespace odec::inittest {

inline std::string spiralSource() {
  std::ifstream in(std::string(ODEC_SOURCE_DIR) + "/examples/spiral.node");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// D = 4, H = 64, trained with Euler at h = 0.5. The `.- x` keeps rejection feasible: the
/// network's part alone has eigenvalues on both sides of the imaginary axis.
inline const char *kWide = R"(
model Wide
    state x::Vector{4}
    param W1::Matrix{64,4} ~ Glorot()
    param b1::Vector{64}   ~ Normal(0, 0.1)
    param W2::Matrix{4,64} ~ Glorot()
    param b2::Vector{4}    ~ Zeros()
    ddt(x) = W2 * tanh.(W1 * x .+ b1) .+ b2 .- x
end

init Wide
    solver = Euler
    step = 0.5
    at x = [0.1, -0.2, 0.3, 0]
    require eigvals(step * jacobian(ddt(x), x)) in stability(Euler, margin = 0.9)
    strategy = rejection(max_tries = 10_000)
end
)";

/// Every eigenvalue of W is about 11 > 0: no draw can be stable for Euler (|1 + hλ| > 1).
inline const char *kImpossible = R"(
model Linear
    state x::Vector{2}
    param W::Matrix{2,2} ~ Uniform(5, 6)
    ddt(x) = W * x
end

init Linear
    solver = Euler
    step = 1
    at x = zeros(2)
    require eigvals(step * jacobian(ddt(x), x)) in stability(Euler, margin = 0.9)
    strategy = rejection(max_tries = 50)
end
)";

/// The Jacobian W .* W is quadratic in the only parameter: placement cannot apply.
inline const char *kQuadratic = R"(
model Quadratic
    state x::Vector{2}
    param W::Matrix{2,2} ~ Normal(0, 1)
    ddt(x) = (W .* W) * x
end
)";

inline InitSettings settings(const std::string &tableau, double step, double margin,
                             InitSettings::Strategy strategy,
                             std::vector<std::vector<double>> points = {}) {
  InitSettings s;
  s.tableau = tableau;
  s.step = step;
  s.margin = margin;
  s.strategy = strategy;
  s.operatingPoints = std::move(points);
  return s;
}

} // namespace odec::inittest
