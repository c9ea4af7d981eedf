// HarMoEny raw traces: the real folders (facts from data/README.md), small and malformed ones.
#include "traces/trace_harmoeny.h"

#include <gtest/gtest.h>

#include "tests/traces/trace_test_util.h"
#include "traces/trace_import.h"
#include "traces/trace_shape.h"

namespace moesim {
namespace {

using testing::ScratchDir;
using testing::shared_data;

const std::string kRaw = "harmoeny_raw_trace/ExFlow/raw_trace/";

TEST(HarmoenyReal, SwitchModelsHave8RanksAnd12Layers) {
  MOESIM_SKIP_IF_MISSING(shared_data(kRaw));
  for (int experts : {8, 16, 32, 64, 128}) {
    const std::string dir = shared_data(kRaw + "switch-exp" + std::to_string(experts));
    auto t = load_expert_load_trace(dir);
    ASSERT_TRUE(t.ok()) << t.message();
    EXPECT_EQ(t->format(), "harmoeny");
    // README: Switch-Transformer base models on 8 ranks, moe_layer-0..11; switch-expN has N experts.
    EXPECT_EQ(t->num_ranks(), 8u);
    EXPECT_EQ(t->num_layers(), 12u);
    EXPECT_EQ(t->num_experts(), static_cast<uint32_t>(experts));
    EXPECT_EQ(t->top_k(), 1u);  // Switch routes each token to one expert
  }
  // The first distribution of rank 0, layer 0 as written in 0/moe_layer-0.csv.
  auto t = load_expert_load_trace(shared_data(kRaw + "switch-exp8"));
  ASSERT_TRUE(t.ok());
  const double first[] = {465, 857, 809, 487, 388, 834, 896, 364};
  for (size_t e = 0; e < 8; ++e) EXPECT_EQ(t->rank_counts(static_cast<int>(rank_count_index(*t, 0, 0, 0, e))), first[e]);
}

TEST(HarmoenyReal, QwenHas60ExpertsOn6RanksAnd24Layers) {
  const std::string dir = shared_data(kRaw + "qwen");
  MOESIM_SKIP_IF_MISSING(dir);
  auto t = load_expert_load_trace(dir);
  ASSERT_TRUE(t.ok()) << t.message();
  // README: Qwen1.5-MoE-A2.7B (60 routed experts) on 6 ranks, moe_layer-0..23.
  EXPECT_EQ(t->num_experts(), 60u);
  EXPECT_EQ(t->num_ranks(), 6u);
  EXPECT_EQ(t->num_layers(), 24u);
  EXPECT_EQ(t->top_k(), 4u);
  EXPECT_EQ(t->step_ids(0), 0);  // iteration 0 (with warm-up) is kept as a step
}

TEST(HarmoenyReal, TheRawTraceFolderAsksForOneModel) {
  MOESIM_SKIP_IF_MISSING(shared_data(kRaw));
  auto t = load_expert_load_trace(shared_data(kRaw));
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.message().find("holds several HarMoEny model folders"), std::string::npos) << t.message();
}

const char* kHeader = "iteration,total number of tokens sent,expert distribution\n";

TEST(Harmoeny, SmallFolderSumsRanks) {
  ScratchDir dir;
  dir.write("m/0/moe_layer-0.csv", std::string(kHeader) + "0,3,\"[1, 2]\"\n5,4,\"[4, 0]\"\n");
  dir.write("m/1/moe_layer-0.csv", std::string(kHeader) + "0,2,\"[0, 2]\"\n5,1,\"[1, 0]\"\n");
  auto t = load_expert_load_trace(dir.path("m"));
  ASSERT_TRUE(t.ok()) << t.message();
  EXPECT_EQ(t->num_steps(), 2u);
  EXPECT_EQ(t->step_ids(1), 5);
  EXPECT_EQ(t->num_ranks(), 2u);
  EXPECT_EQ(t->counts(static_cast<int>(count_index(*t, 0, 0, 1))), 4);  // 2 + 2
  EXPECT_EQ(t->counts(static_cast<int>(count_index(*t, 1, 0, 0))), 5);  // 4 + 1
  EXPECT_EQ(t->top_k(), 0u);  // no data.json
}

TEST(Harmoeny, MalformedFolders) {
  {
    ScratchDir dir;
    const std::string f = dir.write("m/0/moe_layer-0.csv", std::string(kHeader) + "0,3,\"[1, x]\"\n");
    auto t = load_expert_load_trace(dir.path("m"));
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.message(), f + ":line 2: column 'expert distribution': element 1 'x' is not a non-negative number");
  }
  {
    ScratchDir dir;
    const std::string f = dir.write("m/0/moe_layer-0.csv", std::string(kHeader) + "0,4,\"[1, 2]\"\n");
    auto t = load_expert_load_trace(dir.path("m"));
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.message(), f + ":line 2: expert distribution sums to 3 but 'total number of tokens sent' is 4");
  }
  {
    ScratchDir dir;  // rank 1 has 3 experts, rank 0 has 2
    dir.write("m/0/moe_layer-0.csv", std::string(kHeader) + "0,3,\"[1, 2]\"\n");
    const std::string f = dir.write("m/1/moe_layer-0.csv", std::string(kHeader) + "0,3,\"[1, 1, 1]\"\n");
    auto t = load_expert_load_trace(dir.path("m"));
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.message().find(f + ":line 2: expert distribution has 3 experts, expected 2"), std::string::npos)
        << t.message();
  }
  {
    ScratchDir dir;  // rank 1 lacks layer 1
    dir.write("m/0/moe_layer-0.csv", std::string(kHeader) + "0,1,\"[1]\"\n");
    dir.write("m/0/moe_layer-1.csv", std::string(kHeader) + "0,1,\"[1]\"\n");
    dir.write("m/1/moe_layer-0.csv", std::string(kHeader) + "0,1,\"[1]\"\n");
    auto t = load_expert_load_trace(dir.path("m"));
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.message().find("m/1/moe_layer-1.csv: missing"), std::string::npos) << t.message();
  }
  {
    ScratchDir dir;  // different iterations on two ranks
    dir.write("m/0/moe_layer-0.csv", std::string(kHeader) + "0,1,\"[1]\"\n");
    const std::string f = dir.write("m/1/moe_layer-0.csv", std::string(kHeader) + "1,1,\"[1]\"\n");
    auto t = load_expert_load_trace(dir.path("m"));
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.message().rfind(f + ":", 0), 0u) << t.message();
    EXPECT_NE(t.message().find("unlike"), std::string::npos) << t.message();
  }
  {
    ScratchDir dir;  // data.json disagrees on the expert count
    dir.write("m/0/moe_layer-0.csv", std::string(kHeader) + "0,3,\"[1, 2]\"\n");
    dir.write("m/data.json", "{\"num_experts\": 60, \"model_name\": \"x\"}");
    auto t = load_expert_load_trace(dir.path("m"));
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.message().find("data.json says num_experts 60"), std::string::npos) << t.message();
  }
  {
    ScratchDir dir;  // empty layer file
    const std::string f = dir.write("m/0/moe_layer-0.csv", "");
    auto t = load_expert_load_trace(dir.path("m"));
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.message().rfind(f + ": empty file", 0), 0u) << t.message();
  }
}

}  // namespace
}  // namespace moesim
