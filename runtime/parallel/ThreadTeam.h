// Batches split across threads with results that do not depend on the thread count.
//
// A batch is cut into pieces that depend on the batch alone (batchPieces): whole SIMD chunks,
// the remainder joined to the last piece, so every piece runs the full-width code and every
// trajectory sits in the same lane of the same chunk as in one call over the whole batch.
// Threads take contiguous runs of pieces; per-piece sums (a loss, a parameter gradient) are
// then added in piece order, so one thread and sixteen give the same bits.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace odec {

/// The cores the process may use (std::thread::hardware_concurrency, at least 1).
int64_t availableCores();

/// [begin, end) of each piece of a batch: max(1, ⌊batch / lanes⌋) pieces of `lanes`
/// trajectories, the last one also taking the remainder.
std::vector<std::pair<int64_t, int64_t>> batchPieces(int64_t batch, int64_t lanes);

/// [first, last) of the n items that thread i of k takes: contiguous, as even as whole items
/// allow.
inline std::pair<int64_t, int64_t> shareOf(int64_t n, int64_t k, int64_t i) {
  return {n * i / k, n * (i + 1) / k};
}

/// k threads that run one body together: the caller's thread and k − 1 workers started once,
/// so each run pays a wake-up, not a thread creation. Not reentrant: one run at a time.
///
/// Runs come in quick succession (a training step is a few hundred microseconds, with only
/// Adam between two runs), and waking a thread that sleeps on a condition variable takes tens
/// of microseconds on a virtual machine: 10 % of such a run. So a worker spins for a while
/// (kSpin) after each run before it sleeps, and so does the caller waiting for the workers.
/// The spin is bounded by time, so an idle team sleeps.
class ThreadTeam {
public:
  using Body = std::function<void(int64_t thread)>;

  /// Throws std::invalid_argument for k < 1.
  explicit ThreadTeam(int64_t k);
  ~ThreadTeam();
  ThreadTeam(const ThreadTeam &) = delete;
  ThreadTeam &operator=(const ThreadTeam &) = delete;

  int64_t size() const { return k_; }

  /// body(i) for every thread i in [0, size()), body(0) on the caller's thread; returns when
  /// all have finished. An exception thrown by any body is rethrown here (the first, by
  /// thread index) after all have finished.
  void run(const Body &body);

private:
  void work(int64_t i);

  int64_t k_;
  const Body *body_ = nullptr; // written under mutex_ before generation_ moves
  std::vector<std::exception_ptr> errors_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  // Changed under mutex_ (so a sleeper's check cannot miss it); read without it while spinning.
  std::atomic<int64_t> generation_{0}, pending_{0};
  std::atomic<bool> stop_{false};
  std::vector<std::thread> workers_;
};

} // namespace odec
