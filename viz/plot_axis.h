// Plot axes for moeviz's measured-vs-fitted plots: a data value <-> pixel mapping on a linear
// or a logarithmic scale, the range that covers a set of values, and log-scale ticks.
// Plain values and functions, no ImGui; thread-safe.
//
// Log mapping: with decades d(v) = log10(v), a value v lands at
//   px(v) = px_lo + (d(v) - d(lo)) / (d(hi) - d(lo)) * (px_hi - px_lo),
// so equal ratios take equal pixels (a doubling sweep is evenly spaced) and a power law
// t ~ size^k is a straight line of slope k (in decades per decade). Pixels may run either way:
// a y axis passes px_lo = bottom, px_hi = top.
#pragma once

#include <vector>

namespace moesim::viz {

enum class AxisScale { kLinear, kLog };

struct AxisMap {
  double lo = 1, hi = 10;       // data values at px_lo and px_hi (lo > 0 on a log scale)
  float px_lo = 0, px_hi = 1;
  AxisScale scale = AxisScale::kLinear;

  // Whether the mapping is usable: lo < hi, both finite (and lo > 0 on a log scale).
  bool valid() const;
  // Pixel of a value; a non-positive value on a log scale maps to NaN (it cannot be drawn).
  float to_px(double v) const;
  // Value at a pixel (the inverse of to_px).
  double to_value(float px) const;
};

// The range covering `values` (non-finite ones, and non-positive ones on a log scale, are
// ignored), widened by `pad` of its span on each side: on a log scale by that fraction of its
// decades (at least a quarter of a decade in all, so one value still gets a range); on a linear
// scale from 0 when every value is non-negative. Returns false when no value is usable.
bool covering_range(const std::vector<double>& values, AxisScale scale, double pad, double* lo, double* hi);

// Tick values inside [lo, hi] for a log axis: powers of ten (every k-th decade when there are
// more than max_ticks), and 2 and 5 times them when fewer than three powers of ten fall inside.
std::vector<double> log_tick_values(double lo, double hi, int max_ticks);

}  // namespace moesim::viz
