#include "profiler/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace moesim::profiler {

SampleStats summarize(std::vector<double> x) {
  SampleStats s;
  if (x.empty()) return s;
  std::sort(x.begin(), x.end());
  const size_t n = x.size();
  s.count = static_cast<int>(n);
  s.min = x.front();
  s.median = n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
  s.mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(n);
  const size_t rank = static_cast<size_t>(std::ceil(0.9 * static_cast<double>(n)));
  s.p90 = x[std::max<size_t>(rank, 1) - 1];
  return s;
}

double median(std::vector<double> samples) { return summarize(std::move(samples)).median; }

}  // namespace moesim::profiler
