// A PNG decoder for the viz tests: reads back what viz/png_writer.h writes (8-bit RGB/RGBA,
// non-interlaced, any of the five row filters), so tests can check screenshots pixel by pixel.
// Thread-safe (pure function).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace moesim::viz::testing {

struct Image {
  int width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;  // rows top to bottom
  const uint8_t* at(int x, int y) const { return &pixels[(static_cast<size_t>(y) * width + x) * channels]; }
};

// Decodes a PNG; false (with `error` set) when it is not one this decoder reads.
bool decode_png(const std::string& bytes, Image* out, std::string* error);

}  // namespace moesim::viz::testing
