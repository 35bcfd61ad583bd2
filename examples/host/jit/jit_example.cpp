// Training a neural ODE from a C++ host through odec's JIT (libodec.so, <odec/odec.h>):
// compile a .node string at run time, initialize the student with the program's
// stability-informed `init` block, and fit it to a teacher's trajectories with Adam on the
// exact gradient of the discrete RK4 solve (Model::lossGradient). Prints the loss at every
// step and exits 1 unless it decreased.
#include <odec/odec.h>

#include <cmath>
#include <cstdio>
#include <vector>

namespace {

// The teacher (a damped rotation with a fixed frequency) makes the data; the student, a
// small MLP vector field, learns it. The init block asks for a student whose linearization at
// the origin is stable for RK4 with the training step.
constexpr const char *kSource = R"(
model Teacher
    state x::Vector{2}
    param omega::Real ~ Constant(2.0)
    ddt(x) = [-0.1 * x[1] + omega * x[2], -omega * x[1] - 0.1 * x[2]]
end

model Student
    state x::Vector{2}
    param W1::Matrix{8,2} ~ Normal(0, 0.5)
    param b1::Vector{8}   ~ Zeros()
    param W2::Matrix{2,8} ~ Glorot()
    param b2::Vector{2}   ~ Zeros()
    h = tanh.(W1 * x .+ b1)
    ddt(x) = W2 * h .+ b2
end

init Student
    solver = RK4
    step = 0.1
    at x = zeros(2)
    require eigvals(step * jacobian(ddt(x), x)) in stability(RK4, margin = 0.9)
    strategy = rejection(max_tries = 10_000)
end
)";

// Adam (Kingma & Ba) with the usual β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
class Adam {
public:
  Adam(size_t size, double rate) : rate_(rate), m_(size), v_(size) {}

  void step(std::vector<double> &theta, const std::vector<double> &grad) {
    ++t_;
    const double c1 = 1 - std::pow(0.9, t_), c2 = 1 - std::pow(0.999, t_);
    for (size_t i = 0; i < theta.size(); ++i) {
      m_[i] = 0.9 * m_[i] + 0.1 * grad[i];
      v_[i] = 0.999 * v_[i] + 0.001 * grad[i] * grad[i];
      theta[i] -= rate_ * (m_[i] / c1) / (std::sqrt(v_[i] / c2) + 1e-8);
    }
  }

private:
  double rate_;
  int t_ = 0;
  std::vector<double> m_, v_;
};

} // namespace

int main() {
  try {
    const odec::Program program = odec::Program::fromString(kSource, "jit_example.node");
    const odec::Model teacher = program.model("Teacher"), student = program.model("Student");

    // Four trajectories of 20 RK4 steps of 0.1; the targets are the teacher's states at
    // steps 1..20 (layout batch x targets x stateDim).
    const int64_t batch = 4, steps = 20, D = teacher.stateDim();
    const double h = 0.1;
    const std::vector<double> x0 = {1, 0, 0, 1, -1, 0.5, 0.5, -1};
    const std::vector<double> truth =
        teacher.simulator("RK4").simulate(teacher.sampleParams(0), x0, batch, steps, h);
    std::vector<int64_t> targetSteps;
    std::vector<double> targets;
    for (int64_t n = 1; n <= steps; ++n)
      targetSteps.push_back(n);
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t n = 1; n <= steps; ++n)
        for (int64_t d = 0; d < D; ++d)
          targets.push_back(truth[size_t((b * (steps + 1) + n) * D + d)]);

    const odec::InitResult init = student.initialize(/*seed=*/7);
    std::printf("stability-informed init: %lld draw(s), max |R(h*lambda)| = %.3f\n",
                (long long)init.tries, init.maxAbsR);
    std::vector<double> theta = init.params;

    const odec::LossGradient lossGradient = student.lossGradient("RK4");
    Adam adam(theta.size(), /*rate=*/0.01);
    const int iterations = 40;
    double first = 0, last = 0;
    for (int it = 0; it <= iterations; ++it) {
      const odec::LossGradient::Result r =
          lossGradient.meanSquaredError(theta, x0, batch, steps, h, targetSteps, targets);
      if (it == 0)
        first = r.loss;
      last = r.loss;
      std::printf("step %2d  loss %.6f\n", it, r.loss);
      if (it < iterations)
        adam.step(theta, r.gradParams);
    }
    if (!(last < first)) {
      std::fprintf(stderr, "the loss did not decrease: %.6f -> %.6f\n", first, last);
      return 1;
    }
    std::printf("loss decreased: %.6f -> %.6f\n", first, last);
    return 0;
  } catch (const odec::CompileError &e) {
    std::fprintf(stderr, "%s", e.what()); // every diagnostic, formatted
  } catch (const odec::InitError &e) {
    std::fprintf(stderr, "init: %s\n", e.what());
  } catch (const std::exception &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
  }
  return 1;
}
