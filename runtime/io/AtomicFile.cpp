#include "io/AtomicFile.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace odec {

static std::runtime_error ioError(const std::string &what, const std::string &path) {
  return std::runtime_error(what + " '" + path + "': " + std::strerror(errno));
}

void writeFileAtomic(const std::string &path, std::string_view contents) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw ioError("cannot write", path);
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      auto err = ioError("cannot write", path);
      ::close(fd);
      ::unlink(tmp.c_str());
      throw err;
    }
    done += size_t(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    auto err = ioError("cannot write", path);
    ::unlink(tmp.c_str());
    throw err;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto err = ioError("cannot write", path);
    ::unlink(tmp.c_str());
    throw err;
  }
}

std::string readFile(const std::string &path, size_t maxBytes) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    throw ioError("cannot open", path);
  struct stat st {};
  if (::fstat(::fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    std::fclose(f);
    throw std::runtime_error("cannot read '" + path + "': it is a directory");
  }
  std::string out;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    out.append(buf, n);
    if (out.size() > maxBytes) {
      std::fclose(f);
      throw std::runtime_error("cannot read '" + path + "': larger than " +
                               std::to_string(maxBytes) + " bytes");
    }
  }
  bool failed = std::ferror(f);
  std::fclose(f);
  if (failed)
    throw ioError("cannot read", path);
  return out;
}

} // namespace odec
