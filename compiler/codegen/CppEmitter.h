// odec's second code generator: a model and an explicit tableau as one self-contained C++17
// header (standard library only), for deployment without odec or LLVM (`odec emit-cpp`).
//
// The header declares, in a namespace named after the model:
//   Real                 double or float (CppOptions::singlePrecision)
//   kStateDim, kParamCount, kStages
//   struct Params        one std::array (or Real) per parameter, named after it; its default
//                        values are CppOptions::params (the trained model baked in) or zeros
//   unflatten / flatten  the flat parameter vector (declaration order, row-major) <-> Params
//   field(p, x, dxdt)    the vector field on the flat state vector
//   jacobian(p, x, J)    ∂f/∂x, D x D row-major (only when every state is Real or Vector)
//   fieldVJP(...)        ⟨cot, ∂f/∂x⟩ and ⟨cot, ∂f/∂θ⟩ (the latter accumulated into a Params)
//   step, simulate       the Runge–Kutta method; simulate has jit::SimulateFn's layout
//   lossGrad             the fused discrete adjoint: jit::LossGradFn's contract and math
//                        (codegen/AdjointCodegen.h), one trajectory at a time
//   AdaptiveControl, AdaptiveStats, firstStep, solveAdaptive
//                        for an embedded pair (a tableau with bhat) of an autonomous model:
//                        adaptive steps as AdaptiveCodegen.h takes them (the same norm, PI
//                        controller, first-slope reuse, dense output and step record), one
//                        trajectory at a time
//   kExoDim, InputSamples, stageValues
//                        a driven model only (it reads t or has inputs): every function
//                        below takes the stage values last (`exo`, SolverAbi.h's layout),
//                        which stageValues computes from each input's samples through its
//                        declared interpolation, written out in C++
//   main()               with CppOptions::withMain: `--step H --steps N --x0 a,b,...` prints
//                        the trajectory as `odec simulate` does (columns t, x[1], ...)
// Each IR node becomes one named local (memoized on node identity, like the LLVM emitter), in
// topological order; user identifiers are mangled by CppNames.h.
#pragma once

#include "ir/Model.h"
#include "tableau/ButcherTableau.h"

#include <string>
#include <vector>

namespace odec::codegen {

struct CppOptions {
  std::string sourceFile;     // named in the header comment, with the model and tableau
  std::vector<double> params; // Params' default values (paramCount values), or empty: zeros
  std::vector<std::string> stateColumns; // main()'s CSV header after `t` (x[1], x[2], ...)
  bool singlePrecision = false;
  bool withMain = false;
};

/// The header text. Throws std::invalid_argument for an implicit tableau, a wrong number of
/// parameter values, or withMain for a model with inputs (a command line cannot give them);
/// InternalError for a malformed model.
std::string emitCpp(const ir::ModelIR &model, const ButcherTableau &tableau,
                    const CppOptions &options);

} // namespace odec::codegen
