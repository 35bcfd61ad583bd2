#include "driver/StateJacobian.h"

#include "driver/Derive.h"
#include "jit/Jit.h"

#include <memory>
#include <stdexcept>

namespace odec {

namespace {

// Where block (i, j) of the Jacobian goes: its rows, columns and place in the D×D matrix.
struct Block {
  int64_t rows, cols, row0, col0;
};

} // namespace

JacobianFn stateJacobian(const ir::ModelIR &model, const jit::CompileOptions &options) {
  for (const ir::ModelIR::Slot &s : model.states)
    if (!s.shape.isScalar() && !s.shape.isVector())
      throw std::invalid_argument("the state Jacobian needs Real or Vector states; '" + s.name +
                                  "' of model " + model.name + " is " + s.shape.str());
  // deriveFunction lists the blocks row of states by row, each Matrix{len ddt_i, len s_j}.
  std::vector<Block> blocks;
  for (const ir::ModelIR::Slot &si : model.states)
    for (const ir::ModelIR::Slot &sj : model.states)
      blocks.push_back({si.shape.size(), sj.shape.size(), si.offset, sj.offset});
  std::shared_ptr<const jit::CompiledFunction> compiled =
      jit::compileFunction(deriveFunction(model, DeriveWhat::Jacobian), options);
  const int64_t D = model.stateDim(), P = model.paramCount(), E = model.exoDim();
  return [compiled, blocks, D, P, E](const double *params, const double *x, const double *exo,
                                     double *J) {
    // The function's inputs are the states, the parameters, then a driven model's time and
    // inputs (ir::ModelIR::field).
    std::vector<double> in(size_t(D + P + E), 0.0), out(size_t(D * D));
    std::copy(x, x + D, in.begin());
    std::copy(params, params + P, in.begin() + D);
    if (exo)
      std::copy(exo, exo + E, in.begin() + D + P);
    compiled->function()(in.data(), out.data());
    const double *src = out.data();
    for (const Block &b : blocks)
      for (int64_t r = 0; r < b.rows; ++r)
        for (int64_t c = 0; c < b.cols; ++c)
          J[(b.row0 + r) * D + b.col0 + c] = *src++;
  };
}

} // namespace odec
