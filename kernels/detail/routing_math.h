// Scalar maths shared, as the same source, by the CPU reference and the CUDA kernels, so that
// both compute bit-identical selection keys and therefore pick identical experts.
//
// Why not std::exp / expf: glibc and CUDA's expf differ in the last bit for some inputs, and a
// one-ulp difference between two near-equal keys flips a top-k choice. Here every operation is
// a single IEEE round-to-nearest float operation written out explicitly: on the device through
// __fmul_rn / __fadd_rn / __fdiv_rn (which nvcc never fuses into FMAs); on the host the files
// that use it are compiled with -ffp-contract=off for the same reason.
//
// Key ordering: keys are compared through `pack_key`, a 64-bit integer that orders by the
// float's total order (bit pattern) first and by the smaller index second, so "ties go to the
// lower index" and NaNs are handled the same everywhere without float comparisons.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define MOESIM_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define MOESIM_HOST_DEVICE inline
#endif

namespace moesim::kernels::detail {

MOESIM_HOST_DEVICE float mul_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
MOESIM_HOST_DEVICE float add_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}
MOESIM_HOST_DEVICE float sub_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fsub_rn(a, b);
#else
  return a - b;
#endif
}
MOESIM_HOST_DEVICE float div_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fdiv_rn(a, b);
#else
  return a / b;
#endif
}

MOESIM_HOST_DEVICE std::uint32_t float_bits(float f) {
#if defined(__CUDA_ARCH__)
  return static_cast<std::uint32_t>(__float_as_uint(f));
#else
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
#endif
}
MOESIM_HOST_DEVICE float bits_float(std::uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
#endif
}

// exp(x) to within about 2 ulp for normal results, correctly flushed to 0 below e^-104 and
// saturating at e^88.7 (~3.3e38).
//   x = n ln2 + r, |r| <= ln2 / 2, n = round(x / ln2)      (Cody-Waite: ln2 = hi + lo, n * hi
//                                                           exact because hi has 16 bits)
//   exp(r) = sum_{i<=7} r^i / i!   (truncation error r^8/8! < 6e-9 relative on |r| <= 0.347)
//   exp(x) = exp(r) * 2^(n/2) * 2^(n - n/2)   (two factors keep both in the normal range even
//                                              when the result is subnormal: one rounding)
// NaN is treated as -104 (result 0): a NaN logit is never preferred.
MOESIM_HOST_DEVICE float exp_rn(float x) {
  constexpr float kLog2e = 1.44269502162933349609375f;
  constexpr float kLn2Hi = 0.693145751953125f;           // 0x3f317200
  constexpr float kLn2Lo = 1.428606765330187045e-06f;    // ln2 - kLn2Hi
  constexpr float kRoundMagic = 12582912.0f;              // 1.5 * 2^23: adds round to integer
  x = x > -104.0f ? x : -104.0f;                          // also maps NaN to -104
  x = x < 88.7f ? x : 88.7f;
  const float n = sub_rn(add_rn(mul_rn(x, kLog2e), kRoundMagic), kRoundMagic);
  const float r = sub_rn(sub_rn(x, mul_rn(n, kLn2Hi)), mul_rn(n, kLn2Lo));
  float p = 1.0f / 5040.0f;
  p = add_rn(mul_rn(p, r), 1.0f / 720.0f);
  p = add_rn(mul_rn(p, r), 1.0f / 120.0f);
  p = add_rn(mul_rn(p, r), 1.0f / 24.0f);
  p = add_rn(mul_rn(p, r), 1.0f / 6.0f);
  p = add_rn(mul_rn(p, r), 0.5f);
  p = add_rn(mul_rn(p, r), 1.0f);
  p = add_rn(mul_rn(p, r), 1.0f);
  const int ni = static_cast<int>(n);  // exact: n is an integer in [-150, 128]
  const int n1 = ni >> 1;              // floor(n / 2)
  const int n2 = ni - n1;
  const float scale1 = bits_float(static_cast<std::uint32_t>(n1 + 127) << 23);
  const float scale2 = bits_float(static_cast<std::uint32_t>(n2 + 127) << 23);
  return mul_rn(mul_rn(p, scale1), scale2);
}

