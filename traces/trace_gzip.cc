#include "traces/trace_gzip.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

#include <zlib.h>

#include "traces/file_io.h"

namespace moesim {

bool is_gzip(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

Result<std::string> gunzip(std::string_view bytes, const std::string& source) {
  if (!is_gzip(bytes)) return make_error(source, "", "not a gzip stream (missing 1f 8b magic)");
  std::string out;
  // The last 4 bytes of a member hold its uncompressed size mod 2^32: a good first guess.
  if (bytes.size() >= 18) {
    uint32_t isize = 0;
    std::memcpy(&isize, bytes.data() + bytes.size() - 4, 4);  // little-endian hosts only
    // A truncated or corrupt file ends in arbitrary bytes: never trust the hint beyond what
    // deflate can expand to (at most about 1032:1).
    out.reserve(std::min<size_t>(isize, bytes.size() * 1032) + 1);
  }
  size_t offset = 0;
  while (offset < bytes.size()) {
    if (!is_gzip(bytes.substr(offset))) {
      return make_error(source, "byte " + std::to_string(offset),
                        "trailing data after the gzip stream is not another gzip member");
    }
    z_stream zs;
    std::memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return make_error(source, "", "zlib init failed");
    const size_t remaining = bytes.size() - offset;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + offset));
    // zlib counts in uInt; inputs beyond 4 GiB are fed in pieces.
    const size_t max_chunk = std::numeric_limits<uInt>::max();
    size_t fed = std::min(remaining, max_chunk);
    zs.avail_in = static_cast<uInt>(fed);
    int rc = Z_OK;
    while (true) {
      if (out.capacity() - out.size() < 65536) out.reserve(out.capacity() * 2 + 65536);
      const size_t before = out.size();
      // Hand zlib at most 4 MiB at a time, so growing the string never zero-fills far ahead.
      const size_t room = std::min<size_t>(out.capacity() - before, size_t{4} << 20);
      out.resize(before + room);
      zs.next_out = reinterpret_cast<Bytef*>(out.data() + before);
      zs.avail_out = static_cast<uInt>(room);
      rc = inflate(&zs, Z_NO_FLUSH);
      out.resize(before + (room - zs.avail_out));
      if (rc == Z_STREAM_END) break;
      if (rc == Z_BUF_ERROR && zs.avail_in == 0 && fed == remaining) {
        const size_t at = offset + fed;
        inflateEnd(&zs);
        return make_error(source, "byte " + std::to_string(at),
                          "truncated gzip stream (ended before the end-of-stream marker)");
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR) {
        const size_t at = offset + (fed - zs.avail_in);
        std::string msg = zs.msg ? zs.msg : "corrupt data";
        inflateEnd(&zs);
        return make_error(source, "byte " + std::to_string(at), "corrupt gzip stream: " + msg);
      }
      if (zs.avail_in == 0 && fed < remaining) {
        const size_t more = std::min(remaining - fed, max_chunk);
        zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + offset + fed));
        zs.avail_in = static_cast<uInt>(more);
        fed += more;
      }
    }
    const size_t consumed = fed - zs.avail_in;
    inflateEnd(&zs);
    offset += consumed;
  }
  return out;
}

Result<std::string> read_file_maybe_gzip(const std::string& path) {
  Result<std::string> bytes = read_file(path);
  if (!bytes.ok()) return bytes.error();
  const std::string& b = bytes.value();
  if (b.size() < 2 || static_cast<unsigned char>(b[0]) != 0x1f || static_cast<unsigned char>(b[1]) != 0x8b) {
    return std::move(bytes).value();
  }
  return gunzip(b, path);
}

}  // namespace moesim
