#include "driver/ModelInit.h"

#include "driver/StateJacobian.h"

#include <algorithm>

namespace odec {

const sema::CheckedInit *findInit(const Compilation &c, const std::string &model) {
  for (const sema::CheckedInit &i : c.checked.inits)
    if (i.model == model)
      return &i;
  return nullptr;
}

InitPoints initOperatingPoints(const sema::CheckedModel &m, const ir::ModelIR &ir,
                              const sema::CheckedInit &init) {
  std::vector<TensorSlot> states = stateLayout(m);
  const std::vector<double> origin(size_t(flatSize(states)), 0.0);
  const std::vector<double> noInputs(size_t(ir.exoDim()), 0.0); // t = 0, zero inputs
  InitPoints points;
  std::vector<std::string> named; // what the current point has set
  for (const auto &[name, values] : init.operatingPoints) {
    if (points.states.empty() || std::find(named.begin(), named.end(), name) != named.end()) {
      points.states.push_back(origin);
      points.exogenous.push_back(noInputs);
      named.clear();
    }
    named.push_back(name);
    // A state named t shadows the time (sema resolves the name the same way).
    auto state = std::find_if(states.begin(), states.end(),
                              [&](const TensorSlot &s) { return s.name == name; });
    if (state != states.end()) {
      std::copy(values.begin(), values.end(), points.states.back().begin() + state->offset);
      continue;
    }
    for (const ir::ModelIR::Slot &s : ir.exogenous)
      if (s.name == name)
        std::copy(values.begin(), values.end(), points.exogenous.back().begin() + s.offset);
  }
  if (points.states.empty()) {
    points.states.push_back(origin);
    points.exogenous.push_back(noInputs);
  }
  if (ir.autonomous())
    points.exogenous.clear();
  return points;
}

StabilityInitProblem modelInitProblem(const sema::CheckedModel &m, const ir::ModelIR &ir,
                                      const jit::CompileOptions &options) {
  StabilityInitProblem p;
  p.params = paramLayout(m);
  p.stateDim = ir.stateDim();
  p.exoDim = ir.exoDim();
  p.jacobian = stateJacobian(ir, options);
  return p;
}

} // namespace odec
