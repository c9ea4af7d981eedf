#include "sim/routing/expert_choice_model.h"

#include <algorithm>
#include <numeric>

#include "sim/routing/capacity.h"
#include "sim/routing/random.h"

namespace moesim::routing {

ExpertChoiceRoutingModel::ExpertChoiceRoutingModel(const RoutingSpec& spec, const ResolvedRouting& resolved,
                                                   const RoutingContext& ctx)
    : ctx_(ctx), sampled_(resolved.sampled_tokens) {
  const int64_t tokens = static_cast<int64_t>(ctx.num_src_gpus) * sampled_;
  const double cf = spec.capacity_factor() > 0 ? spec.capacity_factor() : 1.0;
  capacity_ = std::min(tokens, expert_capacity(cf, tokens, ctx.top_k, ctx.num_experts));
}

void ExpertChoiceRoutingModel::route(int step, int layer, LayerRouting* out) {
  const int num_src = ctx_.num_src_gpus, num_experts = ctx_.num_experts;
  const int64_t tokens = static_cast<int64_t>(num_src) * sampled_;
  token_index_.resize(tokens);
  std::iota(token_index_.begin(), token_index_.end(), 0);
  num_of_token_.assign(tokens, 0);
  chosen_token_.resize(static_cast<size_t>(num_experts) * capacity_);
  Rng rng(stream_seed(ctx_.seed, StreamKind::kExpertChoice, {step, layer}));
  // Each expert: a uniform subset of `capacity_` tokens by a partial Fisher-Yates shuffle (any
  // starting permutation gives a uniform subset, so the array is not reset between experts).
  for (int e = 0; e < num_experts; ++e) {
    for (int64_t i = 0; i < capacity_; ++i) {
      const int64_t j = i + static_cast<int64_t>(rng.below(static_cast<uint64_t>(tokens - i)));
      std::swap(token_index_[i], token_index_[j]);
      chosen_token_[static_cast<size_t>(e) * capacity_ + i] = token_index_[i];
      ++num_of_token_[token_index_[i]];
    }
  }
  int width = 1;
  for (int32_t n : num_of_token_) width = std::max(width, static_cast<int>(n));
  out->num_src = num_src;
  out->top_k = width;
  out->num_experts = num_experts;
  out->sampled_tokens = sampled_;
  out->token_scale = static_cast<double>(ctx_.tokens_per_gpu) / sampled_;
  out->tokens_dropped = 0;
  out->expert_ids.assign(static_cast<size_t>(tokens) * width, -1);
  out->counts.assign(static_cast<size_t>(num_src) * num_experts, 0.0);
  // Second pass in expert order, so each token's row lists its experts in increasing order.
  std::fill(num_of_token_.begin(), num_of_token_.end(), 0);
  for (int e = 0; e < num_experts; ++e) {
    for (int64_t i = 0; i < capacity_; ++i) {
      const int32_t x = chosen_token_[static_cast<size_t>(e) * capacity_ + i];
      out->expert_ids[static_cast<size_t>(x) * width + num_of_token_[x]++] = e;
      out->counts[static_cast<size_t>(x / sampled_) * num_experts + e] += out->token_scale;
    }
  }
}

}  // namespace moesim::routing
