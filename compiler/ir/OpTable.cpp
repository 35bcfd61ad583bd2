#include "ir/OpTable.h"

namespace odec::ir {

Partials elementwisePartials(const Expr &y, Wanted wanted) {
  switch (y->op) {
#define ODEC_PARTIALS_CASE(Name, ...)                                                             \
  case Op::Name:                                                                                  \
    return OpDef<Op::Name>::partials(y, wanted);
    ODEC_ELEMENTWISE_OPS(ODEC_PARTIALS_CASE)
#undef ODEC_PARTIALS_CASE
  ODEC_NOT_ELEMENTWISE_CASES
    break;
  }
  throw InternalError(std::string("elementwisePartials of a non-elementwise op: ") +
                      opInfo(y->op).name);
}

} // namespace odec::ir
