// odec's C++ code path as artifacts: the emitted header with its C ABI (CAbi.h) compiled by
// in-process Clang, either loaded into this process with the LLVM path's function types
// (`odec jit --via cpp`, host API CodePath::Cpp) or written as an object file (`odec build`).
#pragma once

#include "codegen/CppEmitter.h"
#include "cxx/InProcessClang.h"
#include "jit/Jit.h"

#include <memory>
#include <string>

namespace odec::cxx {

/// The fused solver and discrete adjoint of the C++ path, in double, with the contracts of
/// jit::SimulateFn and jit::LossGradFn; the functions live as long as `code`.
struct CppSolver {
  std::unique_ptr<LoadedCode> code;
  jit::SimulateFn simulate = nullptr;
  jit::LossGradFn lossGrad = nullptr;
  jit::AdaptiveFn adaptive = nullptr; // for an embedded pair of an autonomous model
};

/// The name diagnostics give the generated source: `<emit-cpp:Model>`.
std::string generatedSourceName(const ir::ModelIR &model);

/// Emits (double, zero default parameters), compiles and loads. Errors as for emitCpp and
/// compileAndLoad.
CppSolver loadCppSolver(const ir::ModelIR &model, const ButcherTableau &tableau,
                        const CompileOptions &options = {});

/// The object file of cppWithCAbi(model, tableau, cpp) (the symbols of CAbi.h).
std::string buildCppObject(const ir::ModelIR &model, const ButcherTableau &tableau,
                           const codegen::CppOptions &cpp, const CompileOptions &options = {});

} // namespace odec::cxx
