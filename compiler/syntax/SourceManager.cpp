#include "syntax/SourceManager.h"

#include <algorithm>

namespace odec {

uint32_t SourceManager::addBuffer(std::string name, std::string text) {
  Buffer b{std::move(name), std::move(text), {0}};
  for (uint32_t i = 0; i < b.text.size(); ++i)
    if (b.text[i] == '\n')
      b.lineStarts.push_back(i + 1);
  buffers_.push_back(std::move(b));
  return uint32_t(buffers_.size());
}

LineCol SourceManager::lineCol(SourceLoc loc) const {
  if (!loc.valid())
    return {};
  const Buffer &b = buffers_.at(loc.file - 1);
  auto it = std::upper_bound(b.lineStarts.begin(), b.lineStarts.end(), loc.offset);
  int line = int(it - b.lineStarts.begin());
  uint32_t start = b.lineStarts[line - 1];
  int col = 1;
  for (uint32_t i = start; i < loc.offset && i < b.text.size(); ++i)
    if ((static_cast<unsigned char>(b.text[i]) & 0xC0) != 0x80) // count code points
      ++col;
  return {line, col};
}

std::string_view SourceManager::lineText(SourceLoc loc) const {
  const Buffer &b = buffers_.at(loc.file - 1);
  auto it = std::upper_bound(b.lineStarts.begin(), b.lineStarts.end(), loc.offset);
  uint32_t start = *(it - 1);
  size_t end = b.text.find('\n', start);
  if (end == std::string::npos)
    end = b.text.size();
  std::string_view line(b.text.data() + start, end - start);
  if (!line.empty() && line.back() == '\r')
    line.remove_suffix(1);
  return line;
}

} // namespace odec
