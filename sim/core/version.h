// The moesim version, recorded in every result file.
#pragma once

namespace moesim {

inline constexpr const char* kMoesimVersion = "0.1.0";

}  // namespace moesim
