#include "train/Adam.h"

#include <cmath>
#include <stdexcept>

namespace odec {

double adamStep(const AdamConfig &c, AdamState &s, std::vector<double> &params,
                std::vector<double> grad) {
  if (grad.size() != params.size())
    throw std::invalid_argument("Adam: the gradient and the parameters differ in size");
  if (s.m.empty() && s.v.empty()) {
    s.m.assign(params.size(), 0.0);
    s.v.assign(params.size(), 0.0);
  }
  if (s.m.size() != params.size() || s.v.size() != params.size())
    throw std::invalid_argument("Adam: the moment estimates and the parameters differ in size");
  double sq = 0;
  for (double g : grad)
    sq += g * g;
  const double norm = std::sqrt(sq);
  if (c.clipNorm > 0 && norm > c.clipNorm)
    for (double &g : grad)
      g *= c.clipNorm / norm;
  ++s.step;
  const double bias1 = 1 - std::pow(c.beta1, double(s.step));
  const double bias2 = 1 - std::pow(c.beta2, double(s.step));
  for (size_t i = 0; i < params.size(); ++i) {
    s.m[i] = c.beta1 * s.m[i] + (1 - c.beta1) * grad[i];
    s.v[i] = c.beta2 * s.v[i] + (1 - c.beta2) * grad[i] * grad[i];
    params[i] -= c.learningRate * (s.m[i] / bias1) / (std::sqrt(s.v[i] / bias2) + c.epsilon);
  }
  return norm;
}

} // namespace odec
