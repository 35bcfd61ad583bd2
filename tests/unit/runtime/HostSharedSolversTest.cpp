// Model::vjp and Model::lossGradient compile the adjoint alone: in batch code it solves forward
// in its own sweep, keeping a tape, and a simulator after it compiles its own; what the
// adjoint's forward sweep computes is the simulator's trajectory to the bit.
#include "odec/odec.h"

#include "jit/Jit.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

TEST(HostSharedSolvers, AVjpIsCompiledAloneAndSolvesAsTheSimulator) {
  const odec::Program prog =
      odec::Program::fromFile(std::string(ODEC_SOURCE_DIR) + "/examples/spiral.node");
  const odec::Model m = prog.model("Spiral");
  const std::vector<double> params = m.sampleParams(4);
  const int64_t batch = 11, steps = 20, D = m.stateDim();
  std::vector<double> x0;
  for (int64_t i = 0; i < batch * D; ++i)
    x0.push_back(0.3 * double(i % 5) - 0.6);
  const std::vector<double> cot(size_t(batch * (steps + 1) * D), 0.5);

  const int64_t before = odec::jit::modulesCompiled();
  const odec::Vjp vjp = m.vjp("RK4");
  const odec::Simulator sim = m.simulator("RK4");
  EXPECT_EQ(odec::jit::modulesCompiled() - before, 2) << "no solver to share";
  // The VJP's stored trajectory is what the forward solver computes.
  const std::vector<double> traj = vjp(params, x0, batch, steps, 0.05, cot).trajectory;
  EXPECT_EQ(sim.simulate(params, x0, batch, steps, 0.05), traj);
}

TEST(HostSharedSolvers, ALossGradientIsCompiledAloneAndSolvesAsTheSimulator) {
  const odec::Model m =
      odec::Program::fromFile(std::string(ODEC_SOURCE_DIR) + "/examples/spiral.node")
          .model("Spiral");
  const std::vector<double> params = m.sampleParams(4);
  const int64_t batch = 11, steps = 20, D = m.stateDim();
  std::vector<double> x0;
  for (int64_t i = 0; i < batch * D; ++i)
    x0.push_back(0.3 * double(i % 5) - 0.6);
  const int64_t before = odec::jit::modulesCompiled();
  const odec::LossGradient grad = m.lossGradient("RK4");
  const odec::Simulator sim = m.simulator("RK4");
  EXPECT_EQ(odec::jit::modulesCompiled() - before, 2) << "no solver to share";
  // The adjoint's own forward sweep computes what the forward solver does, to the bit.
  const std::vector<int64_t> targetSteps = {steps};
  const std::vector<double> weights = {1.0}, targets(size_t(batch * D), 0.25);
  std::vector<double> traj(size_t(batch * (steps + 1) * D)), gradParams(params.size()),
      gradX0(x0.size());
  grad(params.data(), x0.data(), batch, steps, 0.05, 1, targetSteps.data(), weights.data(),
       targets.data(), traj.data(), gradParams.data(), gradX0.data());
  EXPECT_EQ(sim.simulate(params, x0, batch, steps, 0.05), traj);
}
