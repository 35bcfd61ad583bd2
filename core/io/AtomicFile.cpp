#include "io/AtomicFile.h"

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

namespace odec {

static std::runtime_error ioError(const std::string &what, const std::string &path) {
  return std::runtime_error(what + " '" + path + "': " + std::strerror(errno));
}

static void writeAll(int fd, std::string_view contents, const std::string &path) {
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      throw ioError("cannot write", path);
    }
    done += size_t(n);
  }
}

static std::string directoryOf(const std::string &path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

static std::string baseNameOf(const std::string &path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string resolveLinks(const std::string &path) {
  std::string p = path;
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode))
      return p;
    char buf[PATH_MAX];
    const ssize_t n = ::readlink(p.c_str(), buf, sizeof buf - 1);
    if (n < 0)
      throw ioError("cannot resolve the link", path);
    const std::string target(buf, size_t(n));
    p = !target.empty() && target[0] == '/' ? target : directoryOf(p) + "/" + target;
  }
  errno = ELOOP;
  throw ioError("cannot write", path);
}

// The prefix of every temporary odec makes for `base`; the pid and a random tag follow.
static std::string temporaryPrefix(const std::string &base) { return "." + base + ".odec-tmp."; }

static std::string randomTag() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char bytes[12];
  size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno != EINTR)
      throw std::runtime_error(std::string("no random bytes for a temporary name: ") +
                               std::strerror(errno));
    got += n > 0 ? size_t(n) : 0;
  }
  std::string tag;
  for (unsigned char b : bytes)
    tag += kAlphabet[b % (sizeof kAlphabet - 1)];
  return tag;
}

// The pid in `name` when it is one of our temporaries for `base` (the current naming, or the
// `base.tmp.<pid>` of earlier versions), else -1.
static long temporaryPid(const std::string &name, const std::string &base) {
  std::string digits;
  const std::string prefix = temporaryPrefix(base), legacy = base + ".tmp.";
  if (name.rfind(prefix, 0) == 0) {
    const std::string rest = name.substr(prefix.size());
    const size_t dot = rest.find('.');
    if (dot == std::string::npos)
      return -1;
    digits = rest.substr(0, dot);
  } else if (name.rfind(legacy, 0) == 0)
    digits = name.substr(legacy.size());
  if (digits.empty() || digits.size() > 9 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return -1;
  return std::stol(digits);
}

// Removes the temporaries for `base` in `dir` that a dead odec left behind: only ours by
// name, only the user's own, only when their pid is gone.
static void removeStaleTemporaries(const std::string &dir, const std::string &base) {
  DIR *d = ::opendir(dir.c_str());
  if (!d)
    return;
  while (const dirent *e = ::readdir(d)) {
    const std::string name = e->d_name;
    const long pid = temporaryPid(name, base);
    if (pid <= 0 || pid == ::getpid() || ::kill(pid_t(pid), 0) == 0 || errno != ESRCH)
      continue;
    struct stat st {};
    if (::fstatat(::dirfd(d), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        st.st_uid != ::geteuid())
      continue;
    if (S_ISREG(st.st_mode))
      ::unlinkat(::dirfd(d), name.c_str(), 0);
  }
  ::closedir(d);
}

// `.<base>.odec-tmp.<pid>.<random>` in the target's directory.
static std::string temporaryName(const std::string &target) {
  return directoryOf(target) + "/" + temporaryPrefix(baseNameOf(target)) +
         std::to_string(::getpid()) + "." + randomTag();
}

void writeFileAtomic(const std::string &path, std::string_view contents) {
  if (path == "-") {
    std::cout.flush();
    writeAll(STDOUT_FILENO, contents, "<stdout>");
    return;
  }
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode))
    throw std::runtime_error("cannot write '" + path + "': it is a directory");
  if (exists && !S_ISREG(st.st_mode)) {
    // A device or FIFO is a destination, not a file to replace. Opened through the path as
    // given: /dev/stdout's link chain ends in /proc magic ("pipe:[…]") that only open follows.
    const int fd = ::open(path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
      throw ioError("cannot write", path);
    try {
      writeAll(fd, contents, path);
    } catch (...) {
      ::close(fd);
      throw;
    }
    if (::close(fd) != 0)
      throw ioError("cannot write", path);
    return;
  }
  const std::string target = resolveLinks(path);
  removeStaleTemporaries(directoryOf(target), baseNameOf(target));
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; fd < 0 && attempt < 16; ++attempt) {
    tmp = temporaryName(target);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST)
      break;
  }
  if (fd < 0)
    throw ioError("cannot write", path);
  const auto fail = [&](const std::string &what) {
    auto err = ioError(what, path);
    if (fd >= 0)
      ::close(fd);
    ::unlink(tmp.c_str());
    return err;
  };
  // A replaced file keeps its permissions (a 0600 file must not become world-readable).
  if (exists && ::fchmod(fd, st.st_mode & 07777) != 0)
    throw fail("cannot write");
  try {
    writeAll(fd, contents, path);
  } catch (...) {
    throw fail("cannot write");
  }
  if (::fsync(fd) != 0) {
    throw fail("cannot write");
  }
  const int closed = ::close(fd);
  fd = -1;
  if (closed != 0 || ::rename(tmp.c_str(), target.c_str()) != 0)
    throw fail("cannot write");
}

ScratchDirectory::ScratchDirectory() {
  std::string pattern = (std::filesystem::temp_directory_path() / "odec-XXXXXX").string();
  if (!::mkdtemp(pattern.data()))
    throw ioError("cannot create a temporary directory", pattern);
  path_ = pattern;
}

ScratchDirectory::~ScratchDirectory() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

void appendToFile(const std::string &path, std::string_view contents) {
  const std::string target = resolveLinks(path);
  const int fd = ::open(target.c_str(), O_WRONLY | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    throw ioError("cannot append to", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw std::runtime_error("cannot append to '" + path + "': not a regular file");
  }
  try {
    writeAll(fd, contents, path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::fdatasync(fd) != 0 || ::close(fd) != 0)
    throw ioError("cannot append to", path);
}

std::string readFile(const std::string &path, size_t maxBytes, bool waitForWriter) {
  // O_NONBLOCK: opening a FIFO does not wait for a writer. It is cleared again before
  // reading, so a FIFO with a writer is read to its end.
  const int fd = ::open(path.c_str(),
                        O_RDONLY | O_NOCTTY | O_CLOEXEC | (waitForWriter ? 0 : O_NONBLOCK));
  if (fd < 0)
    throw ioError("cannot open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    auto err = ioError("cannot read", path);
    ::close(fd);
    throw err;
  }
  if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
    ::close(fd);
    throw std::runtime_error("cannot read '" + path + "': " +
                             (S_ISDIR(st.st_mode) ? "it is a directory" : "not a regular file"));
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      auto err = ioError("cannot read", path);
      ::close(fd);
      throw err;
    }
    if (n == 0)
      break;
    out.append(buf, size_t(n));
    if (out.size() > maxBytes) {
      ::close(fd);
      throw std::runtime_error("cannot read '" + path + "': larger than " +
                               std::to_string(maxBytes) + " bytes");
    }
  }
  ::close(fd);
  return out;
}

} // namespace odec
