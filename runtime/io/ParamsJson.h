// Parameter files: JSON objects mapping each parameter's name to a number (Real), an array
// (Vector) or an array of row arrays (Matrix, row-major), e.g.
//   {"W1": [[0.1, 0.2], [0.3, 0.4]], "b1": [0, 0], "k": 1.5}
#pragma once

#include "io/Layout.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace odec {

/// A problem in a parameter or data file, with the file name and, where it is known, a
/// line and column: formats as `file:line:col: error: message`.
struct FileError : std::runtime_error {
  /// With the file's text, the message also shows the offending line and a caret under
  /// the column, like the compiler's diagnostics.
  FileError(const std::string &file, int line, int col, const std::string &msg,
            const std::string &text = "");
  FileError(const std::string &file, const std::string &msg);
};

/// Parses parameters for `layout` from JSON text. Every parameter must be present with its
/// exact shape and finite values; unknown keys are errors (a typo must not silently leave a
/// parameter at a default). `file` names the source in messages.
std::vector<double> parseParamsJson(const std::string &text, const std::vector<TensorSlot> &layout,
                                    const std::string &file);
std::vector<double> loadParamsJson(const std::string &path, const std::vector<TensorSlot> &layout);

/// The JSON text for a flat parameter vector (shortest round-trip decimal for each value).
std::string paramsToJson(const std::vector<double> &flat, const std::vector<TensorSlot> &layout);

} // namespace odec
