// FLOPs and bytes of one transformer layer per token, from a ModelSpec (forward pass).
//
//   attention projections  2 h (3 a d) + 2 (a d) h      (Q, K, V and output; a heads of width d)
//   attention scores       2 s a d                     (QK^T and AV over a causal window of s/2)
//   expert FFN (gated)     2 * 3 h f per assignment    (SwiGLU: gate, up and down of h x f)
//   shared experts         n_shared * 2 * 3 h f_shared
//   gating                 2 h E                       (router logits)
//   dense FFN              2 * 3 h f_dense
// Backward costs twice the forward FLOPs (gradients for inputs and weights).
// Multi-head latent attention (DeepSeek-V2/V3) is approximated by plain multi-head attention.
// Thread-safety: pure functions.
#pragma once

#include "traces/proto/model.pb.h"

namespace moesim {

struct LayerCosts {
  double attention_flops_per_token = 0;
  double gating_flops_per_token = 0;
  double shared_flops_per_token = 0;
  double dense_ffn_flops_per_token = 0;
  double expert_flops_per_assignment = 0;
  double expert_weight_bytes = 0;        // one expert's weights
  double expert_params = 0;
  double kv_bytes_per_token = 0;         // K and V of one token in one layer (decode reads)
  double dispatch_bytes_per_token = 0;   // hidden x dispatch dtype
  double combine_bytes_per_token = 0;    // hidden x combine dtype
};

LayerCosts layer_costs(const ModelSpec& m);

}  // namespace moesim
