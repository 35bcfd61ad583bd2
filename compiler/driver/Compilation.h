// One compilation of a .node source: its buffers, diagnostics, syntax trees (the user's and
// the prelude's) and the checked program. The CLI and the host API both start here.
#pragma once

#include "io/Layout.h"
#include "sema/Sema.h"
#include "syntax/AST.h"
#include "syntax/Diagnostics.h"
#include "syntax/SourceManager.h"

#include <memory>
#include <string>

namespace odec {

namespace ir {
struct ModelIR;
}

struct Compilation {
  SourceManager sources;
  DiagnosticEngine diags{sources};
  uint32_t file = 0;
  std::unique_ptr<ast::Program> prelude;
  std::unique_ptr<ast::Program> program;
  sema::CheckedProgram checked;
  bool ok = false; // parsed and checked without errors

  /// Parses and checks `text` (displayed as `name`) against the built-in prelude. Never
  /// throws for bad source: diagnostics are in `diags` and `ok` is false. Source larger than
  /// SourceManager::kMaxFileBytes is rejected with an error.
  static std::shared_ptr<Compilation> fromText(std::string name, std::string text);
  /// Reads a file first; a file that cannot be read throws std::runtime_error.
  static std::shared_ptr<Compilation> fromFile(const std::string &path);

  /// The model with this name, or the only one when name is empty. Throws
  /// std::invalid_argument naming the models there are.
  const sema::CheckedModel &model(const std::string &name) const;
  /// A tableau visible to the program. Throws std::invalid_argument listing the known ones.
  const ButcherTableau &tableau(const std::string &name) const;
};

/// The flat layouts of a checked model (declaration order, row-major), as the runtime sees them.
std::vector<TensorSlot> stateLayout(const sema::CheckedModel &m);
/// The flat layout of the model's inputs (InputSamples::values's columns).
std::vector<TensorSlot> inputLayout(const sema::CheckedModel &m);
std::vector<TensorSlot> paramLayout(const sema::CheckedModel &m);
/// The flat layout of the model's `output` lines (Observations::values's columns).
std::vector<TensorSlot> outputLayout(const sema::CheckedModel &m);

} // namespace odec
