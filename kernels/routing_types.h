// The routing contract shared by the CPU reference (kernels/cpu/*.h) and the CUDA launchers
// (kernels/api.h): gating configuration, the dispatch-layout outputs, and the limits both
// implementations accept. Nothing here depends on CUDA.
//
// Gating, for one token with router logits x[0..E):
//   selection key   softmax: key_e = exp(x_e - max_x)            (unnormalised probability)
//                   sigmoid: key_e = sigmoid(x_e) + bias_e       (bias optional, DeepSeek-V3)
//   unbiased score  softmax: s_e = key_e;  sigmoid: s_e = sigmoid(x_e)
//   group-limited   experts e lie in group e / (E / num_groups); a group scores the sum of its
//                   two best keys (GroupScore::kTop2Sum, DeepSeek-V3) or its best key (kMax);
//                   the best `topk_groups` groups stay, the other experts cannot be chosen.
//                   Node-limited routing is the same rule with groups = nodes (experts are laid
//                   out contiguously over nodes) and topk_groups = the node limit M.
//   top-k           the k eligible experts with the largest keys, in descending key order;
//                   equal keys: the lower expert (or group) index wins.
//   weights         normalize_weights: w_j = s_j / (s_0 + ... + s_{k-1} + 1e-20)
//                   otherwise softmax: w_j = s_j / sum over all experts of s_e; sigmoid: w_j = s_j
//                   then w_j *= routed_scaling_factor.
// Softmax weights are therefore exactly softmax probabilities (renormalised over the k when
// asked), computed without dividing by the full sum where it cancels.
//
// Both implementations evaluate exp and sigmoid with the same IEEE-rounded operation sequence
// (kernels/detail/routing_math.h), so selected indices agree bit for bit between CPU and GPU.
// Thread-safety: plain values.
#pragma once

#include <cstdint>

namespace moesim::kernels {

enum class ScoreFunction : std::uint8_t {
  kSoftmax,  // Mixtral, DeepSeek-V2, Qwen-MoE, Switch
  kSigmoid,  // DeepSeek-V3 (with a per-expert selection bias)
};

enum class GroupScore : std::uint8_t {
  kTop2Sum,  // sum of the two best keys in the group (DeepSeek-V3)
  kMax,      // the best key in the group (DeepSeek-V2 device-limited routing)
};

struct GatingConfig {
  int num_experts = 0;
  int top_k = 0;
  ScoreFunction score_function = ScoreFunction::kSoftmax;
  // Renormalise the k chosen weights to sum to one (HF `norm_topk_prob`).
  bool normalize_weights = true;
  // Multiplies every weight after normalisation (DeepSeek-V3 uses 2.5).
  float routed_scaling_factor = 1.0f;
  // Group- or node-limited routing; num_groups == 1 means unrestricted top-k.
  int num_groups = 1;
  int topk_groups = 1;
  GroupScore group_score = GroupScore::kTop2Sum;

  // DeepSeek-V3 style: `n_group` groups, keep the best `topk_group` by top-2 sum.
  static GatingConfig group_limited(int num_experts, int top_k, int num_groups, int topk_groups,
                                    ScoreFunction score_function = ScoreFunction::kSigmoid) {
    GatingConfig c;
    c.num_experts = num_experts;
    c.top_k = top_k;
    c.score_function = score_function;
    c.num_groups = num_groups;
    c.topk_groups = topk_groups;
    c.group_score = GroupScore::kTop2Sum;
    return c;
  }
  // Experts laid out contiguously over `num_nodes`; a token reaches at most `max_nodes`.
  static GatingConfig node_limited(int num_experts, int top_k, int num_nodes, int max_nodes,
                                   GroupScore node_score = GroupScore::kTop2Sum,
                                   ScoreFunction score_function = ScoreFunction::kSigmoid) {
    GatingConfig c = group_limited(num_experts, top_k, num_nodes, max_nodes, score_function);
    c.group_score = node_score;
    return c;
  }

  int experts_per_group() const { return num_groups > 0 ? num_experts / num_groups : 0; }
};

// Capacity value meaning "no per-expert capacity": nothing is dropped.
inline constexpr int kNoCapacityLimit = -1;

// Outputs of permute (the dispatch layout). All arrays are caller-owned; on the GPU they are
// device memory. With T tokens, k choices and E experts:
//   expert_offsets[E + 1]      rows of expert e are [expert_offsets[e], expert_offsets[e + 1])
//   dest_row[T * k]            permuted row of choice (t, j), or -1 when dropped or the index
//                              is outside [0, E) (-1 is how callers mark "no expert")
//   row_source[T * k]          for each permuted row r < expert_offsets[E]: the choice t * k + j
//                              it came from (row_source[r] / k is the token); may be null
//   num_tokens_per_expert[E]   choices routed to e before the capacity cut; may be null
//   num_dropped[1]             choices dropped by the capacity; may be null
// Order: expert-major; within an expert, by choice index t * k + j (stable in token order).
// With a capacity C, the first C choices of each expert in that order are kept (Switch/GShard).
struct PermuteLayout {
  std::int32_t* expert_offsets = nullptr;
  std::int32_t* dest_row = nullptr;
  std::int32_t* row_source = nullptr;
  std::int32_t* num_tokens_per_expert = nullptr;
  std::int32_t* num_dropped = nullptr;
};

// Limits of the 32-bit index arrays above: T * k choices must fit in int32.
inline constexpr std::int64_t kMaxChoices = (std::int64_t{1} << 31) - 1;
// Keys of one token sit in registers of one warp on the GPU (32 lanes x 32 items).
inline constexpr int kMaxGatingExperts = 1024;
// Per-expert counters live in shared memory on the GPU.
inline constexpr int kMaxPermuteExperts = 8192;
// A token's k destination rows (and weights) live in shared memory on the GPU.
inline constexpr int kMaxCudaRowTopK = 4096;

}  // namespace moesim::kernels
