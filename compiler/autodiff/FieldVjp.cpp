#include "autodiff/FieldVjp.h"

#include "autodiff/Derivative.h"
#include "ir/Builder.h"

namespace odec::ad {

FieldVjp fieldVjp(const ir::ModelIR &model, const std::string &prefix, const std::string &suffix) {
  FieldVjp v;
  std::vector<ir::Expr> wrt;
  for (size_t k = 0; k < model.states.size(); ++k) {
    const ir::ModelIR::Slot &s = model.states[k];
    v.cotangents.push_back(
        ir::variable(prefix + s.name + suffix, ir::VarRole::Cotangent, int(k), s.shape));
    wrt.push_back(s.var);
  }
  for (const ir::ModelIR::Slot &p : model.params)
    wrt.push_back(p.var);
  v.all = vjp(model.ddt, v.cotangents, wrt);
  v.wrtStates.assign(v.all.begin(), v.all.begin() + long(model.states.size()));
  v.wrtParams.assign(v.all.begin() + long(model.states.size()), v.all.end());
  return v;
}

} // namespace odec::ad
