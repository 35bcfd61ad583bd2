// Ctrl-C during training: the first SIGINT asks training to stop after the current
// mini-batch (so the checkpoint holds a consistent state); a second one kills the process as
// usual, for when the first was not enough.
#pragma once

namespace odec {

/// From now on, SIGINT (when no InterruptGuard is alive) writes `message` and a newline to
/// stderr and ends the process at once with exit status 130 (128 + SIGINT): for the phases
/// that cannot stop cleanly, like JIT compilation, which the default action would end without
/// a word. `message` must outlive the process (a string literal).
void exitOnInterrupt(const char *message);

/// While alive, SIGINT sets a flag instead of terminating the process. One at a time.
class InterruptGuard {
public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard &) = delete;
  InterruptGuard &operator=(const InterruptGuard &) = delete;

  /// Whether SIGINT arrived since construction.
  bool requested() const;
};

} // namespace odec
