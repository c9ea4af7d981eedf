#include "viz/ticks.h"

#include <cmath>
#include <cstdio>

namespace moesim::viz {
namespace {

// Prints v scaled into the unit whose threshold it reaches first (units in decreasing order).
std::string with_unit(double v, const double* scales, const char* const* names, int n) {
  char buf[48];
  const double a = std::fabs(v);
  for (int i = 0; i < n; ++i) {
    if (a >= scales[i] || i == n - 1) {
      const double x = v / scales[i];
      const double ax = std::fabs(x);
      const char* fmt = ax >= 100 || ax == 0 ? "%.0f %s" : ax >= 10 ? "%.1f %s" : "%.2f %s";
      std::snprintf(buf, sizeof buf, fmt, x, names[i]);
      return buf;
    }
  }
  return "0";
}

}  // namespace

double nice_tick_step(double span, int max_ticks) {
  if (!(span > 0) || max_ticks < 1) return 1.0;
  const double raw = span / max_ticks;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * mag >= raw * (1 - 1e-9)) return m * mag;
  }
  return 10 * mag;
}

std::vector<double> tick_values(double lo, double hi, int max_ticks) {
  std::vector<double> out;
  if (!(hi > lo)) return out;
  const double step = nice_tick_step(hi - lo, max_ticks);
  for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k += 1) {
    out.push_back(k * step);
  }
  return out;
}

std::string format_time_s(double seconds) {
  static const double kScales[] = {1.0, 1e-3, 1e-6, 1e-9};
  static const char* const kNames[] = {"s", "ms", "us", "ns"};
  if (seconds == 0) return "0 s";
  return with_unit(seconds, kScales, kNames, 4);
}

std::string format_bytes(double bytes) {
  static const double kScales[] = {1e12, 1e9, 1e6, 1e3, 1.0};
  static const char* const kNames[] = {"TB", "GB", "MB", "KB", "B"};
  if (bytes == 0) return "0 B";
  return with_unit(bytes, kScales, kNames, 5);
}

std::string format_count(double v) {
  char buf[48];
  v += 0.0;  // -0 prints as 0
  const double a = std::fabs(v);
  if (a >= 1e9) std::snprintf(buf, sizeof buf, "%.1fG", v / 1e9);
  else if (a >= 1e6) std::snprintf(buf, sizeof buf, "%.1fM", v / 1e6);
  else if (a >= 1e4) std::snprintf(buf, sizeof buf, "%.1fk", v / 1e3);
  else if (a == std::floor(a) || a >= 100) std::snprintf(buf, sizeof buf, "%.0f", v);
  else std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

}  // namespace moesim::viz
