// Parsing of quantities with units, shared by DOT attributes, preset parameters and CLI flags.
//   bandwidth: "450GB/s", "400Gb/s", "400Gbps", "100 MB/s", "1.8TB/s", or plain bytes/s "5e10"
//   duration:  "500ns", "1.5us", "2ms", "1s", or plain seconds "1e-6"
//   size:      "1KiB", "4MiB", "1GiB", "1KB", "1MB", "1048576", "1M" (binary), "1K"
// Decimal prefixes (K/M/G/T) for rates follow vendors' usage; B = bytes, b = bits.
// Thread-safe (pure functions).
#pragma once

#include <string>

#include "traces/status.h"

namespace moesim {

// Each returns the value in base units (bytes/s, seconds, bytes) or an Error whose message
// says what is wrong with `text` (the caller adds file and field).
Result<double> parse_bandwidth(const std::string& text);
Result<double> parse_duration(const std::string& text);
Result<double> parse_size(const std::string& text);

// Human-readable forms for reports: "1.00 MiB", "450.0 GB/s", "12.3 us".
std::string format_size(double bytes);
std::string format_bandwidth(double bytes_per_s);
std::string format_duration(double seconds);

}  // namespace moesim
