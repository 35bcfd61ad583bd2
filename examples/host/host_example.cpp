// A C++ host program using odec's JIT API: compile a .node model at run time, sample its
// parameters, JIT-compile a fused RK4 solver and simulate a batch of initial states.
//
//   host_example path/to/spiral.node
#include <odec/odec.h>

#include <cmath>
#include <cstdio>

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s MODEL.node\n", argv[0]);
    return 2;
  }
  try {
    odec::Program program = odec::Program::fromFile(argv[1]);
    odec::Model model = program.model(); // the file's only model
    std::vector<double> theta = model.sampleParams(/*seed=*/42);
    odec::Simulator rk4 = model.simulator("RK4");

    const int64_t batch = 3, steps = 20, D = model.stateDim();
    std::vector<double> x0(size_t(batch * D));
    for (int64_t b = 0; b < batch; ++b)
      x0[size_t(b * D)] = 1.0 + double(b); // (1,0), (2,0), (3,0)
    std::vector<double> traj = rk4.simulate(theta, x0, batch, steps, 0.1);

    for (int64_t b = 0; b < batch; ++b) {
      const double *last = &traj[size_t((b * (steps + 1) + steps) * D)];
      std::printf("trajectory %lld: x(%.1f) = (", (long long)b + 1, 0.1 * steps);
      for (int64_t d = 0; d < D; ++d) {
        if (!std::isfinite(last[d]))
          return 1;
        std::printf("%s%.6f", d ? ", " : "", last[d]);
      }
      std::printf(")\n");
    }
    return 0;
  } catch (const odec::CompileError &e) {
    std::fprintf(stderr, "%s", e.what());
  } catch (const std::exception &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
  }
  return 1;
}
