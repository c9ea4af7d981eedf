// Expert-choice routing (Zhou et al. 2022, "Mixture-of-Experts with Expert Choice Routing"):
// instead of tokens choosing experts, every expert takes its top-`capacity` tokens of the
// EP group's micro-batch, capacity = ceil(capacity_factor * T * top_k / E) (capacity_factor 0
// means 1.0; T = num_src * sampled tokens; at most T).
//
// Model: token-expert affinities s_{x,e} = logit_e + G_{x,e} with i.i.d. Gumbel noise. For a
// fixed expert e, logit_e is the same for every token, so its top-capacity tokens are a
// uniformly random subset of the T tokens: expert loads are equal by construction (the point
// of expert choice) and popularity settings have no effect; what varies is how many experts a
// token gets (0..E, Binomial-like around top_k) and which sources each expert draws from.
//
// Representation (see routing_model.h): LayerRouting.top_k = the largest number of experts any
// sampled token got in this layer (at least 1); each token's row lists its experts in
// increasing id order, padded with -1 ("no further expert", not a drop; tokens_dropped = 0).
// Random stream per (step, layer). Not thread-safe.
#pragma once

#include <vector>

#include "sim/routing/routing_model.h"
#include "sim/routing/routing_spec_check.h"

namespace moesim::routing {

class ExpertChoiceRoutingModel : public RoutingModel {
 public:
  ExpertChoiceRoutingModel(const RoutingSpec& spec, const ResolvedRouting& resolved,
                           const RoutingContext& ctx);
  void route(int step, int layer, LayerRouting* out) override;
  int num_experts_at(int step) const override { return ctx_.num_experts; }

 private:
  RoutingContext ctx_;
  int sampled_;
  int64_t capacity_;
  std::vector<int32_t> token_index_;      // permutation of the T tokens (scratch)
  std::vector<int32_t> chosen_token_;     // [E][capacity] tokens each expert took (scratch)
  std::vector<int32_t> num_of_token_;
};

}  // namespace moesim::routing
