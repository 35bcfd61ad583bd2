#include "cxx/CppSolver.h"

#include "cxx/CAbi.h"

namespace odec::cxx {

std::string generatedSourceName(const ir::ModelIR &model) {
  return "<emit-cpp:" + model.name + ">";
}

CppSolver loadCppSolver(const ir::ModelIR &model, const ButcherTableau &tableau,
                        const CompileOptions &options) {
  CppSolver s;
  s.code = compileAndLoad({generatedSourceName(model), cppWithCAbi(model, tableau, {})}, options);
  s.simulate = reinterpret_cast<jit::SimulateFn>(s.code->symbol(cSymbol(model.name, "simulate")));
  s.lossGrad = reinterpret_cast<jit::LossGradFn>(s.code->symbol(cSymbol(model.name, "loss_grad")));
  if (tableau.hasEmbedded() && model.autonomous())
    s.adaptive =
        reinterpret_cast<jit::AdaptiveFn>(s.code->symbol(cSymbol(model.name, "adaptive")));
  return s;
}

std::string buildCppObject(const ir::ModelIR &model, const ButcherTableau &tableau,
                           const codegen::CppOptions &cpp, const CompileOptions &options) {
  return compileToObject({generatedSourceName(model), cppWithCAbi(model, tableau, cpp)}, options);
}

} // namespace odec::cxx
