#include "traces/npy.h"

#include <cctype>
#include <cstring>
#include <limits>

#include "traces/file_io.h"

namespace moesim {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

// Element decoders, one per supported dtype. moesim targets little-endian hosts, so a
// little-endian element is copied as is.
template <typename T>
double load_as_double(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return static_cast<double>(v);
}

struct DtypeInfo {
  size_t item_bytes = 0;
  double (*load)(const char*) = nullptr;
};

// Finds the value text following `'key':` in the header dict literal, or npos.
size_t find_key(const std::string& header, const std::string& key) {
  for (const char q : {'\'', '"'}) {
    const std::string quoted = std::string(1, q) + key + std::string(1, q);
    size_t k = header.find(quoted);
    if (k == std::string::npos) continue;
    size_t colon = header.find(':', k + quoted.size());
    if (colon == std::string::npos) return std::string::npos;
    size_t v = colon + 1;
    while (v < header.size() && std::isspace(static_cast<unsigned char>(header[v]))) ++v;
    return v;
  }
  return std::string::npos;
}

Result<DtypeInfo> dtype_info(const std::string& descr, const std::string& src) {
  if (descr.size() < 2) return make_error(src, "header", "malformed dtype '" + descr + "'");
  const char order = descr[0];
  const std::string code = descr.substr(1);
  const bool one_byte = code == "u1" || code == "i1" || code == "b1";
  if (order == '>' && !one_byte) {
    return make_error(src, "header", "big-endian dtype '" + descr +
                                         "' is not supported; save the array little-endian "
                                         "(numpy: a.astype(a.dtype.newbyteorder('<')))");
  }
  if (order != '<' && order != '|' && order != '=' && !(order == '>' && one_byte)) {
    return make_error(src, "header", "malformed dtype '" + descr + "'");
  }
  if (code == "f8") return DtypeInfo{8, &load_as_double<double>};
  if (code == "f4") return DtypeInfo{4, &load_as_double<float>};
  if (code == "i8") return DtypeInfo{8, &load_as_double<int64_t>};
  if (code == "i4") return DtypeInfo{4, &load_as_double<int32_t>};
  if (code == "i2") return DtypeInfo{2, &load_as_double<int16_t>};
  if (code == "i1") return DtypeInfo{1, &load_as_double<int8_t>};
  if (code == "u8") return DtypeInfo{8, &load_as_double<uint64_t>};
  if (code == "u4") return DtypeInfo{4, &load_as_double<uint32_t>};
  if (code == "u2") return DtypeInfo{2, &load_as_double<uint16_t>};
  if (code == "u1" || code == "b1") return DtypeInfo{1, &load_as_double<uint8_t>};
  return make_error(src, "header", "unsupported dtype '" + descr +
                                       "' (supported: <f4 <f8 <i2 <i4 <i8 <u2 <u4 <u8 |u1 |i1 |b1)");
}

}  // namespace

