// A model compiled ahead of time. odec_add_model (CMakeLists.txt) ran `odec emit-cpp` on
// pendulum.node at build time, baking pendulum.json's parameters into Pendulum.hpp; this
// program only includes that header: no odec and no LLVM at build or run time.
//
//   aot_example            prints the pendulum's state at a few times
//   aot_example REF.csv    also checks the whole trajectory against REF.csv, the output of
//                          `odec simulate pendulum.node --params pendulum.json --tableau RK4
//                          --step 0.05 --steps 40 --x0 1,0 --out REF.csv`: every state must
//                          agree to 1e-12, relative (absolute below 1); exit 1 otherwise
#include "Pendulum.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr double kStep = 0.05;
constexpr std::int64_t kSteps = 40;

// The states of a CSV written by `odec simulate` (header t,x[1],x[2]; one row per step),
// row by row without the t column; empty if the file cannot be read.
std::vector<double> readStates(const char *path) {
  std::ifstream in(path);
  std::string line;
  std::vector<double> states;
  std::getline(in, line); // the header
  while (std::getline(in, line)) {
    std::istringstream row(line);
    std::string cell;
    std::getline(row, cell, ','); // t
    while (std::getline(row, cell, ','))
      states.push_back(std::stod(cell));
  }
  return states;
}

} // namespace

int main(int argc, char **argv) {
  namespace model = Pendulum;
  const std::vector<model::Real> x0 = {1.0, 0.0};
  std::vector<model::Real> traj(std::size_t(kSteps + 1) * model::kStateDim);
  model::simulate(model::Params{}, x0.data(), traj.data(), /*batch=*/1, kSteps, kStep);

  for (std::int64_t n = 0; n <= kSteps; n += 10)
    std::printf("x(%.2f) = (%.12f, %.12f)\n", double(n) * kStep,
                traj[std::size_t(n * model::kStateDim)],
                traj[std::size_t(n * model::kStateDim + 1)]);
  if (argc < 2)
    return 0;

  const std::vector<double> reference = readStates(argv[1]);
  if (reference.size() != traj.size()) {
    std::fprintf(stderr, "%s: %zu values, expected %zu\n", argv[1], reference.size(),
                 traj.size());
    return 1;
  }
  double worst = 0;
  for (std::size_t i = 0; i < traj.size(); ++i)
    worst = std::max(worst, std::abs(traj[i] - reference[i]) /
                                std::max(1.0, std::abs(reference[i])));
  std::printf("largest relative difference to %s: %.3g\n", argv[1], worst);
  return worst <= 1e-12 ? 0 : 1;
}
