#include "kernels/cpu/gating.h"

#include <algorithm>
#include <functional>
#include <vector>

#include "kernels/cpu/key_math.h"
#include "kernels/detail/routing_math.h"
#include "kernels/validate.h"

namespace moesim::kernels {
namespace {

using detail::add_rn;
using detail::div_rn;
using detail::mul_rn;

// Per-call scratch, sized once so the per-token loop does not allocate.
struct Scratch {
  std::vector<float> keys;             // selection keys
  std::vector<float> scores;           // unbiased scores (sigmoid only)
  std::vector<std::uint32_t> ordered;  // detail::ordered_bits(keys)
  std::vector<std::uint64_t> candidates;
  // Grouped routing: group scores, and the kept groups' experts gathered contiguously.
  std::vector<float> group_keys;
  std::vector<std::uint32_t> group_ordered;
  std::vector<std::int32_t> chosen_groups;
  std::vector<float> kept_keys;
  std::vector<std::uint32_t> kept_ordered;
  std::vector<std::int32_t> kept_index;
};

// Largest float in [begin, end) ignoring NaN (maxps semantics), -inf when there is none.
float max_key(const float* keys, int begin, int end) {
  float m = -__builtin_inff();
  int e = begin;
#if defined(__SSE2__)
  if (end - begin >= 8) {
    __m128 a = _mm_set1_ps(m), b = a;
    for (; e + 8 <= end; e += 8) {
      a = _mm_max_ps(_mm_loadu_ps(keys + e), a);
      b = _mm_max_ps(_mm_loadu_ps(keys + e + 4), b);
    }
    alignas(16) float lanes[4];
    _mm_store_ps(lanes, _mm_max_ps(a, b));
    for (float v : lanes) m = v > m ? v : m;
  }
#endif
  for (; e < end; ++e) m = keys[e] > m ? keys[e] : m;
  return m;
}

// Writes the indices of the k best of `count` candidates (key descending, then index
// ascending) to out. index_of maps a candidate to its index (null: the position itself).
//
// Why not a running top-k insertion: with random keys it inserts ~k(1 + ln(count/k)) times,
// each a branch mispredict, which cost more than the exp of all scores. Instead:
//   1. Split the candidates into k segments. Their k maxima are k distinct candidates, so at
//      least k candidates are >= the smallest maximum T0: every top-k candidate is >= T0.
//      (Maxima ignore NaN keys; that only lowers T0, which keeps the bound valid.)
//   2. Keep the candidates >= T0 (typically 2-3 k of them), packed as (ordered key, ~index).
//   3. Partial-sort those packed values: the integer order is the contract's order.
void select_top(const float* keys, const std::uint32_t* ordered, const std::int32_t* index_of,
                int count, int k, std::vector<std::uint64_t>& candidates, std::int32_t* out) {
  const int segment = count / k;
  float t0 = __builtin_inff();
  for (int s = 0; s < k; ++s) {
    const float m = max_key(keys, s * segment, (s + 1) * segment);
    t0 = m < t0 ? m : t0;
  }
  const std::uint32_t threshold = t0 == -__builtin_inff() ? 0 : detail::ordered_bits(t0);

  candidates.resize(count);
  std::uint64_t* c = candidates.data();
  int n = 0;
  auto keep = [&](int i) {
    const std::uint32_t index = index_of ? static_cast<std::uint32_t>(index_of[i])
                                         : static_cast<std::uint32_t>(i);
    c[n] = (static_cast<std::uint64_t>(ordered[i]) << 32) | (0xffffffffu - index);
    n += ordered[i] >= threshold ? 1 : 0;  // branch-free append
  };
  int i = 0;
#if defined(__SSE2__)
  if (threshold > 0) {
    const __m128i sign = _mm_set1_epi32(INT32_MIN);  // unsigned order via signed compare
    const __m128i below = _mm_xor_si128(_mm_set1_epi32(static_cast<int>(threshold - 1)), sign);
    for (; i + 8 <= count; i += 8) {
      const __m128i a =
          _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(ordered + i)), sign);
      const __m128i b =
          _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(ordered + i + 4)), sign);
      const __m128i hit = _mm_or_si128(_mm_cmpgt_epi32(a, below), _mm_cmpgt_epi32(b, below));
      if (_mm_movemask_epi8(hit) == 0) continue;  // most blocks of 8 hold no candidate
      for (int j = i; j < i + 8; ++j) keep(j);
    }
  }
