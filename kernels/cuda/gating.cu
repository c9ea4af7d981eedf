// CUDA gating + top-k: one warp per token. Expert e lives in lane e % 32, item e / 32, so the
// logits row loads coalesced. Top-k runs k rounds of a warp-wide argmax over 64-bit packed
// (key, index) values (routing_math.h): an integer max is a total order, so every lane agrees
// on the winner, ties go to the lower index, and the result equals the CPU reference's.
// Group-/node-limited routing stages the keys in shared memory so a lane can score whole
// groups, whatever their size.
#include <cstdint>

#include "kernels/api.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/static_switch.h"
#include "kernels/detail/routing_math.h"
#include "kernels/validate.h"

namespace moesim::kernels::cuda {
namespace {

using detail::add_rn;
using detail::div_rn;
using detail::mul_rn;
using detail::pack_key;
using detail::packed_index;

constexpr int kWarpsPerBlock = 4;
constexpr unsigned kFullMask = 0xffffffffu;

__device__ __forceinline__ std::uint64_t warp_max(std::uint64_t v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) {
    const std::uint64_t other = __shfl_xor_sync(kFullMask, v, offset);
    v = other > v ? other : v;
  }
  return v;
}

__device__ __forceinline__ float warp_max_float(float v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) {
    const float other = __shfl_xor_sync(kFullMask, v, offset);
    v = other > v ? other : v;  // same NaN-ignoring rule as the CPU reference
  }
  return v;
}

enum class Mode : int { kSoftmax, kSigmoid, kSigmoidBias };

struct GatingParams {
  const float* logits;
  const float* bias;
  std::int64_t num_tokens;
  int num_experts;
  int top_k;
  Mode mode;
  bool normalize;
  float scale;
  int num_groups;
  int topk_groups;
  int group_size;
  bool top2;
  bool use_shared;  // keys staged in shared memory (grouped, or softmax without normalisation)
  std::int32_t* topk_idx;
  float* topk_weights;
};

// Shared memory per warp when used: keys [E], group scores [G], kept flags [G].
__host__ __device__ inline int shared_floats_per_warp(int num_experts, int num_groups) {
  return num_experts + 2 * num_groups;
}

template <int kItems>
__global__ void __launch_bounds__(kWarpsPerBlock * 32) gating_topk_kernel(GatingParams p) {
  extern __shared__ float shared[];
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  const std::int64_t token = static_cast<std::int64_t>(blockIdx.x) * kWarpsPerBlock + warp;
  if (token >= p.num_tokens) return;  // whole warp leaves together
  const int E = p.num_experts;
  const float* x = p.logits + token * E;

  float key[kItems];
  float score[kItems];  // unbiased score, differs from key only with a bias
  std::uint32_t eligible = 0;
#pragma unroll
  for (int i = 0; i < kItems; ++i) {
    const int e = lane + 32 * i;
    key[i] = e < E ? __ldg(x + e) : 0.0f;
    if (e < E) eligible |= 1u << i;
  }

  if (p.mode == Mode::kSoftmax) {
    float m = -__int_as_float(0x7f800000);
#pragma unroll
    for (int i = 0; i < kItems; ++i) {
      if (eligible & (1u << i)) m = key[i] > m ? key[i] : m;
    }
    m = warp_max_float(m);
#pragma unroll
    for (int i = 0; i < kItems; ++i) {
      key[i] = detail::exp_rn(detail::sub_rn(key[i], m));
      score[i] = key[i];
    }
  } else {
#pragma unroll
    for (int i = 0; i < kItems; ++i) {
      score[i] = detail::sigmoid_rn(key[i]);
      const int e = lane + 32 * i;
      key[i] = (p.mode == Mode::kSigmoidBias && e < E) ? add_rn(score[i], __ldg(p.bias + e))
                                                       : score[i];
    }
  }

  float* warp_keys = shared + warp * shared_floats_per_warp(E, p.num_groups);
  float* group_scores = warp_keys + E;
  int* group_kept = reinterpret_cast<int*>(group_scores + p.num_groups);
  if (p.use_shared) {
#pragma unroll
    for (int i = 0; i < kItems; ++i) {
      const int e = lane + 32 * i;
      if (e < E) warp_keys[e] = key[i];
    }
    __syncwarp();
  }

  if (p.num_groups > 1) {
    for (int g = lane; g < p.num_groups; g += 32) {
      group_scores[g] = detail::group_score(warp_keys + g * p.group_size, p.group_size, p.top2);
      group_kept[g] = 0;
    }
    __syncwarp();
    for (int round = 0; round < p.topk_groups; ++round) {
      std::uint64_t best = 0;
      for (int g = lane; g < p.num_groups; g += 32) {
        const std::uint64_t cand =
            group_kept[g] ? 0 : pack_key(group_scores[g], static_cast<std::uint32_t>(g));
        best = cand > best ? cand : best;
      }
      best = warp_max(best);
      if (lane == 0) group_kept[packed_index(best)] = 1;
      __syncwarp();
    }
#pragma unroll
    for (int i = 0; i < kItems; ++i) {
      const int e = lane + 32 * i;
      if (e < E && !group_kept[e / p.group_size]) eligible &= ~(1u << i);
    }
  }

  std::uint64_t packed[kItems];
#pragma unroll
  for (int i = 0; i < kItems; ++i) {
    packed[i] = pack_key(key[i], static_cast<std::uint32_t>(lane + 32 * i));
  }

  // k rounds of warp argmax. The raw unbiased score of each winner is parked in topk_weights
  // and the running sum is kept in j order, exactly as the CPU reference adds it.
  std::int32_t* idx_out = p.topk_idx + token * p.top_k;
  float* weight_out = p.topk_weights + token * p.top_k;
  float sum = 0.0f;
  for (int j = 0; j < p.top_k; ++j) {
    std::uint64_t best = 0;
#pragma unroll
    for (int i = 0; i < kItems; ++i) {
      const std::uint64_t cand = (eligible & (1u << i)) ? packed[i] : 0;
      best = cand > best ? cand : best;
    }
    best = warp_max(best);
    const std::uint32_t e = packed_index(best);
    const int owner = static_cast<int>(e & 31u);
    const int item = static_cast<int>(e >> 5);
    float mine = 0.0f;
#pragma unroll
    for (int i = 0; i < kItems; ++i) mine = (i == item) ? score[i] : mine;
    if (lane == owner) eligible &= ~(1u << item);
    const float s = __shfl_sync(kFullMask, mine, owner);
    sum = add_rn(sum, s);
    if (lane == 0) {
      idx_out[j] = static_cast<std::int32_t>(e);
      weight_out[j] = s;
    }
  }

  float denominator = 1.0f;
  bool divide = true;
  if (p.normalize) {
    denominator = add_rn(sum, detail::kWeightNormEpsilon);
  } else if (p.mode == Mode::kSoftmax) {
    float total = 0.0f;
    if (lane == 0) {
      for (int e = 0; e < E; ++e) total = add_rn(total, warp_keys[e]);  // expert order, as CPU
    }
    denominator = __shfl_sync(kFullMask, total, 0);
  } else {
    divide = false;
  }
  __syncwarp();  // lane 0's raw scores are visible to the other lanes
  for (int j = lane; j < p.top_k; j += 32) {
    const float s = weight_out[j];
    weight_out[j] = mul_rn(divide ? div_rn(s, denominator) : s, p.scale);
  }
}

}  // namespace

