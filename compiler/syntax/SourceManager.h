// Source text and locations. One location type (SourceLoc) flows from the lexer through
// sema and lowering to the diagnostic printer; line and column are computed only when a
// message is printed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace odec {

/// A position in a source buffer: the buffer's id and a byte offset. Invalid when file == 0.
struct SourceLoc {
  uint32_t file = 0;
  uint32_t offset = 0;
  bool valid() const { return file != 0; }
};

/// A located span (for carets `^~~~`).
struct SourceRange {
  SourceLoc begin;
  uint32_t length = 1;
};

/// Line and column, both 1-based; the column counts Unicode code points, not bytes.
struct LineCol {
  int line = 0;
  int col = 0;
};

/// Owns every source buffer of one compilation (files, strings, the embedded prelude).
class SourceManager {
public:
  /// Largest source buffer accepted; bigger input is a user error, never an allocation.
  static constexpr size_t kMaxFileBytes = size_t(16) << 20;

  /// Registers a buffer under a display name (a path, `<string>` or `<prelude>`).
  uint32_t addBuffer(std::string name, std::string text);

  const std::string &name(uint32_t file) const { return buffers_.at(file - 1).name; }
  std::string_view text(uint32_t file) const { return buffers_.at(file - 1).text; }

  LineCol lineCol(SourceLoc loc) const;
  /// The full text of the line containing loc, without its newline.
  std::string_view lineText(SourceLoc loc) const;

private:
  struct Buffer {
    std::string name;
    std::string text;
    std::vector<uint32_t> lineStarts; // byte offset of each line's first character
  };
  std::vector<Buffer> buffers_;
};

} // namespace odec
