#include "kernels/cpu/permute.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/detail/routing_math.h"
#include "kernels/validate.h"

namespace moesim::kernels {
namespace {

// Permute moves bytes only, so one implementation serves every element type.
Status permute_bytes(const void* x, std::int64_t num_tokens, std::int64_t hidden,
                     std::size_t element_bytes, const std::int32_t* topk_idx, int top_k,
                     int num_experts, int capacity, void* permuted_x,
                     const PermuteLayout& layout) {
  MOESIM_RETURN_IF_ERROR(validate_permute(x, num_tokens, hidden, element_bytes, topk_idx, top_k,
                                          num_experts, capacity, permuted_x, layout));
  const std::int64_t choices = num_tokens * top_k;
  std::vector<std::int32_t> count(num_experts, 0);
  for (std::int64_t i = 0; i < choices; ++i) {
    const std::int32_t e = topk_idx[i];
    if (e >= 0 && e < num_experts) ++count[e];
  }
  std::vector<std::int32_t> kept(num_experts);
  std::int32_t dropped = 0;
  layout.expert_offsets[0] = 0;
  for (int e = 0; e < num_experts; ++e) {
    kept[e] = capacity == kNoCapacityLimit ? count[e] : std::min(count[e], capacity);
    dropped += count[e] - kept[e];
    layout.expert_offsets[e + 1] = layout.expert_offsets[e] + kept[e];
  }
  if (layout.num_tokens_per_expert != nullptr) {
    std::copy(count.begin(), count.end(), layout.num_tokens_per_expert);
  }
  if (layout.num_dropped != nullptr) *layout.num_dropped = dropped;

  const std::size_t row_bytes = static_cast<std::size_t>(hidden) * element_bytes;
  const auto* src = static_cast<const unsigned char*>(x);
  auto* dst = static_cast<unsigned char*>(permuted_x);
  std::vector<std::int32_t> cursor(num_experts, 0);
  for (std::int64_t i = 0; i < choices; ++i) {
    const std::int32_t e = topk_idx[i];
    std::int32_t row = -1;
    if (e >= 0 && e < num_experts) {
      const std::int32_t position = cursor[e]++;
      if (position < kept[e]) row = layout.expert_offsets[e] + position;
    }
    layout.dest_row[i] = row;
    if (row < 0) continue;
    if (layout.row_source != nullptr) layout.row_source[row] = static_cast<std::int32_t>(i);
    if (row_bytes > 0) {
      std::memcpy(dst + static_cast<std::size_t>(row) * row_bytes,
                  src + static_cast<std::size_t>(i / top_k) * row_bytes, row_bytes);
    }
  }
  return {};
}

inline float load(float v) { return v; }
inline float load(BFloat16 v) { return v.to_float(); }
inline void store(float* p, float v) { *p = v; }
inline void store(BFloat16* p, float v) { *p = BFloat16(v); }

template <typename T>
Status unpermute_impl(const T* expert_out, const std::int32_t* dest_row, const float* weights,
                      std::int64_t num_tokens, int top_k, std::int64_t hidden, T* out) {
  MOESIM_RETURN_IF_ERROR(validate_unpermute(expert_out, dest_row, weights, num_tokens, top_k,
                                            hidden, sizeof(T), out));
  std::vector<float> acc(hidden);
  for (std::int64_t t = 0; t < num_tokens; ++t) {
    std::fill(acc.begin(), acc.end(), 0.0f);
    for (int j = 0; j < top_k; ++j) {
      const std::int64_t i = t * top_k + j;
      const std::int32_t row = dest_row[i];
      if (row < 0) continue;
      const float w = weights != nullptr ? weights[i] : 1.0f;
      const T* y = expert_out + static_cast<std::int64_t>(row) * hidden;
      for (std::int64_t h = 0; h < hidden; ++h) {
        acc[h] = detail::add_rn(acc[h], detail::mul_rn(w, load(y[h])));
      }
    }
    T* o = out + t * hidden;
    for (std::int64_t h = 0; h < hidden; ++h) store(o + h, acc[h]);
  }
  return {};
}

}  // namespace

Status permute(const float* x, std::int64_t num_tokens, std::int64_t hidden,
               const std::int32_t* topk_idx, int top_k, int num_experts, int capacity,
               float* permuted_x, const PermuteLayout& layout) {
  return permute_bytes(x, num_tokens, hidden, sizeof(float), topk_idx, top_k, num_experts,
                       capacity, permuted_x, layout);
}
Status permute(const BFloat16* x, std::int64_t num_tokens, std::int64_t hidden,
               const std::int32_t* topk_idx, int top_k, int num_experts, int capacity,
               BFloat16* permuted_x, const PermuteLayout& layout) {
  return permute_bytes(x, num_tokens, hidden, sizeof(BFloat16), topk_idx, top_k, num_experts,
                       capacity, permuted_x, layout);
}

Status unpermute(const float* expert_out, const std::int32_t* dest_row, const float* weights,
                 std::int64_t num_tokens, int top_k, std::int64_t hidden, float* out) {
  return unpermute_impl(expert_out, dest_row, weights, num_tokens, top_k, hidden, out);
}
Status unpermute(const BFloat16* expert_out, const std::int32_t* dest_row, const float* weights,
                 std::int64_t num_tokens, int top_k, std::int64_t hidden, BFloat16* out) {
  return unpermute_impl(expert_out, dest_row, weights, num_tokens, top_k, hidden, out);
}

}  // namespace moesim::kernels
