// Reading a Hugging Face config.json of a Mixture-of-Experts model into moesim.ModelSpec
// (traces/proto/model.proto), as the model authors publish it:
//
//   family (model_type)              experts / top-k / expert width            MoE layers
//   deepseek, deepseek_v2, _v3       n_routed_experts, n_shared_experts,       first_k_dense_replace,
//                                    num_experts_per_tok, moe_intermediate_size  moe_layer_freq
//                                    n_group/topk_group (group-limited top-k when topk_method is
//                                    group_limited_greedy or noaux_tc), scoring_func
//   mixtral                          num_local_experts, num_experts_per_tok,   every layer
//                                    intermediate_size
//   qwen2_moe, qwen3_moe             num_experts, num_experts_per_tok,         decoder_sparse_step,
//                                    moe_intermediate_size, shared_expert_     mlp_only_layers (a
//                                    intermediate_size (Qwen2-MoE: 1 shared)   leading run only)
//   olmoe                            num_experts, num_experts_per_tok,         every layer
//                                    intermediate_size
//   switch_transformers              num_experts (top-1), d_ff, d_model,       num_sparse_encoder/
//                                    expert_capacity                           decoder_layers
//   anything else                    read with the generic names (num_experts | num_local_experts
//                                    | n_routed_experts, num_experts_per_tok, hidden_size,
//                                    num_hidden_layers, num_attention_heads, moe_intermediate_size
//                                    | intermediate_size); missing ones are listed in the error.
//
// Encoder-decoder Switch models are laid out as encoder layers then decoder layers
// (num_layers = both stacks). head_dim is head_dim, or d_kv, or for DeepSeek MLA
// qk_nope_head_dim + qk_rope_head_dim (the query/key width the attention scores use).
// Bytes per element: combine 2 (BF16); dispatch 2, except DeepSeek-V3 where it is 1 because
// its report dispatches activations in FP8 (a scenario choice this default encodes; override
// it in the scenario); weights 1 for an fp8 quantization_config, else from torch_dtype
// (float32 4, bfloat16/float16 2; 2 when absent). seq_len is left 0: it belongs to the scenario.
// Thread-safety: stateless.
#pragma once

#include <string>

#include "traces/proto/model.pb.h"
#include "traces/status.h"

namespace moesim {

Result<ModelSpec> load_hf_config(const std::string& path);

// Parses config.json text; `source` names it in errors (JSON errors carry line and column).
Result<ModelSpec> parse_hf_config(const std::string& text, const std::string& source);

}  // namespace moesim
