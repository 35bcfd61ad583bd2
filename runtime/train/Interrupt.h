// Ctrl-C during training: the first SIGINT asks training to stop after the current
// mini-batch (so the checkpoint holds a consistent state); a second one kills the process as
// usual, for when the first was not enough.
#pragma once

namespace odec {

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
