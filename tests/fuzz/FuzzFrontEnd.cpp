// libFuzzer harness over odec's front end: the input is a .node source, parsed and checked
// against the prelude, its diagnostics formatted, then every model lowered to IR and every
// kind of derivative derived and printed (what `odec check` and `odec derive` do, without
// JIT compilation). Bad source must only ever produce diagnostics or a std::invalid_argument /
// std::runtime_error with a message; a crash, a sanitizer report, an InternalError
// (std::logic_error) or a hang is a finding. Inputs that found one go into tests/golden/.
#include "driver/Compilation.h"
#include "driver/Derive.h"
#include "ir/Model.h"
#include "lower/LowerModel.h"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto comp = odec::Compilation::fromText("fuzz.node", std::string(reinterpret_cast<const char *>(data), size));
  (void)comp->diags.formatAll();
  if (!comp->ok)
    return 0;
  for (const odec::sema::CheckedModel &model : comp->checked.models) {
    try {
      const odec::ir::ModelIR ir = odec::lowerModel(model);
      for (odec::DeriveWhat what : {odec::DeriveWhat::Field, odec::DeriveWhat::Jacobian,
                                    odec::DeriveWhat::Vjp, odec::DeriveWhat::Jvp})
        (void)odec::describeDerivatives(ir, what);
    } catch (const std::invalid_argument &) { // a documented rejection (e.g. a matrix state)
    } catch (const std::runtime_error &) {
    }
  }
  return 0;
}
