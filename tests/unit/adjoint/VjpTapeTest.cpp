// A VJP split over two calls (Vjp::forwardWithTape, Vjp::fromTape): the forward pass keeps the
// reverse sweep's tape in the caller's memory (codegen/AdjointCodegen.h). Run at every x86-64
// level by CTest (level.*.adjoint): the tape's layout follows the chunk width.
#include "odec/odec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

/// 64-byte aligned memory of `bytes` (the tape's alignment).
std::shared_ptr<double> tapeMemory(int64_t bytes) {
  return {static_cast<double *>(std::aligned_alloc(64, size_t((bytes + 63) / 64 * 64 + 64))),
          std::free};
}

// A field whose product is too large for a tape (AdjointCodegen.h, kTapeMaxProduct).
const char *kWide = R"(
model Wide
    state x::Vector{2}
    param W1::Matrix{600,2} ~ Normal(0, 0.5)
    param W2::Matrix{2,600} ~ Glorot()
    ddt(x) = W2 * tanh.(W1 * x)
end
)";

} // namespace

// A forward pass that keeps its tape and the backward pass that reads it give the simulator's
// trajectory and the recomputing VJP's gradients to the bit: in double and float, for a batch
// of two chunks (the second partial) and a batch of one, for a solve shorter than the tape and
// one longer (whose first steps are recomputed), and for a field with no tape.
TEST(VjpTape, AVjpSplitOverTwoCallsGivesTheSameTrajectoryAndGradients) {
  const odec::Model spiral =
      odec::Program::fromFile(std::string(ODEC_SOURCE_DIR) + "/examples/spiral.node")
          .model("Spiral");
  const odec::Model wide = odec::Program::fromString(kWide, "wide.node").model("Wide");
  for (const odec::Model *m : {&spiral, &wide})
    for (odec::Precision precision : {odec::Precision::Double, odec::Precision::Float}) {
      const std::vector<double> params = m->sampleParams(6);
      const int64_t D = m->stateDim(), P = m->paramCount();
      const odec::Vjp vjp = m->vjp("RK4", precision);
      const odec::Simulator sim = m->simulator("RK4", precision);
      for (int64_t batch : {11, 1})
        for (int64_t steps : {7, 300}) {
          if (m == &wide && steps > 7)
            continue;
          SCOPED_TRACE(m->name() + ", batch " + std::to_string(batch) + ", steps " +
                       std::to_string(steps) +
                       (precision == odec::Precision::Float ? ", float" : ", double"));
          std::vector<double> x0, cot(size_t(batch * (steps + 1) * D));
          for (int64_t i = 0; i < batch * D; ++i)
            x0.push_back(0.37 * double(i % 7) - 1.1);
          for (size_t i = 0; i < cot.size(); ++i)
            cot[i] = std::sin(0.7 * double(i));
          const int64_t bytes = vjp.tapeBytes(batch);
          if (m == &wide || batch > 1) { // one trajectory may run one-lane code: no tape
            EXPECT_EQ(bytes > 0, m == &spiral);
          }
          if (m == &spiral && batch > 1) { // the short solve on the tape, the long one not all
            EXPECT_GE(vjp.tapeSteps(batch), 7);
            EXPECT_LT(vjp.tapeSteps(batch), 300);
          }
          const std::shared_ptr<double> tape = tapeMemory(bytes);
          std::vector<double> traj(cot.size()), gp(static_cast<size_t>(P)),
              gx(static_cast<size_t>(batch * D));
          vjp.forwardWithTape(params.data(), x0.data(), batch, steps, 0.05, traj.data(),
                              tape.get());
          EXPECT_EQ(traj, sim.simulate(params, x0, batch, steps, 0.05));
          vjp.fromTape(params.data(), x0.data(), batch, steps, 0.05, cot.data(), traj.data(),
                       tape.get(), gp.data(), gx.data());
          std::vector<double> gpRef(static_cast<size_t>(P)), gxRef(static_cast<size_t>(batch * D));
          vjp.fromTrajectory(params.data(), x0.data(), batch, steps, 0.05, cot.data(), traj.data(),
                             gpRef.data(), gxRef.data());
          EXPECT_EQ(gp, gpRef);
          EXPECT_EQ(gx, gxRef);
          const odec::Vjp::Result whole = vjp(params, x0, batch, steps, 0.05, cot);
          EXPECT_EQ(whole.gradParams, gp);
          EXPECT_EQ(whole.gradX0, gx);
        }
    }
}

TEST(VjpTape, TapesAreRefusedWhereThereAreNone) {
  const odec::Model m =
      odec::Program::fromFile(std::string(ODEC_SOURCE_DIR) + "/examples/spiral.node")
          .model("Spiral");
  const odec::Vjp implicit = m.vjp("GaussLegendre2");
  EXPECT_EQ(implicit.tapeBytes(4), 0);
  const std::vector<double> params = m.sampleParams(1), x0(8, 0.1);
  std::vector<double> traj(4 * 3 * 2);
  try {
    implicit.forwardWithTape(params.data(), x0.data(), 4, 2, 0.1, traj.data(), nullptr);
    FAIL() << "no error";
  } catch (const std::invalid_argument &e) {
    EXPECT_STREQ(e.what(), "the VJP of implicit tableau 'GaussLegendre2' keeps no tape: solve "
                           "forward with a Simulator, then call fromTrajectory");
  }
  const odec::Vjp vjp = m.vjp("RK4");
  auto tape = tapeMemory(vjp.tapeBytes(16) + 64);
  try {
    vjp.forwardWithTape(params.data(), x0.data(), 4, 2, 0.1, traj.data(),
                        reinterpret_cast<double *>(reinterpret_cast<char *>(tape.get()) + 8));
    FAIL() << "no error";
  } catch (const std::invalid_argument &e) {
    EXPECT_STREQ(e.what(), "the tape must be 64-byte aligned");
  }
}
