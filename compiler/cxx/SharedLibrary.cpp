// linkSharedLibrary: the system linker, run directly (no shell, so paths need no quoting).
#include "cxx/InProcessClang.h"

#include <filesystem>
#include <fstream>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace odec::cxx {

void linkSharedLibrary(const std::string &object, const std::string &path) {
  const std::string objectPath = path + ".o.tmp";
  {
    std::ofstream out(objectPath, std::ios::binary);
    out.write(object.data(), std::streamsize(object.size()));
    if (!out)
      throw std::runtime_error("cannot write " + objectPath);
  }
  // Linked beside its destination, then renamed over it: a reader never sees half a library.
  const std::string linkedPath = path + ".tmp";
  std::vector<std::string> words = {"ld",  "-shared", "-o", linkedPath,   objectPath,
                                    "-lm", "-lc",     "-z", "noexecstack"};
  std::vector<char *> argv;
  for (std::string &w : words)
    argv.push_back(w.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int status = 0;
  const int spawned = posix_spawnp(&pid, "ld", nullptr, nullptr, argv.data(), environ);
  if (spawned == 0)
    waitpid(pid, &status, 0);
  std::filesystem::remove(objectPath);
  if (spawned != 0)
    throw std::runtime_error("linking a shared library needs the system linker `ld` (package "
                             "binutils), which could not be run; an object file (-o *.o) "
                             "needs no linker");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::filesystem::remove(linkedPath);
    throw std::runtime_error("the system linker `ld` failed to link " + path + " (status " +
                             std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  }
  std::error_code error;
  std::filesystem::rename(linkedPath, path, error);
  if (error) {
    std::filesystem::remove(linkedPath);
    throw std::runtime_error("cannot write " + path + ": " + error.message());
  }
}

} // namespace odec::cxx
