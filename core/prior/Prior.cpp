#include "prior/Prior.h"

#include <sstream>

namespace odec {

std::string Prior::str() const {
  std::ostringstream os;
  switch (kind) {
  case Kind::Normal:
    os << "Normal(" << a << ", " << b << ")";
    break;
  case Kind::Uniform:
    os << "Uniform(" << a << ", " << b << ")";
    break;
  case Kind::Zeros:
    os << "Zeros()";
    break;
  case Kind::Ones:
    os << "Ones()";
    break;
  case Kind::Glorot:
    os << "Glorot()";
    break;
  case Kind::Constant:
    os << "Constant(" << a << ")";
    break;
  }
  return os.str();
}

} // namespace odec
