// The C ABI of a model compiled from its emitted C++ (codegen/CppEmitter.h): the header's
// functions are C++ (a namespace, Params by reference, Real maybe float), so an extern "C"
// adapter is appended that gives them the contracts of the LLVM path (jit/Jit.h), always in
// double. For a model whose C++ namespace is N (codegen::cppIdentifier of its name):
//
//   void    odec_N_simulate(const double *params, const double *x0, double *out,
//                           int64_t batch, int64_t steps, double h,
//                           const double *exo);                      // jit::SimulateFn
//   double  odec_N_loss_grad(...);                                      // jit::LossGradFn
//   void    odec_N_adaptive(...);   // jit::AdaptiveFn, for an embedded pair (exo, breaks unread)
//   void    odec_N_default_params(double *out);  // the baked-in parameters (paramCount values)
//   int64_t odec_N_state_dim(void);
//   int64_t odec_N_param_count(void);
//
// With a float header the adapter converts at the boundary (the arithmetic is float). The
// emitted C++ is for autonomous models only (emitCpp refuses others), so exo is never read.
#pragma once

#include "codegen/CppEmitter.h"

#include <string>

namespace odec::cxx {

/// The exported name of `function` (simulate, loss_grad, ...) for a model.
std::string cSymbol(const std::string &modelName, const std::string &function);

/// emitCpp(model, tableau, options) followed by the extern "C" adapter; one translation unit.
std::string cppWithCAbi(const ir::ModelIR &model, const ButcherTableau &tableau,
                        const codegen::CppOptions &options);

} // namespace odec::cxx
