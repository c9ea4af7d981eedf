// Every prefix and a few byte corruptions of valid inputs: each parser returns a value or an
// error that names the source, never crashes (run under MOESIM_SANITIZE for memory errors).
#include <gtest/gtest.h>

#include "traces/hf_config.h"
#include "traces/trace_long_csv.h"
#include "traces/trace_megatron.h"
#include "traces/trace_olmoe.h"
#include "traces/trace_smartmoe.h"

namespace moesim {
namespace {

template <typename Parse>
void every_prefix_and_corruption(const std::string& text, Parse parse) {
  for (size_t n = 0; n <= text.size(); ++n) {
    auto r = parse(text.substr(0, n));
    if (!r.ok()) EXPECT_EQ(r.message().rfind("src", 0), 0u) << "prefix " << n << ": " << r.message();
  }
  for (size_t i = 0; i < text.size(); ++i) {
    for (char c : {'\0', '"', ',', '\n', '-', 'x', '['}) {
      std::string t = text;
      t[i] = c;
      auto r = parse(t);
      if (!r.ok()) EXPECT_EQ(r.message().rfind("src", 0), 0u) << "byte " << i << ": " << r.message();
    }
  }
}

TEST(Robustness, LongCsv) {
  every_prefix_and_corruption("step,layer,expert,tokens\n1,0,0,5\n1,0,1,2.5\n2,1,0,3\n",
                              [](const std::string& s) { return parse_long_csv(s, "src"); });
}

TEST(Robustness, SmartMoe) {
  every_prefix_and_corruption("iter,src_rank,layer,e0,e1\n1,0,0,3,1\n1,1,0,0,4\n",
                              [](const std::string& s) { return parse_smartmoe_csv(s, "src"); });
}

TEST(Robustness, Olmoe) {
  every_prefix_and_corruption("model,domain,selection,layer,expert,token_assignments\nm,a,topk,0,1,5\nm,b,topk,0,0,2\n",
                              [](const std::string& s) { return parse_olmoe_csv(s, "src", TraceImportOptions{}); });
}

TEST(Robustness, Megatron) {
  every_prefix_and_corruption(
      "{\"step\": 0, \"layer\": 1, \"rank\": 0, \"topk\": 2, \"top_indices\": [[1, 2], [0, 3]]}\n"
      "{\"step\": 1, \"layer\": 1, \"tokens_per_expert\": [1, 0, 2]}\n",
      [](const std::string& s) {
        return parse_megatron_jsonl({{"src", s}}, TraceImportOptions{}, "src");
      });
}

TEST(Robustness, HfConfig) {
  every_prefix_and_corruption(
      R"({"model_type": "deepseek_v3", "num_hidden_layers": 4, "hidden_size": 64, "num_attention_heads": 4,
          "num_experts_per_tok": 2, "n_routed_experts": 8, "n_shared_experts": 1, "moe_intermediate_size": 32,
          "first_k_dense_replace": 1, "n_group": 4, "topk_group": 2, "topk_method": "noaux_tc"})",
      [](const std::string& s) { return parse_hf_config(s, "src"); });
}

}  // namespace
}  // namespace moesim
