#include "init/SampleParams.h"

#include <cmath>

namespace odec {

std::vector<double> sampleParams(const std::vector<TensorSlot> &layout, Random &rng) {
  std::vector<double> flat(size_t(flatSize(layout)));
  for (const TensorSlot &s : layout) {
    double *p = flat.data() + s.offset;
    const Prior &pr = s.prior;
    for (int64_t i = 0; i < s.size(); ++i) {
      switch (pr.kind) {
      case Prior::Kind::Normal:
        p[i] = rng.normal(pr.a, pr.b);
        break;
      case Prior::Kind::Uniform:
        p[i] = rng.uniform(pr.a, pr.b);
        break;
      case Prior::Kind::Zeros:
        p[i] = 0;
        break;
      case Prior::Kind::Ones:
        p[i] = 1;
        break;
      case Prior::Kind::Constant:
        p[i] = pr.a;
        break;
      case Prior::Kind::Glorot: {
        double limit = std::sqrt(6.0 / double(s.cols + s.rows));
        p[i] = rng.uniform(-limit, limit);
        break;
      }
      }
    }
  }
  return flat;
}

std::vector<double> sampleParams(const std::vector<TensorSlot> &layout, uint64_t seed) {
  Random rng(seed);
  return sampleParams(layout, rng);
}

} // namespace odec
