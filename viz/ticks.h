// Axis ticks at "nice" values (1, 2, 5 x 10^k) and compact number/time/byte formatting for
// axis labels and tooltips. Plain functions; thread-safe.
#pragma once

#include <string>
#include <vector>

namespace moesim::viz {

// The smallest step of the form {1, 2, 5} x 10^k with span / step <= max_ticks.
double nice_tick_step(double span, int max_ticks);

// Tick values k * step inside [lo, hi].
std::vector<double> tick_values(double lo, double hi, int max_ticks);

// "1.5 ms", "230 us", "2.1 s", "12 ns".
std::string format_time_s(double seconds);
// "1.5 GB", "730 KB", "12 B" (decimal units, as link bandwidths are quoted).
std::string format_bytes(double bytes);
// "12.3k", "4.5M", "812".
std::string format_count(double v);

}  // namespace moesim::viz
