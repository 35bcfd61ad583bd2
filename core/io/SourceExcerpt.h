// The quoted source line and caret line under a `file:line:col: error: …` message, shared by
// the compiler's diagnostics and the runtime's file errors (params JSON, CSV, checkpoints).
// A line longer than kExcerptLongLine code points is quoted as a window of kExcerptWidth code
// points around the column, "..." marking each cut end, so a one-line 200 MB file gives a
// short message; an ordinary line (up to 100) is quoted whole.
#pragma once

#include <string>
#include <string_view>

namespace odec {

inline constexpr int kExcerptWidth = 80;
inline constexpr int kExcerptLongLine = 100;

/// "    <line or its window>\n    <spaces>^<tildes>" with the caret under 1-based code point
/// column `col` and `underline` tildes after it (kept within the window). Tabs before the
/// column are copied into the caret line so it lines up however a terminal expands them.
std::string sourceExcerpt(std::string_view line, int col, int underline = 0);

} // namespace odec
