#include "sim/moe/workload.h"

namespace moesim {

LayerCosts layer_costs(const ModelSpec& m) {
  const double h = m.hidden_size();
  const double heads = m.num_attention_heads() ? m.num_attention_heads() : 1;
  const double d = m.head_dim() ? m.head_dim() : h / heads;
  const double seq = m.seq_len();
  const double mats = m.gated_ffn() ? 3 : 2;
  const double f = m.moe_intermediate_size();
  const double fs = m.shared_intermediate_size() ? m.shared_intermediate_size() : f;
  LayerCosts c;
  c.attention_flops_per_token = 2 * h * 3 * heads * d + 2 * heads * d * h + 2 * seq * heads * d;
  c.gating_flops_per_token = 2 * h * m.num_routed_experts();
  c.shared_flops_per_token = m.num_shared_experts() * 2 * mats * h * fs;
  c.dense_ffn_flops_per_token = 2 * mats * h * m.dense_intermediate_size();
  c.expert_flops_per_assignment = 2 * mats * h * f;
  c.expert_params = mats * h * f;
  c.expert_weight_bytes = c.expert_params * m.weight_bytes_per_element();
  c.kv_bytes_per_token = 2 * heads * d * m.weight_bytes_per_element();
  c.dispatch_bytes_per_token = h * m.dispatch_bytes_per_element();
  c.combine_bytes_per_token = h * m.combine_bytes_per_element();
  return c;
}

}  // namespace moesim