Result<NpyArray> parse_npy(const std::string& bytes, const std::string& src) {
  if (bytes.size() < kMagicLen + 4 || bytes.compare(0, kMagicLen, kMagic, kMagicLen) != 0) {
    return make_error(src, "", "not a .npy file (missing \\x93NUMPY magic)");
  }
  const auto major = static_cast<unsigned char>(bytes[6]);
  size_t header_len = 0;
  size_t header_start = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return make_error(src, "", "truncated .npy header");
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    header_start = 12;
  } else {
    return make_error(src, "", "unsupported .npy format version " + std::to_string(major));
  }
  if (header_start + header_len > bytes.size()) return make_error(src, "header", "truncated .npy header");
  const std::string header = bytes.substr(header_start, header_len);

  // descr: a quoted string. Structured dtypes (a list) are not numeric matrices.
  size_t d = find_key(header, "descr");
  if (d == std::string::npos) return make_error(src, "header", "no 'descr' (dtype) in .npy header");
  if (header[d] != '\'' && header[d] != '"') {
    return make_error(src, "header", "structured dtypes are not supported (expected one numeric dtype)");
  }
  size_t d_end = header.find(header[d], d + 1);
  if (d_end == std::string::npos) return make_error(src, "header", "malformed 'descr'");
  const std::string descr = header.substr(d + 1, d_end - d - 1);

  size_t f = find_key(header, "fortran_order");
  if (f == std::string::npos) return make_error(src, "header", "no 'fortran_order' in .npy header");
  if (header.compare(f, 4, "True") == 0) {
    return make_error(src, "header", "fortran_order arrays are not supported; save in C order "
                                     "(numpy: np.save(path, np.ascontiguousarray(a)))");
  }
  if (header.compare(f, 5, "False") != 0) return make_error(src, "header", "malformed 'fortran_order'");

  size_t s = find_key(header, "shape");
  if (s == std::string::npos || header[s] != '(') return make_error(src, "header", "no 'shape' tuple in .npy header");
  size_t s_end = header.find(')', s);
  if (s_end == std::string::npos) return make_error(src, "header", "malformed 'shape'");
  NpyArray out;
  {
    size_t i = s + 1;
    while (i < s_end) {
      while (i < s_end && (std::isspace(static_cast<unsigned char>(header[i])) || header[i] == ',')) ++i;
      if (i >= s_end) break;
      if (!std::isdigit(static_cast<unsigned char>(header[i]))) return make_error(src, "header", "malformed 'shape'");
      int64_t v = 0;
      while (i < s_end && std::isdigit(static_cast<unsigned char>(header[i]))) {
        if (v > std::numeric_limits<int64_t>::max() / 10) return make_error(src, "header", "shape too large");
        v = v * 10 + (header[i] - '0');
        ++i;
      }
      if (i < s_end && header[i] == 'L') ++i;  // Python 2 long suffix
      out.shape.push_back(v);
    }
  }

  MOESIM_ASSIGN_OR_RETURN(DtypeInfo info, dtype_info(descr, src));
  size_t count = 1;
  for (int64_t dim : out.shape) {
    if (dim != 0 && count > std::numeric_limits<size_t>::max() / static_cast<size_t>(dim)) {
      return make_error(src, "header", "shape too large");
    }
    count *= static_cast<size_t>(dim);
  }
  const size_t data_start = header_start + header_len;
  const size_t available = bytes.size() - data_start;
  if (count > available / info.item_bytes) {
    return make_error(src, "data", "truncated: shape needs " + std::to_string(count * info.item_bytes) +
                                       " bytes of data, file has " + std::to_string(available));
  }
  out.data.resize(count);
  const char* p = bytes.data() + data_start;
  for (size_t i = 0; i < count; ++i) out.data[i] = info.load(p + i * info.item_bytes);
  return out;
}

Result<NpyArray> read_npy(const std::string& path) {
  MOESIM_ASSIGN_OR_RETURN(std::string bytes, read_file(path));
  return parse_npy(bytes, path);
}

Status write_npy(const std::string& path, const NpyArray& a) {
  size_t count = 1;
  for (int64_t dim : a.shape) {
    if (dim < 0) return make_error(path, "", "negative dimension in shape");
    count *= static_cast<size_t>(dim);
  }
  if (count != a.data.size()) {
    return make_error(path, "", "shape holds " + std::to_string(count) + " elements but data has " +
                                    std::to_string(a.data.size()));
  }
  std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < a.shape.size(); ++i) {
    dict += std::to_string(a.shape[i]);
    if (a.shape.size() == 1 || i + 1 < a.shape.size()) dict += ",";
    if (i + 1 < a.shape.size()) dict += " ";
  }
  dict += "), }";
  // The header (magic + version + length + dict + padding + '\n') is a multiple of 64 bytes.
  const size_t unpadded = kMagicLen + 2 + 2 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  if (dict.size() > 65535) return make_error(path, "", "too many dimensions for a .npy v1 header");
  std::string bytes(kMagic, kMagicLen);
  bytes += '\x01';
  bytes += '\x00';
  bytes += static_cast<char>(dict.size() & 0xff);
  bytes += static_cast<char>((dict.size() >> 8) & 0xff);
  bytes += dict;
  const size_t data_start = bytes.size();
  bytes.resize(data_start + count * sizeof(double));
  if (count > 0) std::memcpy(bytes.data() + data_start, a.data.data(), count * sizeof(double));
  return write_file_atomic(path, bytes);
}

}  // namespace moesim
