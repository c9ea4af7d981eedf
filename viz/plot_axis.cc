#include "viz/plot_axis.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace moesim::viz {

bool AxisMap::valid() const {
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(hi > lo)) return false;
  return scale == AxisScale::kLinear || lo > 0;
}

float AxisMap::to_px(double v) const {
  double f = 0;
  if (scale == AxisScale::kLog) {
    if (!(v > 0)) return std::numeric_limits<float>::quiet_NaN();
    f = (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
  } else {
    f = (v - lo) / (hi - lo);
  }
  return static_cast<float>(px_lo + f * (px_hi - px_lo));
}

double AxisMap::to_value(float px) const {
  const double f = (static_cast<double>(px) - px_lo) / (static_cast<double>(px_hi) - px_lo);
  if (scale == AxisScale::kLog) return std::pow(10.0, std::log10(lo) + f * (std::log10(hi) - std::log10(lo)));
  return lo + f * (hi - lo);
}

bool covering_range(const std::vector<double>& values, AxisScale scale, double pad, double* lo, double* hi) {
  double a = std::numeric_limits<double>::infinity(), b = -a;
  for (double v : values) {
    if (!std::isfinite(v) || (scale == AxisScale::kLog && !(v > 0))) continue;
    a = std::min(a, v);
    b = std::max(b, v);
  }
  if (!(a <= b)) return false;
  if (scale == AxisScale::kLog) {
    double d0 = std::log10(a), d1 = std::log10(b);
    const double span = std::max(d1 - d0, 0.25);
    const double mid = (d0 + d1) / 2;
    d0 = std::min(d0, mid - span / 2) - pad * span;
    d1 = std::max(d1, mid + span / 2) + pad * span;
    *lo = std::pow(10.0, d0);
    *hi = std::pow(10.0, d1);
    return true;
  }
  if (a >= 0) a = 0;
  double span = b - a;
  if (!(span > 0)) span = std::max(std::fabs(b), 1.0);
  *lo = a < 0 ? a - pad * span : a;
  *hi = b + pad * span;
  return true;
}

std::vector<double> log_tick_values(double lo, double hi, int max_ticks) {
  std::vector<double> out;
  if (!(lo > 0) || !(hi > lo) || !std::isfinite(hi) || max_ticks < 1) return out;
  // A little slack so that a bound that is itself a power of ten (up to rounding) is a tick.
  const double eps = 1e-9;
  const int k0 = static_cast<int>(std::ceil(std::log10(lo) - eps));
  const int k1 = static_cast<int>(std::floor(std::log10(hi) + eps));
  const int decades = k1 - k0 + 1;
  if (decades >= 3) {
    const int every = std::max(1, (decades + max_ticks - 1) / max_ticks);
    for (int k = k0; k <= k1; ++k) {
      if ((k - k0) % every == 0) out.push_back(std::pow(10.0, k));
    }
    return out;
  }
  for (int k = k0 - 1; k <= k1; ++k) {
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = m * std::pow(10.0, k);
      if (v >= lo * (1 - eps) && v <= hi * (1 + eps)) out.push_back(v);
    }
  }
  if (static_cast<int>(out.size()) > max_ticks) {
    // Keep the powers of ten only (at most two here) and, if room, the fives.
    std::vector<double> fewer;
    for (double v : out) {
      const double m = v / std::pow(10.0, std::floor(std::log10(v) + eps));
      if (std::fabs(m - 1) < 1e-6 || (max_ticks >= 4 && std::fabs(m - 5) < 1e-6)) fewer.push_back(v);
    }
    out.swap(fewer);
  }
  return out;
}

}  // namespace moesim::viz