#endif
  for (; i < count; ++i) keep(i);
  std::partial_sort(c, c + k, c + n, std::greater<>());
  for (int j = 0; j < k; ++j) out[j] = static_cast<std::int32_t>(detail::packed_index(c[j]));
}

// detail::group_score, from the already ordered keys of one group.
float group_score(const std::uint32_t* ordered, int group_size, bool top2) {
  std::uint32_t o1, o2;
  cpu_detail::top2_ordered(ordered, group_size, &o1, &o2);
  const float best = detail::from_ordered_bits(o1);
  return (top2 && group_size >= 2) ? add_rn(best, detail::from_ordered_bits(o2)) : best;
}

void route_token(const float* x, const float* bias, const GatingConfig& c, Scratch& s,
                 std::int32_t* idx_out, float* weight_out) {
  const int n = c.num_experts;
  const int k = c.top_k;
  float* keys = s.keys.data();
  const bool softmax = c.score_function == ScoreFunction::kSoftmax;
  if (softmax) {
    cpu_detail::softmax_keys(x, n, keys, s.ordered.data());
  } else {
    cpu_detail::sigmoid_keys(x, bias, n, s.scores.data(), keys, s.ordered.data());
  }
  const float* scores = softmax ? keys : s.scores.data();

  if (c.num_groups > 1) {
    const int group_size = c.experts_per_group();
    const bool top2 = c.group_score == GroupScore::kTop2Sum;
    for (int g = 0; g < c.num_groups; ++g) {
      s.group_keys[g] = group_score(s.ordered.data() + g * group_size, group_size, top2);
      s.group_ordered[g] = detail::ordered_bits(s.group_keys[g]);
    }
    select_top(s.group_keys.data(), s.group_ordered.data(), nullptr, c.num_groups,
               c.topk_groups, s.candidates, s.chosen_groups.data());
    // Gather the kept groups in ascending group order, so positions follow expert order.
    std::sort(s.chosen_groups.begin(), s.chosen_groups.end());
    int m = 0;
    for (const std::int32_t g : s.chosen_groups) {
      for (int e = g * group_size; e < (g + 1) * group_size; ++e, ++m) {
        s.kept_keys[m] = keys[e];
        s.kept_ordered[m] = s.ordered[e];
        s.kept_index[m] = e;
      }
    }
    select_top(s.kept_keys.data(), s.kept_ordered.data(), s.kept_index.data(), m, k,
               s.candidates, idx_out);
  } else {
    select_top(keys, s.ordered.data(), nullptr, n, k, s.candidates, idx_out);
  }

  float denominator = 1.0f;
  const bool divide = c.normalize_weights || softmax;
  if (c.normalize_weights) {
    float sum = 0.0f;  // in choice order, as the CUDA kernel adds
    for (int j = 0; j < k; ++j) sum = add_rn(sum, scores[idx_out[j]]);
    denominator = add_rn(sum, detail::kWeightNormEpsilon);
  } else if (softmax) {
    float sum = 0.0f;  // in expert order, as the CUDA kernel adds
    for (int e = 0; e < n; ++e) sum = add_rn(sum, keys[e]);
    denominator = sum;
  }
  for (int j = 0; j < k; ++j) {
    const float w = divide ? div_rn(scores[idx_out[j]], denominator) : scores[idx_out[j]];
    weight_out[j] = mul_rn(w, c.routed_scaling_factor);
  }
}

}  // namespace

Status gating_topk(const float* logits, const float* bias, std::int64_t num_tokens,
                   const GatingConfig& config, std::int32_t* topk_idx, float* topk_weights) {
  MOESIM_RETURN_IF_ERROR(
      validate_gating(config, num_tokens, logits, bias, topk_idx, topk_weights));
  const int n = config.num_experts;
  Scratch s;
  s.keys.resize(n);
  s.ordered.resize(n);
  if (config.score_function == ScoreFunction::kSigmoid) s.scores.resize(n);
  if (config.num_groups > 1) {
    s.group_keys.resize(config.num_groups);
    s.group_ordered.resize(config.num_groups);
    s.chosen_groups.resize(config.topk_groups);
    s.kept_keys.resize(n);
    s.kept_ordered.resize(n);
    s.kept_index.resize(n);
  }
  const std::int64_t e = n;
  const std::int64_t k = config.top_k;
  for (std::int64_t t = 0; t < num_tokens; ++t) {
    route_token(logits + t * e, bias, config, s, topk_idx + t * k, topk_weights + t * k);
  }
  return {};
}

}  // namespace moesim::kernels
