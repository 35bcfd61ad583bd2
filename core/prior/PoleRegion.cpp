#include "prior/PoleRegion.h"

namespace odec {

PoleRegion PoleRegion::defaults() {
  PoleRegion r;
  r.real = std::pair(-0.5, -0.01);
  r.imag = std::pair(-0.5, 0.5);
  return r;
}

} // namespace odec
