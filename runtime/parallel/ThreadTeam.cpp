#include "parallel/ThreadTeam.h"

#include <algorithm>
#include <stdexcept>

namespace odec {

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
    stop_ = true;
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
    ++generation_;
    pending_ = k_ - 1;
  }
  wake_.notify_all();
  try {
    body(0);
  } catch (...) {
    errors_[0] = std::current_exception();
  }
  {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return pending_ == 0; });
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
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_)
        return;
      seen = generation_;
      body = body_;
    }
    try {
      (*body)(i);
    } catch (...) {
      errors_[size_t(i)] = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (--pending_ == 0)
      done_.notify_one();
  }
}

} // namespace odec
