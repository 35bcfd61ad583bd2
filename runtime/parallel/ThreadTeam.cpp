#include "parallel/ThreadTeam.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace odec {

namespace {

/// How long a waiting thread spins before it sleeps: longer than the gap between two runs
/// of a training loop (an Adam step), short against a human's idea of idle.
constexpr auto kSpin = std::chrono::microseconds(200);

/// Spins until done() or kSpin has passed; true if done().
template <class Done> bool spinUntil(Done done) {
  const auto until = std::chrono::steady_clock::now() + kSpin;
  for (int i = 0;; ++i) {
    if (done())
      return true;
    if ((i & 63) == 63 && std::chrono::steady_clock::now() > until)
      return false;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
}

} // namespace

int64_t availableCores() { return std::max<int64_t>(1, std::thread::hardware_concurrency()); }

std::vector<std::pair<int64_t, int64_t>> batchPieces(int64_t batch, int64_t lanes) {
  const int64_t n = std::max<int64_t>(1, batch / std::max<int64_t>(1, lanes));
  std::vector<std::pair<int64_t, int64_t>> pieces;
  for (int64_t j = 0; j < n; ++j)
    pieces.emplace_back(j * lanes, j + 1 == n ? batch : (j + 1) * lanes);
  return pieces;
}

ThreadTeam::ThreadTeam(int64_t k) : k_(k), errors_(size_t(std::max<int64_t>(k, 1))) {
  if (k < 1)
    throw std::invalid_argument("a thread team needs at least one thread");
  for (int64_t i = 1; i < k; ++i)
    workers_.emplace_back([this, i] { work(i); });
}

ThreadTeam::~ThreadTeam() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (std::thread &t : workers_)
    t.join();
}

void ThreadTeam::run(const Body &body) {
  if (k_ == 1)
    return body(0);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    body_ = &body;
    pending_.store(k_ - 1);
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  try {
    body(0);
  } catch (...) {
    errors_[0] = std::current_exception();
  }
  const auto finished = [&] { return pending_.load() == 0; };
  if (!spinUntil(finished)) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, finished);
  }
  for (std::exception_ptr &e : errors_)
    if (e)
      std::rethrow_exception(std::exchange(e, nullptr));
}

void ThreadTeam::work(int64_t i) {
  int64_t seen = 0;
  for (;;) {
    const Body *body = nullptr;
    {
      const auto woken = [&] { return stop_.load() || generation_.load() != seen; };
      spinUntil(woken);
      std::unique_lock<std::mutex> lock(mutex_); // also orders body_ before its use
      wake_.wait(lock, woken);
      if (stop_)
        return;
      seen = generation_.load();
      body = body_;
    }
    try {
      (*body)(i);
    } catch (...) {
      errors_[size_t(i)] = std::current_exception();
    }
    if (pending_.fetch_sub(1) == 1) {
      // Under the mutex, so the caller cannot check pending_ and then sleep past this notify.
      std::lock_guard<std::mutex> lock(mutex_);
      done_.notify_one();
    }
  }
}

} // namespace odec
