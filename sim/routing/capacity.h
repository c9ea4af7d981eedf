// Capacity factor with token dropping (Switch Transformer, GShard).
//
// Each expert accepts at most
//     capacity = ceil(capacity_factor * tokens_in_EP_group_microbatch * top_k / num_experts)
// assignments per micro-batch; the rest are dropped (the token skips that expert, as with
// Switch's residual pass-through). Assignments are admitted first come, first served in the
// order source GPU, then token, then the token's choices best first (so a token's first choice
// is admitted before its second). Dropped ids become -1.
// When tokens are sampled, the limit is applied to the sampled tokens with the same formula on
// the sampled count (tokens_in_EP_group = num_src * sampled_tokens), i.e. the capacity scaled
// by the sampling ratio, and the dropped count is scaled back to real tokens by the caller.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>

namespace moesim::routing {

// ceil(capacity_factor * tokens * top_k / num_experts), with a relative 1e-12 slack so that
// products that are integers in exact arithmetic (1.25 * 8 * 2 / 4) are not rounded up.
int64_t expert_capacity(double capacity_factor, int64_t tokens, int top_k, int num_experts);

// Applies `capacity` to expert ids [num_tokens][top_k] (all sources, in order), -1 = none.
// Returns the number of assignments dropped (set to -1). `scratch` must hold num_experts ints.
int64_t apply_capacity(int64_t capacity, int64_t num_tokens, int top_k, int num_experts,
                       int32_t* expert_ids, int64_t* scratch);

}  // namespace moesim::routing
