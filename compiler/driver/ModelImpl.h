// odec::Model's state, shared by the files that implement the host API (HostApi.cpp, Imde.cpp).
#pragma once

#include "odec/odec.h"

#include "cxx/InProcessClang.h"
#include "driver/Compilation.h"
#include "io/Layout.h"
#include "ir/Model.h"
#include "jit/Jit.h"

#include <memory>
#include <string>
#include <vector>

namespace odec {

/// The model's JIT options (jit::defaultOptions) for the host API's; float code needs an
/// explicit tableau (the implicit solvers' Newton iteration is double-only), and so does the
/// C++ path (the emitted C++ has no Newton solver).
jit::CompileOptions jitOptions(const ir::ModelIR &model, const CompileOptions &o,
                               const ButcherTableau &t);
/// In-process Clang's options for CodePath::Cpp (the target CPU).
cxx::CompileOptions clangOptions(const CompileOptions &o);
/// std::invalid_argument "<what> has N values, expected M" unless got == want.
void checkSize(const char *what, size_t got, int64_t want);

struct Model::Impl {
  std::shared_ptr<const Compilation> comp;
  const sema::CheckedModel *checked;
  std::vector<TensorSlot> stateSlots, paramSlots, inputSlots, outputSlots;
  std::vector<TensorInfo> states, params, inputs;
  ir::ModelIR ir;
  CompileOptions defaults; // of compiles that name no options (Program::model)

  /// The JIT options of point functions (the Jacobian for init and eigenvalues): the defaults'
  /// target and cache.
  jit::CompileOptions pointOptions() const {
    jit::CompileOptions o;
    o.cpu = defaults.cpu;
    o.cache = defaults.cache;
    return o;
  }
};

} // namespace odec
