// Trace replay from hand-built ExpertLoadTrace messages and from a file.
#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>

#include "routing_test_util.h"
#include "traces/proto_io.h"

namespace moesim {
namespace {

// 2 snapshots, 2 layers, 4 experts, 2 ranks; rank_counts[s][r][l][e] = 1000 s + 100 r + 10 l + e,
// counts = the sum over ranks.
ExpertLoadTrace hand_trace() {
  ExpertLoadTrace t;
  t.set_source("hand.pb");
  t.set_num_steps(2);
  t.set_num_layers(2);
  t.set_num_experts(4);
  t.set_num_ranks(2);
  t.add_step_ids(1);
  t.add_step_ids(11);
  for (int s = 0; s < 2; ++s)
    for (int l = 0; l < 2; ++l)
      for (int e = 0; e < 4; ++e) t.add_counts(2 * (1000 * s + 10 * l + e) + 100);
  for (int s = 0; s < 2; ++s)
    for (int r = 0; r < 2; ++r)
      for (int l = 0; l < 2; ++l)
        for (int e = 0; e < 4; ++e) t.add_rank_counts(1000 * s + 100 * r + 10 * l + e);
  return t;
}

TEST(TraceReplay, RankCountsAreReproducedExactly) {
  const RoutingContext ctx = testing::make_context(4, 2, 2, 64, 3);
  auto model = make_trace_routing_model(hand_trace(), ctx);
  ASSERT_TRUE(model.ok()) << model.message();
  // (step, layer) -> (snapshot, trace layer) = (step mod 2, layer mod 2).
  for (auto [step, layer] : {std::pair{0, 0}, std::pair{1, 1}, std::pair{3, 2}, std::pair{4, 1}}) {
    LayerRouting r;
    (*model)->route(step, layer, &r);
    EXPECT_FALSE(r.has_tokens());
    EXPECT_TRUE(r.expert_ids.empty());
    ASSERT_EQ(r.counts.size(), 8u);
    for (int src = 0; src < 2; ++src)
      for (int e = 0; e < 4; ++e)
        EXPECT_EQ(r.counts[src * 4 + e], 1000 * (step % 2) + 100 * src + 10 * (layer % 2) + e)
            << "step " << step << " layer " << layer << " src " << src << " expert " << e;
  }
}

// When the sources do not match the ranks, the global counts are scaled to
// tokens_per_gpu * num_src * top_k and spread over the sources; each expert's total is exact.
TEST(TraceReplay, GlobalCountsAreScaledAndSpread) {
  const RoutingContext ctx = testing::make_context(4, 2, 3, 1000, 2);
  auto model = make_trace_routing_model(hand_trace(), ctx);
  ASSERT_TRUE(model.ok()) << model.message();
  LayerRouting r, again;
  (*model)->route(1, 1, &r);
  // Snapshot 1, layer 1: counts 2 (1010 + e) + 100 = 2120, 2122, 2124, 2126 (sum 8492).
  const double target = 1000.0 * 3 * 2;
  const std::vector<double> load = testing::expert_load(r);
  for (int e = 0; e < 4; ++e) EXPECT_NEAR(load[e], (2120 + 2 * e) * target / 8492, 1e-9);
  // Spread: every source gets a share (each is Binomial(~1500, 1/3)-like: sd ~18, far from 0).
  for (double c : r.counts) EXPECT_GT(c, 300);
  auto model2 = make_trace_routing_model(hand_trace(), ctx);
  (*model2)->route(1, 1, &again);
  EXPECT_EQ(r.counts, again.counts);
}

TEST(TraceReplay, ExpertCountMismatchNamesTheTraceAndBothCounts) {
  const RoutingContext ctx = testing::make_context(8, 2, 2, 64);
  auto model = make_trace_routing_model(hand_trace(), ctx);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.message().find("hand.pb"), std::string::npos) << model.message();
  EXPECT_NE(model.message().find("4 experts"), std::string::npos) << model.message();
  EXPECT_NE(model.message().find("8"), std::string::npos) << model.message();
}

TEST(TraceReplay, MalformedTraceIsAnError) {
  ExpertLoadTrace t = hand_trace();
  t.mutable_counts()->RemoveLast();
  auto model = make_trace_routing_model(t, testing::make_context(4, 2, 2, 64));
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.message().find("hand.pb:counts"), std::string::npos) << model.message();
}

// Through make_routing_model with a trace file (moesim's own format, .pb).
TEST(TraceReplay, LoadsTheTraceFile) {
  const std::string dir = ::testing::TempDir() + "/routing_trace_test";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/trace.pb";
  ExpertLoadTrace t = hand_trace();
  t.set_format("moesim");
  ASSERT_TRUE(save_proto(path, t).ok());
  RoutingSpec spec;
  spec.set_model("trace");
  spec.set_trace_file(path);
  auto model = make_routing_model(spec, testing::make_context(4, 2, 2, 64), "scenario.textproto");
  ASSERT_TRUE(model.ok()) << model.message();
  LayerRouting r;
  (*model)->route(1, 0, &r);
  EXPECT_EQ(r.counts[1 * 4 + 3], 1000 + 100 + 3);

  spec.set_trace_file(dir + "/missing.pb");
  auto missing = make_routing_model(spec, testing::make_context(4, 2, 2, 64), "scenario.textproto");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("missing.pb"), std::string::npos) << missing.message();
}

// Real data: the SmartMoE global counts (32 experts, 24 layers, 501 snapshots, top-2) replayed
// on 16 sources: each layer's total is tokens_per_gpu * 16 * 2.
TEST(TraceReplay, SmartMoeTraceFromSharedData) {
  const std::string path =
      std::string(MOESIM_SHARED_DATA_DIR) + "/smartmoe_moe_trace/global_layer_expert_counts.csv";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no shared data at " << path;
  RoutingSpec spec;
  spec.set_model("trace");
  spec.set_trace_file(path);
  RoutingContext ctx = testing::make_context(32, 2, 16, 4096, 24);
  auto model = make_routing_model(spec, ctx, "scenario.textproto");
  ASSERT_TRUE(model.ok()) << model.message();
  LayerRouting r;
  (*model)->route(500, 12, &r);
  double total = 0;
  for (double c : r.counts) total += c;
  EXPECT_NEAR(total, 4096.0 * 16 * 2, 1e-6);
  // The README: at iteration 5001, layer 12, 17 of 32 experts receive no token.
  int empty = 0;
  for (double c : testing::expert_load(r)) empty += c == 0;
  EXPECT_EQ(empty, 17);
}

}  // namespace
}  // namespace moesim
