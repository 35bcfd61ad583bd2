// Files odec writes are written atomically: to a temporary file in the same directory,
// flushed, then renamed over the target, so a reader (or a crash) never sees half a file.
//
// The temporary is `.<name>.odec-tmp.<pid>.<random>` beside the target, created exclusively
// (O_EXCL | O_NOFOLLOW, so a link planted there is never followed) under a name nobody can
// predict. One left by a killed odec (its pid no longer alive) is removed on the next write
// to the same target. Only regular files are replaced: `-` is standard output, a character
// device or FIFO is written in place, and a symbolic link is resolved (its target is
// replaced, the link stays).
#pragma once

#include <string>
#include <string_view>

namespace odec {

/// Writes `contents` to `path` as above. Throws std::runtime_error with the path and the
/// system's reason on failure (no partial file is left behind).
void writeFileAtomic(const std::string &path, std::string_view contents);

/// Appends `contents` to the regular file `path` (links resolved, as above) and flushes it to
/// disk: for logs that grow by a line at a time (a run's history.csv), where rewriting the
/// whole file on every save would cost time proportional to its length. A crash leaves a
/// prefix of the lines, at worst with a partial last line. Throws std::runtime_error when the
/// file does not exist or cannot be written.
void appendToFile(const std::string &path, std::string_view contents);

/// A fresh directory in the system's temporary directory ($TMPDIR or /tmp), private to this
/// process (mkdtemp: mode 0700, unguessable name), removed with everything in it when
/// destroyed. For tools that write their output by name (the linker), so they never write
/// at a name someone else could have prepared.
class ScratchDirectory {
public:
  ScratchDirectory();
  ~ScratchDirectory();
  ScratchDirectory(const ScratchDirectory &) = delete;
  ScratchDirectory &operator=(const ScratchDirectory &) = delete;
  const std::string &path() const { return path_; }

private:
  std::string path_;
};

/// `path` with its symbolic links followed (at most 40), so writing replaces the file a
/// link points to rather than the link. Relative link targets are taken from the link's
/// directory. Throws for a link loop.
std::string resolveLinks(const std::string &path);

/// Reads a whole file. Throws std::runtime_error ("cannot open 'p': No such file or
/// directory") on failure, and for files over `maxBytes`. Directories, devices and sockets are
/// refused. A FIFO is read to its end; with waitForWriter false, opening it does not wait for a
/// writer to appear (none: the file is empty), as for a .node source, which must never hang.
std::string readFile(const std::string &path, size_t maxBytes = size_t(1) << 30,
                     bool waitForWriter = true);

} // namespace odec
