// Internal to the CPU reference: the selection-key loops of gating, four experts at a time
// with SSE2 where available (every x86-64 CPU has it), one at a time elsewhere.
//
// The vector code performs exactly the operations of detail::exp_rn / sigmoid_rn in the same
// order (packed single-precision IEEE operations round exactly like scalar ones; min/max and
// the blends reproduce the scalar ternaries, NaN included), so results are bit-identical to
// the scalar functions the CUDA kernels also use. routing_math_test checks this equivalence.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

#include "kernels/detail/routing_math.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace moesim::kernels::cpu_detail {

#if defined(__SSE2__)
inline __m128 exp_rn_x4(__m128 x) {
  const __m128 kLog2e = _mm_set1_ps(1.44269502162933349609375f);
  const __m128 kLn2Hi = _mm_set1_ps(0.693145751953125f);
  const __m128 kLn2Lo = _mm_set1_ps(1.428606765330187045e-06f);
  const __m128 kRoundMagic = _mm_set1_ps(12582912.0f);
  // maxps(x, c) returns c when x is NaN, as the scalar `x > c ? x : c` does.
  x = _mm_max_ps(x, _mm_set1_ps(-104.0f));
  x = _mm_min_ps(x, _mm_set1_ps(88.7f));
  const __m128 n = _mm_sub_ps(_mm_add_ps(_mm_mul_ps(x, kLog2e), kRoundMagic), kRoundMagic);
  const __m128 r = _mm_sub_ps(_mm_sub_ps(x, _mm_mul_ps(n, kLn2Hi)), _mm_mul_ps(n, kLn2Lo));
  __m128 p = _mm_set1_ps(1.0f / 5040.0f);
  p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(1.0f / 720.0f));
  p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(1.0f / 120.0f));
  p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(1.0f / 24.0f));
  p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(1.0f / 6.0f));
  p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(0.5f));
  p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(1.0f));
  p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(1.0f));
  const __m128i ni = _mm_cvttps_epi32(n);
  const __m128i n1 = _mm_srai_epi32(ni, 1);
  const __m128i n2 = _mm_sub_epi32(ni, n1);
  const __m128i bias = _mm_set1_epi32(127);
  const __m128 scale1 = _mm_castsi128_ps(_mm_slli_epi32(_mm_add_epi32(n1, bias), 23));
  const __m128 scale2 = _mm_castsi128_ps(_mm_slli_epi32(_mm_add_epi32(n2, bias), 23));
  return _mm_mul_ps(_mm_mul_ps(p, scale1), scale2);
}

inline __m128 select_ps(__m128 mask, __m128 if_true, __m128 if_false) {
  return _mm_or_ps(_mm_and_ps(mask, if_true), _mm_andnot_ps(mask, if_false));
}

inline __m128 sigmoid_rn_x4(__m128 x) {
  const __m128 negative = _mm_cmplt_ps(x, _mm_setzero_ps());
  const __m128 minus_x = _mm_xor_ps(x, _mm_set1_ps(-0.0f));
  const __m128 e = exp_rn_x4(select_ps(negative, x, minus_x));
  const __m128 denominator = _mm_add_ps(_mm_set1_ps(1.0f), e);
  return _mm_div_ps(select_ps(negative, e, _mm_set1_ps(1.0f)), denominator);
}

// detail::ordered_bits, four at a time.
inline __m128i ordered_bits_x4(__m128 f) {
  const __m128i u = _mm_castps_si128(_mm_add_ps(f, _mm_setzero_ps()));
  const __m128i flip = _mm_or_si128(_mm_srai_epi32(u, 31), _mm_set1_epi32(INT32_MIN));
  return _mm_xor_si128(u, flip);
}
#endif

