// linkSharedLibrary: the system linker, run directly (no shell, so paths need no quoting).
#include "cxx/InProcessClang.h"
#include "io/AtomicFile.h"

#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace odec::cxx {

void linkSharedLibrary(const std::string &object, const std::string &path) {
  // Linked in a private directory, then written out as any output is (io/AtomicFile.h): the
  // linker never writes at a name someone could prepare, and a reader never sees half a
  // library.
  const ScratchDirectory scratch;
  const std::string objectPath = scratch.path() + "/library.o";
  writeFileAtomic(objectPath, object);
  const std::string linkedPath = scratch.path() + "/library.so";
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
  if (spawned != 0)
    throw std::runtime_error("linking a shared library needs the system linker `ld` (package "
                             "binutils), which could not be run; an object file (-o *.o) "
                             "needs no linker");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("the system linker `ld` failed to link " + path + " (status " +
                             std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  writeFileAtomic(path, readFile(linkedPath));
}

} // namespace odec::cxx
