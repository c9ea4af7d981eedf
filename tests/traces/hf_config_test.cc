// Hugging Face config.json files of published models (examples/configs) read into ModelSpec,
// with the numbers their authors publish; and configs that are wrong.
#include "traces/hf_config.h"

#include <gtest/gtest.h>

#include "tests/traces/trace_test_util.h"

namespace moesim {
namespace {

using testing::ScratchDir;

ModelSpec load(const std::string& name) {
  auto m = load_hf_config(std::string(MOESIM_SOURCE_DIR) + "/examples/configs/" + name);
  EXPECT_TRUE(m.ok()) << m.message();
  return m.ok() ? *m : ModelSpec();
}

TEST(HfConfig, DeepSeekV3) {
  const ModelSpec m = load("deepseek-v3.json");
  // DeepSeek-V3 technical report: 61 layers, hidden 7168, first 3 layers dense, 1 shared +
  // 256 routed experts of width 2048, 8 per token, 8 groups with at most 4 per token, sigmoid.
  EXPECT_EQ(m.num_layers(), 61u);
  EXPECT_EQ(m.hidden_size(), 7168u);
  EXPECT_EQ(m.first_k_dense(), 3u);
  EXPECT_EQ(m.moe_layer_interval(), 1u);
  EXPECT_EQ(m.num_routed_experts(), 256u);
  EXPECT_EQ(m.num_shared_experts(), 1u);
  EXPECT_EQ(m.moe_intermediate_size(), 2048u);
  EXPECT_EQ(m.shared_intermediate_size(), 2048u);
  EXPECT_EQ(m.dense_intermediate_size(), 18432u);
  EXPECT_EQ(m.top_k(), 8u);
  EXPECT_EQ(m.n_group(), 8u);
  EXPECT_EQ(m.topk_group(), 4u);
  EXPECT_EQ(m.scoring_func(), "sigmoid");
  EXPECT_EQ(m.num_attention_heads(), 128u);
  EXPECT_EQ(m.head_dim(), 128u + 64u);  // MLA: no-PE + RoPE query/key width
  EXPECT_EQ(m.dispatch_bytes_per_element(), 1.0);  // FP8 dispatch
  EXPECT_EQ(m.combine_bytes_per_element(), 2.0);
  EXPECT_EQ(m.weight_bytes_per_element(), 1.0);  // published FP8 weights
  EXPECT_TRUE(m.gated_ffn());
}

TEST(HfConfig, DeepSeekV2Lite) {
  const ModelSpec m = load("deepseek-v2-lite.json");
  // 27 layers, first dense, 64 routed + 2 shared experts of width 1408, top-6, no group limit.
  EXPECT_EQ(m.num_layers(), 27u);
  EXPECT_EQ(m.first_k_dense(), 1u);
  EXPECT_EQ(m.num_routed_experts(), 64u);
  EXPECT_EQ(m.num_shared_experts(), 2u);
  EXPECT_EQ(m.moe_intermediate_size(), 1408u);
  EXPECT_EQ(m.top_k(), 6u);
  EXPECT_EQ(m.n_group(), 0u);
  EXPECT_EQ(m.scoring_func(), "softmax");
  EXPECT_EQ(m.hidden_size(), 2048u);
  EXPECT_EQ(m.dispatch_bytes_per_element(), 2.0);
}

TEST(HfConfig, Mixtral8x7B) {
  const ModelSpec m = load("mixtral-8x7b.json");
  EXPECT_EQ(m.num_layers(), 32u);
  EXPECT_EQ(m.hidden_size(), 4096u);
  EXPECT_EQ(m.num_routed_experts(), 8u);
  EXPECT_EQ(m.top_k(), 2u);
  EXPECT_EQ(m.moe_intermediate_size(), 14336u);
  EXPECT_EQ(m.num_shared_experts(), 0u);
  EXPECT_EQ(m.first_k_dense(), 0u);
  EXPECT_EQ(m.num_attention_heads(), 32u);
}

TEST(HfConfig, Qwen15MoeA27B) {
  const ModelSpec m = load("qwen1.5-moe-a2.7b-chat.json");
  // 24 layers, 60 routed experts of width 1408, top-4, one shared expert of width 5632.
  EXPECT_EQ(m.num_layers(), 24u);
  EXPECT_EQ(m.num_routed_experts(), 60u);
  EXPECT_EQ(m.top_k(), 4u);
  EXPECT_EQ(m.moe_intermediate_size(), 1408u);
  EXPECT_EQ(m.num_shared_experts(), 1u);
  EXPECT_EQ(m.shared_intermediate_size(), 5632u);
  EXPECT_EQ(m.first_k_dense(), 0u);
  EXPECT_EQ(m.moe_layer_interval(), 1u);
}

TEST(HfConfig, Qwen3Moe30BA3B) {
  const ModelSpec m = load("qwen3-30b-a3b.json");
  // 48 layers, 128 experts of width 768, top-8, no shared expert, head_dim 128.
  EXPECT_EQ(m.num_layers(), 48u);
  EXPECT_EQ(m.num_routed_experts(), 128u);
  EXPECT_EQ(m.top_k(), 8u);
  EXPECT_EQ(m.moe_intermediate_size(), 768u);
  EXPECT_EQ(m.num_shared_experts(), 0u);
  EXPECT_EQ(m.head_dim(), 128u);
  EXPECT_EQ(m.hidden_size(), 2048u);
}

TEST(HfConfig, Olmoe1B7B) {
  const ModelSpec m = load("olmoe-1b-7b.json");
  // OLMoE paper: 16 layers, 64 experts, 8 per token, expert width 1024, hidden 2048.
  EXPECT_EQ(m.num_layers(), 16u);
  EXPECT_EQ(m.num_routed_experts(), 64u);
  EXPECT_EQ(m.top_k(), 8u);
  EXPECT_EQ(m.moe_intermediate_size(), 1024u);
  EXPECT_EQ(m.hidden_size(), 2048u);
}

TEST(HfConfig, SwitchBase8) {
  const ModelSpec m = load("switch-base-8.json");
  // 12 encoder + 12 decoder layers, every other FFN an 8-expert top-1 layer (layers 1, 3, ...),
  // expert capacity 64, ReLU FFN (not gated).
  EXPECT_EQ(m.num_layers(), 24u);
  EXPECT_EQ(m.first_k_dense(), 1u);
  EXPECT_EQ(m.moe_layer_interval(), 2u);
  EXPECT_EQ(m.num_routed_experts(), 8u);
  EXPECT_EQ(m.top_k(), 1u);
  EXPECT_EQ(m.expert_capacity(), 64u);
  EXPECT_EQ(m.hidden_size(), 768u);
  EXPECT_EQ(m.head_dim(), 64u);
  EXPECT_FALSE(m.gated_ffn());
}

TEST(HfConfig, QwenSparseStepAndMlpOnlyLayers) {
  const std::string base =
      R"({"model_type": "qwen2_moe", "num_hidden_layers": 8, "hidden_size": 64, "num_attention_heads": 4,
          "num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 32, "intermediate_size": 128)";
  // (i + 1) % 2 == 0: layers 1, 3, 5, 7 are MoE = 1 dense layer, then every 2nd.
  auto a = parse_hf_config(base + R"(, "decoder_sparse_step": 2})", "a.json");
  ASSERT_TRUE(a.ok()) << a.message();
  EXPECT_EQ(a->first_k_dense(), 1u);
  EXPECT_EQ(a->moe_layer_interval(), 2u);
  auto b = parse_hf_config(base + R"(, "mlp_only_layers": [0, 1]})", "b.json");
  ASSERT_TRUE(b.ok()) << b.message();
  EXPECT_EQ(b->first_k_dense(), 2u);
  auto c = parse_hf_config(base + R"(, "mlp_only_layers": [4]})", "c.json");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.message().find("c.json:field 'mlp_only_layers': this pattern"), std::string::npos) << c.message();
}

TEST(HfConfig, Errors) {
  // JSON syntax: the position is reported.
  auto bad = parse_hf_config("{\n  \"model_type\": \"mixtral\",\n  \"hidden_size\": 40 96\n}", "bad.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message().rfind("bad.json:line 3, column ", 0), 0u) << bad.message();
  // Unknown architecture: every missing field is listed.
  auto unk = parse_hf_config(R"({"model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 32})", "llama.json");
  ASSERT_FALSE(unk.ok());
  EXPECT_EQ(unk.message(),
            "llama.json: unknown MoE architecture 'llama': missing field(s) num_attention_heads, num_experts_per_tok, "
            "num_experts | num_local_experts | n_routed_experts, moe_intermediate_size | intermediate_size");
  // Known family with a field missing.
  auto mix = parse_hf_config(R"({"model_type": "mixtral", "hidden_size": 8, "num_hidden_layers": 2,
                                 "num_attention_heads": 2, "num_experts_per_tok": 2, "intermediate_size": 16})",
                             "m.json");
  EXPECT_EQ(mix.message(), "m.json: mixtral: missing field(s) num_local_experts");
  // Wrong type.
  auto type = parse_hf_config(R"({"model_type": "olmoe", "hidden_size": "big"})", "t.json");
  EXPECT_EQ(type.message(), "t.json:field 'hidden_size': expected a non-negative integer, found \"big\"");
  // top-k larger than the expert count.
  auto topk = parse_hf_config(R"({"model_type": "olmoe", "hidden_size": 8, "num_hidden_layers": 2,
                                  "num_attention_heads": 2, "num_experts_per_tok": 9, "num_experts": 8,
                                  "intermediate_size": 16})",
                              "k.json");
  EXPECT_EQ(topk.message(), "k.json:field 'num_experts_per_tok': is 9, expected 1..8");
  // A generic MoE with all fields is read.
  auto gen = parse_hf_config(R"({"model_type": "newmoe", "hidden_size": 8, "num_hidden_layers": 2,
                                 "num_attention_heads": 2, "num_experts_per_tok": 2, "num_experts": 8,
                                 "moe_intermediate_size": 16})",
                             "g.json");
  ASSERT_TRUE(gen.ok()) << gen.message();
  EXPECT_EQ(gen->num_routed_experts(), 8u);
  EXPECT_FALSE(load_hf_config("/nonexistent/config.json").ok());
}

}  // namespace
}  // namespace moesim
