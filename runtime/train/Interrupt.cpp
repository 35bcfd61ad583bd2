#include "train/Interrupt.h"

#include <csignal>
#include <stdexcept>
#include <unistd.h>

namespace odec {

namespace {

volatile std::sig_atomic_t gInterrupted = 0;
bool gInstalled = false;
struct sigaction gPrevious;

extern "C" void onSigint(int) { gInterrupted = 1; }

const char *gExitMessage = "";

extern "C" void exitWithMessage(int) {
  // Only async-signal-safe calls: write and _exit.
  const char *m = gExitMessage;
  size_t n = 0;
  while (m[n])
    ++n;
  [[maybe_unused]] ssize_t written = ::write(STDERR_FILENO, m, n);
  written = ::write(STDERR_FILENO, "\n", 1);
  ::_exit(130);
}

} // namespace

void exitOnInterrupt(const char *message) {
  gExitMessage = message;
  struct sigaction sa = {};
  sa.sa_handler = exitWithMessage;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
}

InterruptGuard::InterruptGuard() {
  if (gInstalled)
    throw std::logic_error("only one InterruptGuard may be alive at a time");
  struct sigaction sa = {};
  sa.sa_handler = onSigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND; // the second Ctrl-C gets the default action: terminate
  gInterrupted = 0;
  sigaction(SIGINT, &sa, &gPrevious);
  gInstalled = true;
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &gPrevious, nullptr);
  gInstalled = false;
}

bool InterruptGuard::requested() const { return gInterrupted != 0; }

} // namespace odec
