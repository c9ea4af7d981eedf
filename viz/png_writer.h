// A small PNG encoder for screenshots: 8-bit RGB or RGBA, one IDAT, per-row filter chosen by
// the usual minimum-sum-of-absolute-differences heuristic, zlib deflate and crc32.
// Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <string>

#include "traces/status.h"

namespace moesim::viz {

// Encodes `pixels` (rows top to bottom, `channels` 3 or 4 bytes per pixel, no padding).
std::string encode_png(int width, int height, int channels, const uint8_t* pixels);

// Encodes and writes atomically (temporary + rename).
Status write_png(const std::string& path, int width, int height, int channels, const uint8_t* pixels);

}  // namespace moesim::viz
