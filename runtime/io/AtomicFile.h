// Files odec writes are written atomically: to a temporary file in the same directory,
// flushed, then renamed over the target, so a reader (or a crash) never sees half a file.
#pragma once

#include <string>
#include <string_view>

namespace odec {

/// Writes `contents` to `path` atomically. Throws std::runtime_error with the path and the
/// system's reason on failure (no partial file is left behind).
void writeFileAtomic(const std::string &path, std::string_view contents);

/// Reads a whole file. Throws std::runtime_error ("cannot open 'p': No such file or
/// directory") on failure, and for files over `maxBytes`.
std::string readFile(const std::string &path, size_t maxBytes = size_t(1) << 30);

} // namespace odec
