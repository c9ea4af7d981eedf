// The one clock type of moesim: simulated time in seconds of the modelled cluster.
// Doubles are exact enough (53 bits: picosecond resolution over ~100 days) and keep the maths
// readable; the engine's determinism comes from ordering, not from integer time.
#pragma once

namespace moesim {

using Seconds = double;

inline constexpr Seconds kMicrosecond = 1e-6;
inline constexpr Seconds kNanosecond = 1e-9;
inline constexpr double kGB = 1e9;       // bytes in a GB (bandwidths are decimal, as vendors quote)
inline constexpr double kGiB = 1073741824.0;

}  // namespace moesim
