// NumPy .npy files (format versions 1.0, 2.0 and 3.0): reading any of the common numeric dtypes
// into doubles, and writing doubles (<f8).
//
// Supported dtypes: <f4 <f8 <i2 <i4 <i8 <u2 <u4 <u8 |u1 |i1 |b1 (and '=' / native little-endian
// spellings). Fortran-order arrays and big-endian dtypes are rejected with an error naming the
// file: moesim reads C order only, and converting silently would hide a wrong layout.
// 64-bit integers above 2^53 lose precision in the double conversion (token counts never do).
// Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "traces/status.h"

namespace moesim {

// A dense array in C (row-major) order; data.size() == product of shape (1 for a 0-d array).
struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<double> data;
};

// Reads a .npy file. Errors name the file and the problem (bad magic, unsupported dtype,
// fortran_order, big-endian, truncated data).
Result<NpyArray> read_npy(const std::string& path);

// Parses the bytes of a .npy file; `source_name` is used in error messages.
Result<NpyArray> parse_npy(const std::string& bytes, const std::string& source_name);

// Writes `a` as a version-1.0 .npy with dtype <f8, atomically (temporary + rename).
Status write_npy(const std::string& path, const NpyArray& a);

}  // namespace moesim
