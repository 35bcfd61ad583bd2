// Peak memory of the fused discrete adjoint as the number of steps grows: only step states are
// stored (traj, B x (N+1) x D doubles), so the memory above the process's baseline should be
// that buffer plus an N-independent constant, i.e. grow linearly in N with slope B·D·8 bytes.
//
// The loss-gradient function is compiled once; each N runs in a forked child so its peak RSS
// (VmHWM) starts from the same baseline (VmRSS at the fork) and is not masked by earlier runs.
#include "ir/Builder.h"
#include "ir/Model.h"
#include "jit/Jit.h"
#include "tableau/ButcherTableau.h"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

using namespace odec;

namespace {

constexpr int kD = 4, kH = 32, kBatch = 256, kTargets = 10;

/// ddt(x) = W2 * tanh.(W1 * x .+ b1) .+ b2.
ir::ModelIR mlp() {
  auto slot = [](std::string name, ir::VarRole role, int index, Shape shape, int64_t offset) {
    return ir::ModelIR::Slot{name, shape, ir::variable(name, role, index, shape), offset};
  };
  using ir::VarRole;
  ir::ModelIR m;
  m.name = "Mlp";
  m.states = {slot("x", VarRole::State, 0, Shape::vector(kD), 0)};
  m.params = {slot("W1", VarRole::Param, 0, Shape::matrix(kH, kD), 0),
              slot("b1", VarRole::Param, 1, Shape::vector(kH), kH * kD),
              slot("W2", VarRole::Param, 2, Shape::matrix(kD, kH), kH * kD + kH),
              slot("b2", VarRole::Param, 3, Shape::vector(kD), 2 * kH * kD + kH)};
  ir::Expr h = ir::unary(ir::Op::Tanh,
                         ir::add(ir::matmul(m.params[0].var, m.states[0].var), m.params[1].var));
  m.ddt = {ir::add(ir::matmul(m.params[2].var, h), m.params[3].var)};
  return m;
}

ButcherTableau rk4() {
  const Rational A[4][4] = {
      {0, 0, 0, 0}, {Rational(1, 2), 0, 0, 0}, {0, Rational(1, 2), 0, 0}, {0, 0, 1, 0}};
  const Rational b[4] = {Rational(1, 6), Rational(1, 3), Rational(1, 3), Rational(1, 6)};
  ButcherTableau t;
  t.name = "RK4";
  t.stages = 4;
  for (int i = 0; i < 4; ++i) {
    Rational c = 0;
    for (int j = 0; j < 4; ++j) {
      t.A.push_back(Coefficient::rational(A[i][j]));
      c += A[i][j];
    }
    t.c.push_back(Coefficient::rational(c));
    t.b.push_back(Coefficient::rational(b[i]));
  }
  return t;
}

/// A field of /proc/self/status in bytes ("VmRSS", "VmHWM").
long statusBytes(const char *field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const size_t n = std::strlen(field);
  while (std::getline(in, line))
    if (line.compare(0, n, field) == 0 && line[n] == ':')
      return std::stol(line.substr(n + 1)) * 1024;
  return -1;
}

/// Runs one loss-gradient evaluation with N steps; prints one table row.
void measure(const jit::CompiledLossGrad &lossGrad, int64_t N, int64_t P) {
  const long baseline = statusBytes("VmRSS");
  std::vector<double> params(static_cast<size_t>(P)), x0(size_t{kBatch * kD}), weights(kTargets);
  std::vector<double> targets(size_t(kBatch * kTargets * kD), 0.5);
  std::vector<int64_t> steps(kTargets);
  for (size_t i = 0; i < params.size(); ++i)
    params[i] = 0.3 * std::sin(double(i));
  for (size_t i = 0; i < x0.size(); ++i)
    x0[i] = std::cos(double(i));
  for (int t = 0; t < kTargets; ++t) {
    steps[size_t(t)] = N * (t + 1) / kTargets;
    weights[size_t(t)] = 1.0 / (kTargets * kBatch * kD);
  }
  std::vector<double> traj(size_t(kBatch * (N + 1) * kD)), gradParams(static_cast<size_t>(P)),
      gradX0(size_t(kBatch * kD));
  const auto start = std::chrono::steady_clock::now();
  const double loss =
      lossGrad({params.data(), x0.data(), kBatch, N, 0.01, kTargets, steps.data(), weights.data(),
                targets.data(), traj.data(), gradParams.data(), gradX0.data()});
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const long peak = statusBytes("VmHWM");
  const double stored = double(traj.size() * sizeof(double));
  std::printf("%6lld %10.1f %10.1f %12.1f %8.3f %10.1f %9.1f  (L = %.6f)\n", (long long)N,
              double(peak) / 1048576, double(peak - baseline) / 1048576, stored / 1048576,
              double(peak - baseline) / stored, double(peak - baseline) / double(N), ms, loss);
}

} // namespace

int main() {
  const ir::ModelIR model = mlp();
  auto lossGrad = jit::compileLossGrad(model, rk4());
  std::printf("discrete adjoint, MLP D=%d H=%d, RK4, batch %d, %d targets\n", kD, kH, kBatch,
              kTargets);
  std::printf("%6s %10s %10s %12s %8s %10s %9s\n", "N", "peak MiB", "above MiB", "traj MiB",
              "ratio", "B/step", "ms");
  std::fflush(stdout);
  for (int64_t N : {1000, 2000, 4000, 8000}) {
    const pid_t child = fork();
    if (child == 0) {
      measure(*lossGrad, N, model.paramCount());
      std::fflush(stdout);
      _exit(0);
    }
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "measurement for N = %lld failed\n", (long long)N);
      return 1;
    }
  }
  return 0;
}