// 1 / (1 + e^-x), evaluated as e^x / (1 + e^x) for negative x so tiny results keep their
// relative accuracy instead of underflowing through a huge e^-x.
MOESIM_HOST_DEVICE float sigmoid_rn(float x) {
  const float e = exp_rn(x < 0.0f ? x : -x);  // e^-|x| in (0, 1]
  return div_rn(x < 0.0f ? e : 1.0f, add_rn(1.0f, e));
}

// Maps a float to an unsigned integer with the same order (-NaN < -inf < ... < -0 < +0 < ... <
// +inf < +NaN). Adding +0 first makes -0 equal to +0, as float comparison has it.
MOESIM_HOST_DEVICE std::uint32_t ordered_bits(float f) {
  const std::uint32_t u = float_bits(add_rn(f, 0.0f));
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}
MOESIM_HOST_DEVICE float from_ordered_bits(std::uint32_t o) {
  return bits_float((o & 0x80000000u) ? (o & 0x7fffffffu) : ~o);
}

// Larger packed value = better choice: larger key, then smaller index. Never 0 for a real key
// (the index part ~index is non-zero for any index < 2^32 - 1), so 0 means "no candidate".
MOESIM_HOST_DEVICE std::uint64_t pack_key(float key, std::uint32_t index) {
  return (static_cast<std::uint64_t>(ordered_bits(key)) << 32) | (0xffffffffu - index);
}
MOESIM_HOST_DEVICE std::uint32_t packed_index(std::uint64_t packed) {
  return 0xffffffffu - static_cast<std::uint32_t>(packed & 0xffffffffu);
}
MOESIM_HOST_DEVICE float packed_key(std::uint64_t packed) {
  return from_ordered_bits(static_cast<std::uint32_t>(packed >> 32));
}

// Score of one group (or node) of `group_size` consecutive keys: the sum of its two largest
// keys (top2) or its largest key. "Largest" is in float total order, so NaNs and -0 are
// handled identically by both implementations.
MOESIM_HOST_DEVICE float group_score(const float* keys, int group_size, bool top2) {
  std::uint32_t o1 = 0, o2 = 0;
  for (int i = 0; i < group_size; ++i) {
    const std::uint32_t o = ordered_bits(keys[i]);
    if (o > o1) {
      o2 = o1;
      o1 = o;
    } else if (o > o2) {
      o2 = o;
    }
  }
  const float best = from_ordered_bits(o1);
  return (top2 && group_size >= 2) ? add_rn(best, from_ordered_bits(o2)) : best;
}

// float -> bfloat16 bits, round to nearest even; NaN stays a quiet NaN with its sign.
// Shared so the CPU type (kernels/bf16.h) and the CUDA kernels round identically.
MOESIM_HOST_DEVICE std::uint16_t bf16_bits_from_float(float value) {
  std::uint32_t u = float_bits(value);
  if ((u & 0x7fffffffu) > 0x7f800000u) {
    // NaN: force the quiet bit so dropping the low mantissa bits cannot make it infinity.
    return static_cast<std::uint16_t>((u >> 16) | 0x0040u);
  }
  // Adding 0x7fff plus the lowest kept bit rounds half-way cases to the even neighbour; a
  // carry out of the mantissa correctly bumps the exponent (up to infinity).
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<std::uint16_t>(u >> 16);
}
MOESIM_HOST_DEVICE float bf16_bits_to_float(std::uint16_t bits) {
  return bits_float(static_cast<std::uint32_t>(bits) << 16);
}

// Normalisation guard from DeepSeek-V3's reference code: keeps an all-zero top-k finite.
inline constexpr float kWeightNormEpsilon = 1e-20f;

}  // namespace moesim::kernels::detail
