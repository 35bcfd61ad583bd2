#include "driver/ModelInit.h"

#include "driver/StateJacobian.h"
#include "tableau/StabilityFunction.h"

#include <algorithm>

namespace odec {

const sema::CheckedInit *findInit(const Compilation &c, const std::string &model) {
  for (const sema::CheckedInit &i : c.checked.inits)
    if (i.model == model)
      return &i;
  return nullptr;
}

std::vector<std::vector<double>> initOperatingPoints(const sema::CheckedModel &m,
                                                     const sema::CheckedInit &init) {
  std::vector<TensorSlot> states = stateLayout(m);
  const std::vector<double> origin(size_t(flatSize(states)), 0.0);
  std::vector<std::vector<double>> points;
  std::vector<std::string> named; // states the current point has set
  for (const auto &[name, values] : init.operatingPoints) {
    if (points.empty() || std::find(named.begin(), named.end(), name) != named.end()) {
      points.push_back(origin);
      named.clear();
    }
    named.push_back(name);
    for (const TensorSlot &s : states)
      if (s.name == name)
        std::copy(values.begin(), values.end(), points.back().begin() + s.offset);
  }
  if (points.empty())
    points.push_back(origin);
  return points;
}

StabilityInitProblem modelInitProblem(const sema::CheckedModel &m, const ir::ModelIR &ir,
                                      const jit::CompileOptions &options) {
  StabilityInitProblem p;
  p.params = paramLayout(m);
  p.stateDim = ir.stateDim();
  p.jacobian = stateJacobian(ir, options);
  return p;
}

StabilityInitProblem initBlockProblem(const Compilation &c, const sema::CheckedModel &m,
                                      const ir::ModelIR &ir, const sema::CheckedInit &init) {
  StabilityInitProblem p = modelInitProblem(m, ir);
  p.operatingPoints = initOperatingPoints(m, init);
  p.step = init.step;
  p.solver = init.solver;
  p.region = init.region.empty() ? init.solver : init.region;
  p.R = stabilityFunction(c.tableau(p.region));
  p.placement = init.placement;
  p.margin = init.margin;
  p.strategy = init.strategy == sema::CheckedInit::Strategy::Rejection ? InitStrategy::Rejection
                                                                       : InitStrategy::Placement;
  p.maxTries = init.maxTries;
  return p;
}

} // namespace odec