Status gating_topk(const float* logits, const float* bias, std::int64_t num_tokens,
                   const GatingConfig& config, std::int32_t* topk_idx, float* topk_weights,
                   cudaStream_t stream) {
  MOESIM_RETURN_IF_ERROR(
      validate_gating(config, num_tokens, logits, bias, topk_idx, topk_weights));
  if (config.num_experts > kMaxGatingExperts) {
    return make_error("", "", "gating: num_experts (" + std::to_string(config.num_experts) +
                                  ") > " + std::to_string(kMaxGatingExperts) +
                                  ", the CUDA kernel's limit");
  }
  if (num_tokens == 0) return {};

  GatingParams p{};
  p.logits = logits;
  p.bias = bias;
  p.num_tokens = num_tokens;
  p.num_experts = config.num_experts;
  p.top_k = config.top_k;
  p.mode = config.score_function == ScoreFunction::kSoftmax
               ? Mode::kSoftmax
               : (bias != nullptr ? Mode::kSigmoidBias : Mode::kSigmoid);
  p.normalize = config.normalize_weights;
  p.scale = config.routed_scaling_factor;
  p.num_groups = config.num_groups;
  p.topk_groups = config.topk_groups;
  p.group_size = config.experts_per_group();
  p.top2 = config.group_score == GroupScore::kTop2Sum;
  p.use_shared = config.num_groups > 1 ||
                 (!config.normalize_weights && config.score_function == ScoreFunction::kSoftmax);
  p.topk_idx = topk_idx;
  p.topk_weights = topk_weights;

  const std::int64_t blocks = (num_tokens + kWarpsPerBlock - 1) / kWarpsPerBlock;
  const std::size_t shared_bytes =
      p.use_shared ? sizeof(float) * kWarpsPerBlock *
                         shared_floats_per_warp(config.num_experts, config.num_groups)
                   : 0;
  ITEMS_PER_LANE_SWITCH(config.num_experts, kItems, [&] {
    gating_topk_kernel<kItems><<<static_cast<unsigned>(blocks), kWarpsPerBlock * 32,
                                 shared_bytes, stream>>>(p);
  });
  CUDA_CHECK(cudaGetLastError());
  return {};
}

}  // namespace moesim::kernels::cuda
