#include "io/SourceExcerpt.h"

#include <algorithm>

namespace odec {

static bool startsCodePoint(char ch) { return (static_cast<unsigned char>(ch) & 0xC0) != 0x80; }

std::string sourceExcerpt(std::string_view line, int col, int underline) {
  int64_t count = 0; // code points in the line
  for (char ch : line)
    count += startsCodePoint(ch);
  // The window [first, first + width) of code points (0-based), the caret's centred in it.
  const int64_t caret = std::clamp<int64_t>(col - 1, 0, count);
  const int64_t width = kExcerptWidth;
  int64_t first = 0;
  if (count > kExcerptLongLine)
    first = std::clamp<int64_t>(caret - width / 2, 0, count - width);
  const int64_t last = count > kExcerptLongLine ? std::min(count, first + width) : count;
  size_t begin = line.size(), end = line.size();
  for (size_t i = 0, cp = 0; i < line.size(); ++i)
    if (startsCodePoint(line[i])) {
      if (int64_t(cp) == first)
        begin = i;
      if (int64_t(cp) == last) {
        end = i;
        break;
      }
      ++cp;
    }
  const bool cutFront = first > 0, cutBack = last < count;
  std::string out = "    ";
  out += cutFront ? "..." : "";
  out += line.substr(std::min(begin, line.size()), end - std::min(begin, line.size()));
  out += cutBack ? "..." : "";
  out += "\n    ";
  out += cutFront ? "   " : "";
  for (size_t i = begin, cp = size_t(first); i < end && int64_t(cp) < caret; ++i)
    if (startsCodePoint(line[i])) {
      out += line[i] == '\t' ? '\t' : ' ';
      ++cp;
    }
  out += '^';
  out.append(size_t(std::clamp<int64_t>(underline, 0, std::max<int64_t>(0, last - caret - 1))), '~');
  return out;
}

} // namespace odec
