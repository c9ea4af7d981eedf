// Small sweep and scenario files shared by the CLI and MPI tests of `moesim sweep` and
// `moesim rebalance`: 4 GPUs on one switch, 8 experts, one MoE layer, a few hundred tokens per
// GPU, so that each point simulates in milliseconds.
#pragma once

#include <string>

namespace moesim::testing {

inline const char* kTinyScenario = R"(name: "tiny" mode: "training" steps: 2 seed: 3
model { name: "tiny" num_layers: 2 moe_layer_interval: 1 hidden_size: 512 moe_intermediate_size: 1024
        dense_intermediate_size: 2048 num_routed_experts: 8 top_k: 2 scoring_func: "softmax"
        num_attention_heads: 4 head_dim: 128 seq_len: 512 dispatch_bytes_per_element: 2
        combine_bytes_per_element: 2 weight_bytes_per_element: 2 gated_ffn: true }
parallel { ep: 4 dp: 1 tp: 1 tokens_per_gpu: 256 micro_batches: 1 }
topology { preset: "star" params { key: "gpus" value: "4" } }
algorithm: "direct" network: "analytic"
routing { model: "zipf" zipf_exponent: 0.5 sampled_tokens_per_gpu: 64 }
placement { policy: "contiguous" }
hardware { name: "h100" }
)";

// 2 x 2 x 3 = 12 points over the tiny scenario (base_scenario_file "tiny.textproto"); point
// order: policy slowest, then redundant experts, then the Zipf exponent.
inline const char* kTinySweep = R"(name: "tiny grid"
base_scenario_file: "tiny.textproto"
axes {
  placement_policies: ["contiguous", "balanced"]
  redundant_experts: [0, 4]
  zipf_exponents: [0, 0.8, 1.5]
}
)";

}  // namespace moesim::testing
