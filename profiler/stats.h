// Statistics of repeated timings: median, minimum, mean and 90th percentile.
//
// Medians are what moeprof reports and fits: CPU timings on shared machines have long upper
// tails (a preempted rank), which a mean would follow and a median ignores.
// Percentiles use the nearest-rank definition on the sorted sample: p-th = x[ceil(p * n) - 1].
// Thread-safety: pure functions.
#pragma once

#include <vector>

namespace moesim::profiler {

struct SampleStats {
  double median = 0;  // middle value; mean of the two middle values for an even count
  double min = 0;
  double mean = 0;
  double p90 = 0;
  int count = 0;
};

// Summary of `samples` (any order); all zero for an empty sample.
SampleStats summarize(std::vector<double> samples);

// Median of a sample (0 when empty).
double median(std::vector<double> samples);

}  // namespace moesim::profiler
