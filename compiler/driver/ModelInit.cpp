#include "driver/ModelInit.h"

#include "driver/StateJacobian.h"
#include "tableau/StabilityFunction.h"

namespace odec {

const sema::CheckedInit *findInit(const Compilation &c, const std::string &model) {
  for (const sema::CheckedInit &i : c.checked.inits)
    if (i.model == model)
      return &i;
  return nullptr;
}

std::vector<double> initOperatingPoint(const sema::CheckedModel &m, const sema::CheckedInit &init) {
  std::vector<TensorSlot> states = stateLayout(m);
  std::vector<double> x(size_t(flatSize(states)), 0.0);
  for (const auto &[name, values] : init.operatingPoints)
    for (const TensorSlot &s : states)
      if (s.name == name)
        std::copy(values.begin(), values.end(), x.begin() + s.offset);
  return x;
}

StabilityInitProblem modelInitProblem(const sema::CheckedModel &m, const ir::ModelIR &ir) {
  StabilityInitProblem p;
  p.params = paramLayout(m);
  p.stateDim = ir.stateDim();
  p.jacobian = stateJacobian(ir);
  return p;
}

StabilityInitProblem initBlockProblem(const Compilation &c, const sema::CheckedModel &m,
                                      const ir::ModelIR &ir, const sema::CheckedInit &init) {
  StabilityInitProblem p = modelInitProblem(m, ir);
  p.operatingPoints = {initOperatingPoint(m, init)};
  p.step = init.step;
  p.solver = init.solver;
  p.R = stabilityFunction(c.tableau(init.solver));
  p.margin = init.margin;
  p.strategy = init.strategy == sema::CheckedInit::Strategy::Rejection ? InitStrategy::Rejection
                                                                       : InitStrategy::Placement;
  p.maxTries = init.maxTries;
  return p;
}

} // namespace odec
