#include "ir/Model.h"

#include <algorithm>

namespace odec::ir {

namespace {
int64_t totalSize(const std::vector<ModelIR::Slot> &slots) {
  int64_t n = 0;
  for (const ModelIR::Slot &s : slots)
    n += s.shape.size();
  return n;
}
} // namespace

int64_t ModelIR::stateDim() const { return totalSize(states); }
int64_t ModelIR::paramCount() const { return totalSize(params); }
int64_t ModelIR::exoDim() const { return totalSize(exogenous); }

int64_t ModelIR::largestProduct() const {
  int64_t largest = 0;
  for (const Node *n : topologicalOrder(ddt))
    if (n->is(Op::MatMul))
      largest = std::max<int64_t>(largest, n->args[0]->shape.size() * n->args[1]->shape.cols);
  return largest;
}

Function ModelIR::field() const {
  Function f;
  f.name = name;
  for (const Slot &s : states)
    f.inputs.push_back(s.var);
  for (const Slot &p : params)
    f.inputs.push_back(p.var);
  for (const Slot &e : exogenous)
    f.inputs.push_back(e.var);
  f.outputs = ddt;
  for (const Slot &s : states)
    f.outputNames.push_back("ddt(" + s.name + ")");
  return f;
}

} // namespace odec::ir
