// The command line odec was started with, as one shell-quoted string.
#include "Commands.h"

namespace odec::cli {

namespace {

std::string &recorded() {
  static std::string line;
  return line;
}

// A word as a POSIX shell reads it back: bare when it is only safe characters, else in
// single quotes (a quote inside becomes '\'').
std::string shellWord(const std::string &w) {
  bool safe = !w.empty();
  for (char c : w)
    safe = safe && (std::isalnum(static_cast<unsigned char>(c)) ||
                    std::string_view("-_./=:,+@%").find(c) != std::string_view::npos);
  if (safe)
    return w;
  std::string q = "'";
  for (char c : w)
    q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

} // namespace

void recordInvocation(int argc, char **argv) {
  std::string &line = recorded();
  line.clear();
  for (int i = 0; i < argc; ++i)
    line += (i ? " " : "") + shellWord(argv[i]);
}

const std::string &invocation() { return recorded(); }

} // namespace odec::cli
