// The one diagnostic printer. Every user-facing error of the compiler goes through
// DiagnosticEngine and prints as
//
//   file:line:col: error: message
//       the source line
//           ^~~~
//
// Errors in user input are reported here; internal errors (compiler bugs) are not user
// errors and throw odec::InternalError instead.
#pragma once

#include "support/InternalError.h"
#include "syntax/SourceManager.h"

#include <functional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace odec {

enum class Severity { Error, Warning, Note };

struct Diagnostic {
  Severity severity;
  SourceRange range; // range.begin may be invalid for messages about no particular place
  std::string message;
};

class DiagnosticEngine {
public:
  /// After this many errors the engine stops recording (and says so once): a cascade
  /// helps nobody.
  static constexpr int kMaxErrors = 20;

  explicit DiagnosticEngine(const SourceManager &sm) : sm_(sm) {}

  void error(SourceRange r, std::string msg) { report(Severity::Error, r, std::move(msg)); }
  void warning(SourceRange r, std::string msg) { report(Severity::Warning, r, std::move(msg)); }
  void note(SourceRange r, std::string msg) { report(Severity::Note, r, std::move(msg)); }
  void error(SourceLoc l, std::string msg) { error(SourceRange{l, 1}, std::move(msg)); }
  void warning(SourceLoc l, std::string msg) { warning(SourceRange{l, 1}, std::move(msg)); }
  void note(SourceLoc l, std::string msg) { note(SourceRange{l, 1}, std::move(msg)); }

  int errorCount() const { return errors_; }
  bool hasErrors() const { return errors_ > 0; }
  const std::vector<Diagnostic> &diagnostics() const { return diags_; }

  /// Formats one diagnostic with its source line and caret (no trailing newline after
  /// the caret line).
  std::string format(const Diagnostic &d) const;
  /// Formats every diagnostic recorded so far, in order.
  std::string formatAll() const;

  /// If set, each diagnostic is also written here as soon as it is reported.
  void setStream(std::ostream *os) { stream_ = os; }

  const SourceManager &sources() const { return sm_; }

private:
  void report(Severity s, SourceRange r, std::string msg);

  const SourceManager &sm_;
  std::vector<Diagnostic> diags_;
  std::ostream *stream_ = nullptr;
  int errors_ = 0;
  bool truncated_ = false;
};

} // namespace odec
