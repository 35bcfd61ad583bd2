#include "train/Adam.h"

#include <cmath>
#include <stdexcept>

namespace odec {

double adamStep(const AdamConfig &c, AdamState &s, std::vector<double> &params,
                const std::vector<double> &grad) {
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
  const bool clip = c.clipNorm > 0 && norm > c.clipNorm;
  const double scale = clip ? c.clipNorm / norm : 1; // g·1 is g: unclipped steps are exact
  ++s.step;
  const double bias1 = 1 - std::pow(c.beta1, double(s.step));
  const double bias2 = 1 - std::pow(c.beta2, double(s.step));
  if (c.optimizer == Optimizer::Adam) {
    for (size_t i = 0; i < params.size(); ++i) {
      const double g = grad[i] * scale;
      s.m[i] = c.beta1 * s.m[i] + (1 - c.beta1) * g;
      s.v[i] = c.beta2 * s.v[i] + (1 - c.beta2) * g * g;
      params[i] -= c.learningRate * (s.m[i] / bias1) / (std::sqrt(s.v[i] / bias2) + c.epsilon);
    }
    return norm;
  }
  auto mu = [&](int64_t k) {
    return c.beta1 * (1. - 0.5 * std::pow(0.96, double(k) * c.momentumDecay));
  };
  if (s.muProductSteps != s.step - 1) { // a fresh or restored state: P_{t-1} from the start
    s.muProduct = 1;
    for (int64_t k = 1; k < s.step; ++k)
      s.muProduct *= mu(k);
  }
  const double muNow = mu(s.step), muNext = mu(s.step + 1);
  s.muProduct *= muNow;
  s.muProductSteps = s.step;
  const double gradScale = c.learningRate * (1. - muNow) / (1. - s.muProduct);
  const double momentScale = c.learningRate * muNext / (1. - s.muProduct * muNext);
  for (size_t i = 0; i < params.size(); ++i) {
    const double g = grad[i] * scale;
    s.m[i] = c.beta1 * s.m[i] + (1 - c.beta1) * g;
    s.v[i] = c.beta2 * s.v[i] + (1 - c.beta2) * g * g;
    const double denom = std::sqrt(s.v[i] / bias2) + c.epsilon;
    params[i] -= gradScale * g / denom;
    params[i] -= momentScale * s.m[i] / denom;
  }
  return norm;
}

} // namespace odec
