// The step simulator's experts-added path (continual learning) places new experts
// incrementally: the experts already placed keep their slots when moving them cannot pay.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "sim/moe/step_simulator.h"
#include "traces/proto_io.h"

namespace moesim {
namespace {

// 8 experts on 4 GPUs (2 slots each), 4 more experts from step 2 (a second task takes half the
// tokens and routes to them): 12 experts need 3 slots per GPU. Links are slow (1 GB/s): one
// expert copy (3 x 512 x 1024 params x 14 B = 22 MB in training) takes ~22 ms, while the whole
// step's expert compute is microseconds, so no move of an existing expert can pay.
Scenario continual(uint32_t steps) {
  Scenario s;
  const std::string text = R"(name: "continual" mode: "training" seed: 5
model { name: "tiny" num_layers: 2 moe_layer_interval: 1 hidden_size: 512 moe_intermediate_size: 1024
        dense_intermediate_size: 2048 num_routed_experts: 8 top_k: 2 scoring_func: "softmax"
        num_attention_heads: 4 head_dim: 128 seq_len: 512 dispatch_bytes_per_element: 2
        combine_bytes_per_element: 2 weight_bytes_per_element: 2 gated_ffn: true }
parallel { ep: 4 dp: 1 tp: 1 tokens_per_gpu: 256 micro_batches: 1 }
topology { preset: "star" params { key: "gpus" value: "4" } params { key: "link_bw" value: "1GB/s" } }
algorithm: "direct" network: "analytic"
routing { model: "zipf" zipf_exponent: 0.8 sampled_tokens_per_gpu: 64 num_tasks: 2
          phases { start_step: 0 task_weights: [1] }
          phases { start_step: 2 task_weights: [1, 1] experts_added: 4 } }
placement { policy: "balanced" }
hardware { name: "h100" })";
  EXPECT_TRUE(parse_proto(text, ProtoFormat::kText, "test", &s).ok());
  s.set_steps(steps);
  return s;
}

Placement final_placement(const Scenario& s) {
  auto sim = StepSimulator::create(s, "continual");
  EXPECT_TRUE(sim.ok()) << sim.message();
  auto r = (*sim)->run();
  EXPECT_TRUE(r.ok()) << r.message();
  return r->placement();
}

TEST(ContinualPlacement, AddedExpertsFillNewSlotsAndNothingElseMoves) {
  const Placement before = final_placement(continual(2));  // steps 0-1: the initial placement
  auto sim = StepSimulator::create(continual(4), "continual");
  ASSERT_TRUE(sim.ok()) << sim.message();
  auto r = (*sim)->run();
  ASSERT_TRUE(r.ok()) << r.message();
  const Placement& after = r->placement();
  ASSERT_EQ(before.slots_per_gpu(), 2u);
  ASSERT_EQ(after.slots_per_gpu(), 3u);  // (12 experts + 0 redundant) / 4 GPUs
  EXPECT_EQ(after.num_experts(), 12u);
  EXPECT_EQ(after.policy(), "balanced+incremental");
  ASSERT_EQ(after.layers_size(), before.layers_size());
  for (int l = 0; l < after.layers_size(); ++l) {
    const auto& b = before.layers(l).phy2log();
    const auto& a = after.layers(l).phy2log();
    ASSERT_EQ(a.size(), 12);
    std::multiset<int> added;
    for (int g = 0; g < 4; ++g) {
      EXPECT_EQ(a[g * 3 + 0], b[g * 2 + 0]) << "layer " << l << " GPU " << g;
      EXPECT_EQ(a[g * 3 + 1], b[g * 2 + 1]) << "layer " << l << " GPU " << g;
      added.insert(a[g * 3 + 2]);
    }
    EXPECT_EQ(added, (std::multiset<int>{8, 9, 10, 11})) << "layer " << l;
  }
  // New experts are initialised in place and nothing else moved: no migration at step 2.
  ASSERT_EQ(r->steps_size(), 4);
  EXPECT_DOUBLE_EQ(r->steps(2).migration_time_s(), 0.0);
}

}  // namespace
}  // namespace moesim
