// Runs independent tasks 0..n-1 on up to `jobs` threads (the calling thread is one of them).
// Tasks are handed out in index order; each index runs exactly once. Results must go to
// per-index slots so the output does not depend on the schedule.
// Thread-safety: fn must be safe to call concurrently for different indices.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace moesim::study {

template <typename Fn>
void parallel_for(size_t n, int jobs, Fn&& fn) {
  const size_t threads = std::min(n, static_cast<size_t>(std::max(1, jobs)));
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
}

}  // namespace moesim::study
