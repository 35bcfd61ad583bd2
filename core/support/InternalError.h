// Compiler bugs, as opposed to errors in user input (those are diagnostics: syntax/Diagnostics.h).
// Kept in core so that every layer, the IR included, can report a broken invariant without
// depending on the front end.
#pragma once

#include <stdexcept>

namespace odec {

struct InternalError : std::logic_error {
  using std::logic_error::logic_error;
};

/// Throws InternalError with the message when cond is false.
inline void internalCheck(bool cond, const char *msg) {
  if (!cond)
    throw InternalError(msg);
}

} // namespace odec
