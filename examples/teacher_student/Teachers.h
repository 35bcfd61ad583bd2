// The teachers of the teacher–student study (science.md §1, the paper's figures 4–5): linear
// systems ddt(x) = A x whose poles, scaled by the training step h, lie either inside forward
// Euler's stability region or outside RK4's, and the trajectories they generate.
#pragma once

#include "init/Random.h"
#include "io/TrajectoryData.h"

#include <odec/odec.h>

#include <Eigen/Dense>
#include <complex>
#include <vector>

namespace odec::study {

enum class TeacherKind {
  InsideEuler, // |R_1(hλ)| ≤ 0.8: every solver of order 1–4 integrates it stably
  OutsideRK4   // |R_4(hλ)| > 1 with Re λ < 0: stable in continuous time, but no solver of
               // order ≤ 4 at step h reproduces it stably
};
const char *kindName(TeacherKind k); // "inside Euler", "outside RK4"

/// n poles z = hλ of the given kind: conjugate pairs, then one real pole when n is odd.
/// Inside: the runtime's region sampler with the paper's teacher margin 0.8. Outside: the
/// paper's box Re z ∈ [−6, −0.1), |Im z| ≤ 6, rejecting what RK4's region contains.
std::vector<std::complex<double>> sampleTeacherPoles(TeacherKind kind, int n, Random &rng);

/// A = Q B Qᵀ / h with Q Haar-orthogonal: a real matrix whose eigenvalues are exactly poles/h.
Eigen::MatrixXd teacherMatrix(const std::vector<std::complex<double>> &poles, double h,
                              Random &rng);

struct TrajectorySpec {
  int64_t trajectories = 8; // initial states uniform in [−1, 1]^D
  int64_t samples = 31;     // per trajectory, h apart
  int64_t substeps = 20;    // RK4 steps of h/substeps between samples: accurate even for
                            // poles far outside the training solver's region
};

/// Trajectories of the teacher with matrix A (row-major flat, the Teacher model's layout)
/// sampled at t = 0, h, 2h, … on the grid the trainer expects (stride 1).
TrajectoryData teacherTrajectories(const Simulator &rk4, const Model &teacher,
                                   const Eigen::MatrixXd &A, double h, const TrajectorySpec &spec,
                                   Random &rng);

/// The paper's setting (science.md §1): teachers ddt(x) = A x + B u driven by a PWM-like input
/// u(t) (SignalFamily::Pwm: ±1, periods of 10–40 samples, duty 0.2–0.8), held between samples.
/// B has entries uniform in [−1, 1]. Samples are exact: x_{k+1} = Φ x_k + Γ u_k with
/// Φ = e^{Ah}, Γ = ∫_0^h e^{As} ds B (zero-order hold, through the matrix exponential of
/// [[A, B], [0, 0]] h), so no solver error enters the data. The data's input column `u` holds
/// u_k at t_k; spec.substeps is not used.
Eigen::VectorXd teacherInputMatrix(int n, Random &rng);
TrajectoryData drivenTeacherTrajectories(const Model &teacher, const Eigen::MatrixXd &A,
                                         const Eigen::VectorXd &B, double h,
                                         const TrajectorySpec &spec, Random &rng);

} // namespace odec::study
