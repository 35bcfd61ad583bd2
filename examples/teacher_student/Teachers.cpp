#include "Teachers.h"

#include "init/HaarOrthogonal.h"
#include "init/TargetSpectrum.h"
#include "signal/SignalFamily.h"
#include "tableau/StabilityRegion.h"

#include <unsupported/Eigen/MatrixFunctions>

#include <stdexcept>

namespace odec::study {

namespace {

// R_p(z) = Σ_{k=0..p} z^k / k!, the stability function of every explicit p-stage method of
// order p ≤ 4 (science.md §1), so the teachers need no tableau.
StabilityFunction taylorStability(int p) {
  std::vector<double> c(size_t(p) + 1, 1.0);
  for (int k = 1; k <= p; ++k)
    c[size_t(k)] = c[size_t(k) - 1] / k;
  StabilityFunction R;
  R.numerator = Polynomial<double>(c);
  R.denominator = Polynomial<double>(std::vector<double>{1.0});
  return R;
}

std::complex<double> outsideRK4Pole(const StabilityFunction &R4, bool complex, Random &rng) {
  for (int i = 0; i < 1'000'000; ++i) {
    std::complex<double> z(rng.uniform(-6.0, -0.1), complex ? rng.uniform(-6.0, 6.0) : 0.0);
    if (amplification(R4, z) > 1)
      return z;
  }
  throw std::logic_error("no pole outside RK4's region in the sampling box"); // cannot happen
}

} // namespace

const char *kindName(TeacherKind k) {
  return k == TeacherKind::InsideEuler ? "inside Euler" : "outside RK4";
}

std::vector<std::complex<double>> sampleTeacherPoles(TeacherKind kind, int n, Random &rng) {
  if (kind == TeacherKind::InsideEuler)
    return sampleStablePoles(taylorStability(1), 0.8, PoleRegion{}, 1, n, rng); // the whole region
  const StabilityFunction R4 = taylorStability(4);
  std::vector<std::complex<double>> poles;
  for (int k = 0; k < n / 2; ++k) {
    std::complex<double> z = outsideRK4Pole(R4, true, rng);
    poles.push_back(z);
    poles.push_back(std::conj(z));
  }
  if (n % 2)
    poles.push_back(outsideRK4Pole(R4, false, rng));
  return poles;
}

Eigen::MatrixXd teacherMatrix(const std::vector<std::complex<double>> &poles, double h,
                              Random &rng) {
  return realMatrixWithEigenvalues(poles, haarOrthogonal(int(poles.size()), rng)) / h;
}

TrajectoryData teacherTrajectories(const Simulator &rk4, const Model &teacher,
                                   const Eigen::MatrixXd &A, double h, const TrajectorySpec &spec,
                                   Random &rng) {
  const int64_t D = teacher.stateDim();
  std::vector<double> params(size_t(D * D));
  for (int64_t i = 0; i < D; ++i)
    for (int64_t j = 0; j < D; ++j)
      params[size_t(i * D + j)] = A(i, j);
  std::vector<double> x0(size_t(spec.trajectories * D));
  for (double &v : x0)
    v = rng.uniform(-1.0, 1.0);
  const int64_t steps = (spec.samples - 1) * spec.substeps;
  std::vector<double> fine =
      rk4.simulate(params, x0, spec.trajectories, steps, h / double(spec.substeps));

  TrajectoryData data;
  data.stateColumns = teacher.stateColumns();
  data.step = h;
  data.stride = 1;
  for (int64_t b = 0; b < spec.trajectories; ++b) {
    Trajectory t;
    t.id = b + 1;
    for (int64_t k = 0; k < spec.samples; ++k) {
      t.times.push_back(double(k) * h);
      const double *row = &fine[size_t((b * (steps + 1) + k * spec.substeps) * D)];
      t.states.insert(t.states.end(), row, row + D);
    }
    data.trajectories.push_back(std::move(t));
  }
  return data;
}

Eigen::VectorXd teacherInputMatrix(int n, Random &rng) {
  Eigen::VectorXd B(n);
  for (int i = 0; i < n; ++i)
    B(i) = rng.uniform(-1.0, 1.0);
  return B;
}

TrajectoryData drivenTeacherTrajectories(const Model &teacher, const Eigen::MatrixXd &A,
                                         const Eigen::VectorXd &B, double h,
                                         const TrajectorySpec &spec, Random &rng) {
  const Eigen::Index D = A.rows();
  Eigen::MatrixXd M = Eigen::MatrixXd::Zero(D + 1, D + 1);
  M.topLeftCorner(D, D) = A * h;
  M.topRightCorner(D, 1) = B * h;
  const Eigen::MatrixXd E = M.exp();
  const Eigen::MatrixXd Phi = E.topLeftCorner(D, D);
  const Eigen::VectorXd Gamma = E.topRightCorner(D, 1);

  TrajectoryData data;
  data.stateColumns = teacher.stateColumns();
  data.inputColumns = teacher.inputColumns();
  data.step = h;
  data.stride = 1;
  std::vector<double> times;
  for (int64_t k = 0; k < spec.samples; ++k)
    times.push_back(double(k) * h);
  for (int64_t b = 0; b < spec.trajectories; ++b) {
    Trajectory t;
    t.id = b + 1;
    t.times = times;
    Eigen::VectorXd x(D);
    for (Eigen::Index i = 0; i < D; ++i)
      x(i) = rng.uniform(-1.0, 1.0);
    t.inputs = drawSignal(SignalFamily::Pwm, times, 1, rng);
    for (int64_t k = 0; k < spec.samples; ++k) {
      t.states.insert(t.states.end(), x.data(), x.data() + D);
      x = Phi * x + Gamma * t.inputs[size_t(k)];
    }
    data.trajectories.push_back(std::move(t));
  }
  return data;
}

} // namespace odec::study
