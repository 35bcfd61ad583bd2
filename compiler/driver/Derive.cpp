#include "driver/Derive.h"

#include "autodiff/Derivative.h"
#include "autodiff/FieldVjp.h"
#include "ir/Builder.h"
#include "ir/CSE.h"
#include "ir/Printer.h"

namespace odec {

namespace {

std::vector<ir::Expr> stateVars(const ir::ModelIR &m) {
  std::vector<ir::Expr> v;
  for (const auto &s : m.states)
    v.push_back(s.var);
  return v;
}

// One extra Variable per state (cotangents or tangents), named prefix + state name.
std::vector<ir::Expr> perStateVars(const ir::ModelIR &m, const std::string &prefix, ir::VarRole role) {
  std::vector<ir::Expr> v;
  for (size_t i = 0; i < m.states.size(); ++i)
    v.push_back(ir::variable(prefix + m.states[i].name, role, int(i), m.states[i].shape));
  return v;
}

} // namespace

ir::Function deriveFunction(const ir::ModelIR &m, DeriveWhat what) {
  ir::Function f = m.field();
  switch (what) {
  case DeriveWhat::Field:
    break;
  case DeriveWhat::Jacobian: {
    f.name = m.name + "_jacobian";
    f.outputs.clear();
    f.outputNames.clear();
    for (size_t i = 0; i < m.states.size(); ++i)
      for (size_t j = 0; j < m.states.size(); ++j) {
        f.outputs.push_back(ad::jacobian(m.ddt[i], m.states[j].var));
        f.outputNames.push_back("∂ddt(" + m.states[i].name + ")/∂" + m.states[j].name);
      }
    break;
  }
  case DeriveWhat::Vjp: {
    f.name = m.name + "_vjp";
    ad::FieldVjp vjp = ad::fieldVjp(m, "λ_", "");
    f.outputs = vjp.all;
    f.outputNames.clear();
    for (const auto &s : m.states)
      f.outputNames.push_back("x̄_" + s.name);
    for (const auto &p : m.params)
      f.outputNames.push_back("θ̄_" + p.name);
    f.inputs.insert(f.inputs.end(), vjp.cotangents.begin(), vjp.cotangents.end());
    break;
  }
  case DeriveWhat::Jvp: {
    f.name = m.name + "_jvp";
    std::vector<ir::Expr> tan = perStateVars(m, "v_", ir::VarRole::State);
    f.outputs = ad::jvp(m.ddt, stateVars(m), tan);
    f.outputNames.clear();
    for (const auto &s : m.states)
      f.outputNames.push_back("ddt_dot_" + s.name);
    f.inputs.insert(f.inputs.end(), tan.begin(), tan.end());
    break;
  }
  }
  return ir::cse(f);
}

std::string describeDerivatives(const ir::ModelIR &m, DeriveWhat what) {
  static const char *const titles[] = {"the vector field", "the Jacobian ∂f/∂x",
                                       "vector–Jacobian products λᵀ∂f/∂x, λᵀ∂f/∂θ",
                                       "Jacobian–vector products ∂f/∂x · v"};
  return "# " + m.name + ": " + titles[int(what)] + "\n" + ir::toJulia(deriveFunction(m, what)) + "\n";
}

} // namespace odec