// keys[e] = exp(x[e] - max x); ordered[e] = ordered_bits(keys[e]).
inline void softmax_keys(const float* x, int n, float* keys, std::uint32_t* ordered) {
  int e = 0;
  float m = -__builtin_inff();
#if defined(__SSE2__)
  if (n >= 4) {
    __m128 mv = _mm_set1_ps(m);
    for (; e + 4 <= n; e += 4) mv = _mm_max_ps(_mm_loadu_ps(x + e), mv);
    alignas(16) float lanes[4];
    _mm_store_ps(lanes, mv);
    for (float v : lanes) m = v > m ? v : m;
  }
#endif
  for (; e < n; ++e) m = x[e] > m ? x[e] : m;
  e = 0;
#if defined(__SSE2__)
  const __m128 mv = _mm_set1_ps(m);
  for (; e + 4 <= n; e += 4) {
    const __m128 k = exp_rn_x4(_mm_sub_ps(_mm_loadu_ps(x + e), mv));
    _mm_storeu_ps(keys + e, k);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(ordered + e), ordered_bits_x4(k));
  }
#endif
  for (; e < n; ++e) {
    keys[e] = detail::exp_rn(detail::sub_rn(x[e], m));
    ordered[e] = detail::ordered_bits(keys[e]);
  }
}

// scores[e] = sigmoid(x[e]); keys[e] = scores[e] + bias[e] (bias may be null: keys = scores,
// and then `scores` may alias `keys`).
inline void sigmoid_keys(const float* x, const float* bias, int n, float* scores, float* keys,
                         std::uint32_t* ordered) {
  int e = 0;
#if defined(__SSE2__)
  for (; e + 4 <= n; e += 4) {
    const __m128 s = sigmoid_rn_x4(_mm_loadu_ps(x + e));
    const __m128 k = bias != nullptr ? _mm_add_ps(s, _mm_loadu_ps(bias + e)) : s;
    _mm_storeu_ps(scores + e, s);
    _mm_storeu_ps(keys + e, k);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(ordered + e), ordered_bits_x4(k));
  }
#endif
  for (; e < n; ++e) {
    const float s = detail::sigmoid_rn(x[e]);
    scores[e] = s;
    keys[e] = bias != nullptr ? detail::add_rn(s, bias[e]) : s;
    ordered[e] = detail::ordered_bits(keys[e]);
  }
}

// The two largest of o[0..n) (unsigned order): the group score's inputs. Branch-free, four
// running top-2 pairs in SIMD (SSE2 has no unsigned max, so values are compared with the sign
// bit flipped), merged at the end.
inline void top2_ordered(const std::uint32_t* o, int n, std::uint32_t* first,
                         std::uint32_t* second) {
  std::uint32_t o1 = 0, o2 = 0;
  auto merge = [&](std::uint32_t v) {
    const std::uint32_t smaller = v < o1 ? v : o1;
    o2 = smaller > o2 ? smaller : o2;
    o1 = v > o1 ? v : o1;
  };
  int i = 0;
#if defined(__SSE2__)
  if (n >= 8) {
    const __m128i sign = _mm_set1_epi32(INT32_MIN);
    auto blend = [](__m128i mask, __m128i a, __m128i b) {
      return _mm_or_si128(_mm_and_si128(mask, a), _mm_andnot_si128(mask, b));
    };
    __m128i v1 = sign, v2 = sign;  // 0 in the flipped domain
    for (; i + 4 <= n; i += 4) {
      const __m128i v =
          _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(o + i)), sign);
      const __m128i v_above_1 = _mm_cmpgt_epi32(v, v1);
      const __m128i smaller = blend(v_above_1, v1, v);
      v2 = blend(_mm_cmpgt_epi32(smaller, v2), smaller, v2);
      v1 = blend(v_above_1, v, v1);
    }
    alignas(16) std::uint32_t lanes1[4], lanes2[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes1), _mm_xor_si128(v1, sign));
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes2), _mm_xor_si128(v2, sign));
    for (int l = 0; l < 4; ++l) {
      merge(lanes1[l]);
      merge(lanes2[l]);
    }
  }
#endif
  for (; i < n; ++i) merge(o[i]);
  *first = o1;
  *second = o2;
}

}  // namespace moesim::kernels::cpu_detail
