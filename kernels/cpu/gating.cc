#include "kernels/cpu/gating.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "kernels/detail/routing_math.h"
#include "kernels/validate.h"

namespace moesim::kernels {
namespace {

using detail::add_rn;
using detail::div_rn;
using detail::mul_rn;
using detail::pack_key;
using detail::sub_rn;

// Per-call scratch, sized once so the per-token loop does not allocate.
struct Scratch {
  std::vector<float> keys;        // selection keys
  std::vector<float> scores;      // unbiased scores (sigmoid with bias only)
  std::vector<std::uint64_t> best;
  std::vector<std::uint64_t> best_groups;
  std::vector<std::uint8_t> group_kept;
};

// Keeps best[0..n) sorted descending; inserts p if it beats the last. Experts are visited in
// ascending order and pack_key breaks ties by index, so the result is the exact top-n.
inline void insert_top(std::uint64_t* best, int n, std::uint64_t p) {
  if (p <= best[n - 1]) return;
  int i = n - 1;
  while (i > 0 && best[i - 1] < p) {
    best[i] = best[i - 1];
    --i;
  }
  best[i] = p;
}

// Keys (and unbiased scores) of one token; the loops are branch-free so they vectorise.
void compute_keys(const float* x, const float* bias, const GatingConfig& c, Scratch& s) {
  const int n = c.num_experts;
  float* keys = s.keys.data();
  if (c.score_function == ScoreFunction::kSoftmax) {
    float m = -std::numeric_limits<float>::infinity();
    for (int e = 0; e < n; ++e) m = x[e] > m ? x[e] : m;
    for (int e = 0; e < n; ++e) keys[e] = detail::exp_rn(sub_rn(x[e], m));
    return;
  }
  if (bias == nullptr) {
    for (int e = 0; e < n; ++e) keys[e] = detail::sigmoid_rn(x[e]);
    return;
  }
  float* scores = s.scores.data();
  for (int e = 0; e < n; ++e) {
    scores[e] = detail::sigmoid_rn(x[e]);
    keys[e] = add_rn(scores[e], bias[e]);
  }
}

// Marks the kept groups in s.group_kept (group- / node-limited routing).
void select_groups(const GatingConfig& c, Scratch& s) {
  const int group_size = c.experts_per_group();
  const bool top2 = c.group_score == GroupScore::kTop2Sum;
  std::uint64_t* best = s.best_groups.data();
  std::fill_n(best, c.topk_groups, 0);
  for (int g = 0; g < c.num_groups; ++g) {
    const float score = detail::group_score(
        s.keys.data() + static_cast<std::int64_t>(g) * group_size, group_size, top2);
    insert_top(best, c.topk_groups, pack_key(score, static_cast<std::uint32_t>(g)));
  }
  std::fill(s.group_kept.begin(), s.group_kept.end(), 0);
  for (int i = 0; i < c.topk_groups; ++i) s.group_kept[detail::packed_index(best[i])] = 1;
}

void route_token(const float* x, const float* bias, const GatingConfig& c, Scratch& s,
                 std::int32_t* idx_out, float* weight_out) {
  compute_keys(x, bias, c, s);
  const int k = c.top_k;
  std::uint64_t* best = s.best.data();
  std::fill_n(best, k, 0);
  const float* keys = s.keys.data();
  if (c.num_groups > 1) {
    select_groups(c, s);
    const int group_size = c.experts_per_group();
    for (int g = 0; g < c.num_groups; ++g) {
      if (!s.group_kept[g]) continue;
      for (int e = g * group_size; e < (g + 1) * group_size; ++e) {
        insert_top(best, k, pack_key(keys[e], static_cast<std::uint32_t>(e)));
      }
    }
  } else {
    for (int e = 0; e < c.num_experts; ++e) {
      insert_top(best, k, pack_key(keys[e], static_cast<std::uint32_t>(e)));
    }
  }

  const float* scores =
      (c.score_function == ScoreFunction::kSigmoid && bias != nullptr) ? s.scores.data() : keys;
  float denominator = 1.0f;
  if (c.normalize_weights) {
    float sum = 0.0f;
    for (int j = 0; j < k; ++j) sum = add_rn(sum, scores[detail::packed_index(best[j])]);
    denominator = add_rn(sum, detail::kWeightNormEpsilon);
  } else if (c.score_function == ScoreFunction::kSoftmax) {
    float sum = 0.0f;  // in expert order: the CUDA kernel sums in the same order
    for (int e = 0; e < c.num_experts; ++e) sum = add_rn(sum, keys[e]);
    denominator = sum;
  }
  const bool divide = c.normalize_weights || c.score_function == ScoreFunction::kSoftmax;
  for (int j = 0; j < k; ++j) {
    const std::uint32_t e = detail::packed_index(best[j]);
    const float w = divide ? div_rn(scores[e], denominator) : scores[e];
    idx_out[j] = static_cast<std::int32_t>(e);
    weight_out[j] = mul_rn(w, c.routed_scaling_factor);
  }
}

}  // namespace

Status gating_topk(const float* logits, const float* bias, std::int64_t num_tokens,
                   const GatingConfig& config, std::int32_t* topk_idx, float* topk_weights) {
  MOESIM_RETURN_IF_ERROR(
      validate_gating(config, num_tokens, logits, bias, topk_idx, topk_weights));
  Scratch s;
  s.keys.resize(config.num_experts);
  if (bias != nullptr) s.scores.resize(config.num_experts);
  s.best.resize(config.top_k);
  s.best_groups.resize(config.topk_groups);
  s.group_kept.resize(config.num_groups);
  const std::int64_t e = config.num_experts;
  const std::int64_t k = config.top_k;
  for (std::int64_t t = 0; t < num_tokens; ++t) {
    route_token(logits + t * e, bias, config, s, topk_idx + t * k, topk_weights + t * k);
  }
  return {};
}

}  // namespace moesim::kernels
