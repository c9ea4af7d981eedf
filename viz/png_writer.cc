#include "viz/png_writer.h"

#include <cstdlib>
#include <vector>

#include <zlib.h>

#include "traces/check.h"
#include "traces/file_io.h"

namespace moesim::viz {
namespace {

void put_u32_be(std::string* out, uint32_t v) {
  out->push_back(static_cast<char>(v >> 24));
  out->push_back(static_cast<char>(v >> 16));
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}

// A chunk is length, type, data, and the CRC-32 of type + data.
void put_chunk(std::string* out, const char type[4], const std::string& data) {
  put_u32_be(out, static_cast<uint32_t>(data.size()));
  const size_t type_at = out->size();
  out->append(type, 4);
  out->append(data);
  const uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(out->data() + type_at), static_cast<uInt>(4 + data.size()));
  put_u32_be(out, static_cast<uint32_t>(crc));
}

uint8_t paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return static_cast<uint8_t>(a);
  if (pb <= pc) return static_cast<uint8_t>(b);
  return static_cast<uint8_t>(c);
}

}  // namespace

std::string encode_png(int width, int height, int channels, const uint8_t* pixels) {
  MOESIM_CHECK(width > 0 && height > 0 && (channels == 3 || channels == 4)) << width << "x" << height << "x" << channels;
  const size_t stride = static_cast<size_t>(width) * channels;
  // Filtered scanlines: a filter-type byte then the filtered row (PNG spec, section 9).
  std::string raw;
  raw.reserve((stride + 1) * height);
  std::vector<uint8_t> candidate[5];
  for (auto& c : candidate) c.resize(stride);
  const std::vector<uint8_t> zero_row(stride, 0);
  for (int y = 0; y < height; ++y) {
    const uint8_t* cur = pixels + y * stride;
    const uint8_t* up = y > 0 ? pixels + (y - 1) * stride : zero_row.data();
    int best = 0;
    uint64_t best_score = UINT64_MAX;
    for (int f = 0; f < 5; ++f) {
      uint64_t score = 0;
      for (size_t i = 0; i < stride; ++i) {
        const int a = i >= static_cast<size_t>(channels) ? cur[i - channels] : 0;
        const int b = up[i];
        const int c = i >= static_cast<size_t>(channels) ? up[i - channels] : 0;
        uint8_t pred = 0;
        switch (f) {
          case 0: pred = 0; break;
          case 1: pred = static_cast<uint8_t>(a); break;
          case 2: pred = static_cast<uint8_t>(b); break;
          case 3: pred = static_cast<uint8_t>((a + b) / 2); break;
          case 4: pred = paeth(a, b, c); break;
        }
        const uint8_t v = static_cast<uint8_t>(cur[i] - pred);
        candidate[f][i] = v;
        score += v < 128 ? v : 256 - v;  // bytes as signed magnitudes
      }
      if (score < best_score) {
        best_score = score;
        best = f;
      }
    }
    raw.push_back(static_cast<char>(best));
    raw.append(reinterpret_cast<const char*>(candidate[best].data()), stride);
  }

  uLongf compressed_size = compressBound(static_cast<uLong>(raw.size()));
  std::string compressed(compressed_size, '\0');
  const int rc = compress2(reinterpret_cast<Bytef*>(compressed.data()), &compressed_size,
                           reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()), 9);
  MOESIM_CHECK(rc == Z_OK) << "zlib compress2 failed: " << rc;
  compressed.resize(compressed_size);

  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  put_u32_be(&ihdr, static_cast<uint32_t>(width));
  put_u32_be(&ihdr, static_cast<uint32_t>(height));
  ihdr.push_back(8);                                 // bit depth
  ihdr.push_back(static_cast<char>(channels == 4 ? 6 : 2));  // colour type RGBA / RGB
  ihdr.push_back(0);                                 // deflate
  ihdr.push_back(0);                                 // adaptive filtering
  ihdr.push_back(0);                                 // no interlace
  put_chunk(&png, "IHDR", ihdr);
  put_chunk(&png, "IDAT", compressed);
  put_chunk(&png, "IEND", "");
  return png;
}

Status write_png(const std::string& path, int width, int height, int channels, const uint8_t* pixels) {
  return write_file_atomic(path, encode_png(width, height, channels, pixels));
}

}  // namespace moesim::viz
