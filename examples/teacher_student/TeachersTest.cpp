// The driven teachers' data against an independent integration: classical RK4 with 2000 steps
// per sample interval, the input held at u_k over [t_k, t_{k+1}), reproduces the exact
// zero-order-hold samples (the matrix exponential) to 1e-11.
#include "Teachers.h"

#include <gtest/gtest.h>

namespace odec::study {
namespace {

TEST(DrivenTeachers, SamplesAreTheExactZeroOrderHoldSolution) {
  const Program program = Program::fromFile(ODEC_TEACHER_STUDENT_MODELS);
  const Model teacher = program.model("DrivenTeacher");
  Random rng(7);
  const double h = 0.1;
  for (TeacherKind kind : {TeacherKind::InsideEuler, TeacherKind::OutsideRK4}) {
    const Eigen::MatrixXd A = teacherMatrix(sampleTeacherPoles(kind, 4, rng), h, rng);
    const Eigen::VectorXd B = teacherInputMatrix(4, rng);
    const TrajectoryData data = drivenTeacherTrajectories(teacher, A, B, h, {2, 41, 1}, rng);
    ASSERT_EQ(data.trajectories.size(), 2u);
    EXPECT_EQ(data.inputColumns, std::vector<std::string>{"u"});
    for (const Trajectory &tr : data.trajectories) {
      ASSERT_EQ(tr.samples(), 41);
      ASSERT_EQ(tr.inputs.size(), 41u);
      int levels[2] = {0, 0}; // PWM: ±1 only
      for (double u : tr.inputs) {
        ASSERT_TRUE(u == 1.0 || u == -1.0) << u;
        ++levels[u > 0];
      }
      EXPECT_GT(levels[0] * levels[1], 0) << "the input never switches";
      Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(tr.states.data(), 4);
      const int n = 2000;
      const double dt = h / n;
      for (int64_t k = 0; k + 1 < tr.samples(); ++k) {
        const Eigen::VectorXd Bu = B * tr.inputs[size_t(k)];
        auto f = [&](const Eigen::VectorXd &y) -> Eigen::VectorXd { return A * y + Bu; };
        for (int i = 0; i < n; ++i) {
          const Eigen::VectorXd k1 = f(x), k2 = f(x + dt / 2 * k1), k3 = f(x + dt / 2 * k2),
                                k4 = f(x + dt * k3);
          x += dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
        }
        const Eigen::VectorXd exact =
            Eigen::Map<const Eigen::VectorXd>(tr.states.data() + (k + 1) * 4, 4);
        ASSERT_LT((x - exact).norm(), 1e-11 * (1 + exact.norm())) << "sample " << k + 1;
        x = exact;
      }
    }
  }
}

} // namespace
} // namespace odec::study
