#include "kernels/validate.h"

#include <cmath>
#include <string>

namespace moesim::kernels {
namespace {

Error bad(const char* what_kernel, const std::string& what) {
  return make_error("", "", std::string(what_kernel) + ": " + what);
}

std::string num(std::int64_t v) { return std::to_string(v); }

// Null is only an error when the array has elements.
Status require(const void* p, std::int64_t elements, const char* kernel, const char* name) {
  if (p == nullptr && elements > 0) {
    return bad(kernel, std::string(name) + " is null but has " + num(elements) + " elements");
  }
  return {};
}

Status check_choices(const char* kernel, std::int64_t num_tokens, int top_k) {
  if (num_tokens < 0) return bad(kernel, "num_tokens (" + num(num_tokens) + ") is negative");
  if (top_k <= 0) return bad(kernel, "top_k (" + num(top_k) + ") must be at least 1");
  if (num_tokens > kMaxChoices / top_k) {
    return bad(kernel, "num_tokens * top_k (" + num(num_tokens) + " * " + num(top_k) +
                           ") exceeds the int32 index range");
  }
  return {};
}

}  // namespace

Status validate_gating(const GatingConfig& c, std::int64_t num_tokens, const float* logits,
                       const float* bias, const std::int32_t* topk_idx,
                       const float* topk_weights) {
  constexpr const char* k = "gating";
  if (c.num_experts <= 0) return bad(k, "num_experts (" + num(c.num_experts) + ") must be positive");
  MOESIM_RETURN_IF_ERROR(check_choices(k, num_tokens, c.top_k));
  if (c.top_k > c.num_experts) {
    return bad(k, "top_k (" + num(c.top_k) + ") > num_experts (" + num(c.num_experts) + ")");
  }
  if (c.num_groups <= 0) return bad(k, "num_groups (" + num(c.num_groups) + ") must be positive");
  if (c.num_experts % c.num_groups != 0) {
    return bad(k, "num_experts (" + num(c.num_experts) + ") is not divisible by num_groups (" +
                      num(c.num_groups) + ")");
  }
  if (c.topk_groups <= 0 || c.topk_groups > c.num_groups) {
    return bad(k, "topk_groups (" + num(c.topk_groups) + ") must be in [1, num_groups = " +
                      num(c.num_groups) + "]");
  }
  const std::int64_t eligible = std::int64_t{c.topk_groups} * c.experts_per_group();
  if (c.top_k > eligible) {
    return bad(k, "top_k (" + num(c.top_k) + ") > experts in the kept groups (topk_groups " +
                      num(c.topk_groups) + " x " + num(c.experts_per_group()) + " = " +
                      num(eligible) + ")");
  }
  if (!std::isfinite(c.routed_scaling_factor)) {
    return bad(k, "routed_scaling_factor is not finite");
  }
  if (bias != nullptr && c.score_function != ScoreFunction::kSigmoid) {
    return bad(k, "a selection bias is only defined for sigmoid scores (DeepSeek-V3)");
  }
  const std::int64_t n = num_tokens * c.num_experts;
  const std::int64_t m = num_tokens * c.top_k;
  MOESIM_RETURN_IF_ERROR(require(logits, n, k, "logits"));
  MOESIM_RETURN_IF_ERROR(require(topk_idx, m, k, "topk_idx"));
  MOESIM_RETURN_IF_ERROR(require(topk_weights, m, k, "topk_weights"));
  return {};
}

Status validate_histogram(const std::int32_t* topk_idx, std::int64_t num_tokens, int top_k,
                          int num_experts, const std::int32_t* expert_to_gpu, int num_gpus,
                          const std::int32_t* num_tokens_per_expert,
                          const std::int32_t* num_tokens_per_gpu) {
  constexpr const char* k = "expert_histogram";
  MOESIM_RETURN_IF_ERROR(check_choices(k, num_tokens, top_k));
  if (num_experts <= 0) return bad(k, "num_experts (" + num(num_experts) + ") must be positive");
  MOESIM_RETURN_IF_ERROR(require(topk_idx, num_tokens * top_k, k, "topk_idx"));
  MOESIM_RETURN_IF_ERROR(require(num_tokens_per_expert, num_experts, k, "num_tokens_per_expert"));
  if ((expert_to_gpu == nullptr) != (num_tokens_per_gpu == nullptr)) {
    return bad(k, "expert_to_gpu and num_tokens_per_gpu must both be given or both be null");
  }
  if (expert_to_gpu != nullptr && num_gpus <= 0) {
    return bad(k, "num_gpus (" + num(num_gpus) + ") must be positive with a placement");
  }
  return {};
}

Status validate_permute(const void* x, std::int64_t num_tokens, std::int64_t hidden,
                        std::size_t element_bytes, const std::int32_t* topk_idx, int top_k,
                        int num_experts, int capacity, const void* permuted_x,
                        const PermuteLayout& layout) {
  constexpr const char* k = "permute";
  MOESIM_RETURN_IF_ERROR(check_choices(k, num_tokens, top_k));
  if (hidden < 0) return bad(k, "hidden (" + num(hidden) + ") is negative");
  if (num_experts <= 0) return bad(k, "num_experts (" + num(num_experts) + ") must be positive");
  if (capacity < kNoCapacityLimit) {
    return bad(k, "capacity (" + num(capacity) + ") is negative (use kNoCapacityLimit = -1)");
  }
  const std::int64_t choices = num_tokens * top_k;
  if (hidden > 0 && choices > 0 &&
      static_cast<double>(choices) * static_cast<double>(hidden) * element_bytes > 9.0e18) {
    return bad(k, "permuted buffer size overflows");
  }
  MOESIM_RETURN_IF_ERROR(require(x, num_tokens * hidden, k, "x"));
  MOESIM_RETURN_IF_ERROR(require(topk_idx, choices, k, "topk_idx"));
  MOESIM_RETURN_IF_ERROR(require(permuted_x, choices * hidden, k, "permuted_x"));
  MOESIM_RETURN_IF_ERROR(require(layout.expert_offsets, num_experts + 1, k, "expert_offsets"));
  MOESIM_RETURN_IF_ERROR(require(layout.dest_row, choices, k, "dest_row"));
  return {};
}

Status validate_unpermute(const void* expert_out, const std::int32_t* dest_row,
                          const float* weights, std::int64_t num_tokens, int top_k,
                          std::int64_t hidden, std::size_t element_bytes, const void* out) {
  constexpr const char* k = "unpermute";
  MOESIM_RETURN_IF_ERROR(check_choices(k, num_tokens, top_k));
  if (hidden < 0) return bad(k, "hidden (" + num(hidden) + ") is negative");
  if (hidden > 0 && num_tokens > 0 &&
      static_cast<double>(num_tokens) * top_k * static_cast<double>(hidden) * element_bytes >
          9.0e18) {
    return bad(k, "expert output size overflows");
  }
  const std::int64_t choices = num_tokens * top_k;
  // Rows of expert_out are read through dest_row >= 0; its row count is the caller's contract.
  MOESIM_RETURN_IF_ERROR(require(expert_out, choices * hidden, k, "expert_out"));
  MOESIM_RETURN_IF_ERROR(require(dest_row, choices, k, "dest_row"));
  MOESIM_RETURN_IF_ERROR(require(out, num_tokens * hidden, k, "out"));
  (void)weights;  // null weights mean "plain sum"
  return {};
}

}  // namespace moesim::kernels
