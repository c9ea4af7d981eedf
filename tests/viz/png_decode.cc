#include "tests/viz/png_decode.h"

#include <cstdlib>
#include <cstring>

#include <zlib.h>

namespace moesim::viz::testing {
namespace {

uint32_t be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

int paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

}  // namespace

bool decode_png(const std::string& bytes, Image* out, std::string* error) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < 8 || std::memcmp(p, "\x89PNG\r\n\x1a\n", 8) != 0) {
    *error = "no PNG signature";
    return false;
  }
  size_t pos = 8;
  std::string idat;
  int color_type = -1;
  bool ended = false;
  while (pos + 12 <= bytes.size()) {
    const uint32_t len = be32(p + pos);
    const std::string type(bytes.data() + pos + 4, 4);
    if (pos + 12 + len > bytes.size()) {
      *error = "chunk " + type + " runs past the end";
      return false;
    }
    const uLong crc = crc32(0L, p + pos + 4, len + 4);
    if (crc != be32(p + pos + 8 + len)) {
      *error = "bad CRC in chunk " + type;
      return false;
    }
    const unsigned char* data = p + pos + 8;
    if (type == "IHDR") {
      out->width = static_cast<int>(be32(data));
      out->height = static_cast<int>(be32(data + 4));
      if (data[8] != 8 || data[12] != 0) {
        *error = "only 8-bit non-interlaced images";
        return false;
      }
      color_type = data[9];
    } else if (type == "IDAT") {
      idat.append(reinterpret_cast<const char*>(data), len);
    } else if (type == "IEND") {
      ended = true;
      break;
    }
    pos += 12 + len;
  }
  if (!ended || (color_type != 2 && color_type != 6)) {
    *error = ended ? "only RGB/RGBA" : "no IEND";
    return false;
  }
  out->channels = color_type == 6 ? 4 : 3;
  const size_t stride = static_cast<size_t>(out->width) * out->channels;
  std::vector<uint8_t> raw((stride + 1) * out->height);
  uLongf raw_size = static_cast<uLongf>(raw.size());
  if (uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(idat.data()), static_cast<uLong>(idat.size())) != Z_OK ||
      raw_size != raw.size()) {
    *error = "IDAT does not inflate to the image size";
    return false;
  }
  out->pixels.assign(stride * out->height, 0);
  const int bpp = out->channels;
  for (int y = 0; y < out->height; ++y) {
    const uint8_t filter = raw[y * (stride + 1)];
    const uint8_t* in = &raw[y * (stride + 1) + 1];
    uint8_t* row = &out->pixels[y * stride];
    const uint8_t* up = y > 0 ? &out->pixels[(y - 1) * stride] : nullptr;
    for (size_t i = 0; i < stride; ++i) {
      const int a = i >= static_cast<size_t>(bpp) ? row[i - bpp] : 0;
      const int b = up ? up[i] : 0;
      const int c = up && i >= static_cast<size_t>(bpp) ? up[i - bpp] : 0;
      int pred = 0;
      switch (filter) {
        case 0: pred = 0; break;
        case 1: pred = a; break;
        case 2: pred = b; break;
        case 3: pred = (a + b) / 2; break;
        case 4: pred = paeth(a, b, c); break;
        default: *error = "bad filter type"; return false;
      }
      row[i] = static_cast<uint8_t>(in[i] + pred);
    }
  }
  return true;
}

}  // namespace moesim::viz::testing
