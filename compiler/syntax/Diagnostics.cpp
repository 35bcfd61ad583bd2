#include "syntax/Diagnostics.h"

#include "io/SourceExcerpt.h"

namespace odec {

static const char *severityName(Severity s) {
  switch (s) {
  case Severity::Error:
    return "error";
  case Severity::Warning:
    return "warning";
  case Severity::Note:
    return "note";
  }
  return "error";
}

std::string DiagnosticEngine::format(const Diagnostic &d) const {
  std::string out;
  SourceLoc loc = d.range.begin;
  if (!loc.valid())
    return std::string("odec: ") + severityName(d.severity) + ": " + d.message;
  LineCol lc = sm_.lineCol(loc);
  out += sm_.name(loc.file) + ":" + std::to_string(lc.line) + ":" + std::to_string(lc.col) +
         ": " + severityName(d.severity) + ": " + d.message + "\n";
  // Underline the rest of the range within the line, one mark per code point.
  std::string_view text = sm_.text(loc.file);
  uint32_t end = std::min<uint32_t>(loc.offset + d.range.length, uint32_t(text.size()));
  int underline = 0;
  for (uint32_t i = loc.offset + 1; i < end && text[i] != '\n'; ++i)
    underline += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
  out += sourceExcerpt(sm_.lineText(loc), lc.col, underline);
  return out;
}

std::string DiagnosticEngine::formatAll() const {
  std::string out;
  for (const Diagnostic &d : diags_)
    out += format(d) + "\n";
  return out;
}

void DiagnosticEngine::report(Severity s, SourceRange r, std::string msg) {
  if (s == Severity::Error)
    ++errors_;
  if (errors_ > kMaxErrors) {
    if (!truncated_) {
      truncated_ = true;
      Diagnostic d{Severity::Error, {}, "too many errors; stopping"};
      diags_.push_back(d);
      if (stream_)
        *stream_ << format(d) << "\n";
    }
    return;
  }
  diags_.push_back({s, r, std::move(msg)});
  if (stream_)
    *stream_ << format(diags_.back()) << "\n";
}

} // namespace odec
