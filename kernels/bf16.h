// BFloat16: the 16-bit brain floating-point format (1 sign, 8 exponent, 7 mantissa bits) as a
// plain value type for host code. Its layout is that of CUDA's __nv_bfloat16, so the CUDA
// launchers in kernels/api.h take the same arrays the CPU reference does.
//
// float -> BFloat16 rounds to nearest, ties to even (as __float2bfloat16_rn does for numbers);
// NaN stays a quiet NaN with its sign. BFloat16 -> float is exact. The rounding code is shared
// with the CUDA kernels (kernels/detail/routing_math.h), so both round identically.
// Thread-safety: a plain value; safe to copy between threads.
#pragma once

#include <cstdint>
#include <type_traits>

#include "kernels/detail/routing_math.h"

namespace moesim::kernels {

struct BFloat16 {
  std::uint16_t bits = 0;

  BFloat16() = default;
  // Rounds to nearest, ties to even.
  explicit BFloat16(float value) : bits(detail::bf16_bits_from_float(value)) {}

  static BFloat16 from_bits(std::uint16_t raw) {
    BFloat16 b;
    b.bits = raw;
    return b;
  }

  float to_float() const { return detail::bf16_bits_to_float(bits); }
  explicit operator float() const { return to_float(); }

  friend bool operator==(BFloat16 a, BFloat16 b) { return a.bits == b.bits; }
};

static_assert(sizeof(BFloat16) == 2, "BFloat16 must be layout-compatible with __nv_bfloat16");
static_assert(std::is_trivially_copyable_v<BFloat16>);

}  // namespace moesim::kernels
