// Megatron-LM router traces (--moe-routing-trace-path): records as router_trace.py writes them
// (json.dumps of {"step", "stage", "block", "layer", "rank", "num_tokens", "topk", ...,
// "top_indices"}), hand-counted.
#include "traces/trace_megatron.h"

#include <gtest/gtest.h>

#include "tests/traces/trace_test_util.h"
#include "traces/trace_import.h"
#include "traces/trace_shape.h"

namespace moesim {
namespace {

using testing::ScratchDir;

std::string rec(int step, int layer, int rank, const std::string& ids, int num_tokens, int topk,
                const std::string& block = "decoder") {
  return "{\"step\": " + std::to_string(step) + ", \"stage\": \"pre_dispatch\", \"block\": \"" + block +
         "\", \"layer\": " + std::to_string(layer) + ", \"rank\": " + std::to_string(rank) +
         ", \"num_tokens\": " + std::to_string(num_tokens) + ", \"topk\": " + std::to_string(topk) +
         (block == "mtp" ? ", \"mtp_idx\": 0" : "") + ", \"top_indices\": " + ids + "}\n";
}

double at(const ExpertLoadTrace& t, size_t s, size_t l, size_t e) {
  return t.counts(static_cast<int>(count_index(t, s, l, e)));
}

TEST(Megatron, FolderOfRankFilesCountsEveryChoice) {
  ScratchDir dir;
  // Rank 0, step 0, layer 3: tokens pick {1,2}, {2,0}; a second micro-batch adds {2,3}.
  dir.write("router_trace_rank0.jsonl", rec(0, 3, 0, "[[1, 2], [2, 0]]", 2, 2) + rec(0, 3, 0, "[[2, 3]]", 1, 2) +
                                            rec(1, 3, 0, "[[0, 1]]", 1, 2) + rec(0, 1, 0, "[[0, 2]]", 1, 2));
  dir.write("router_trace_rank1.jsonl", rec(0, 3, 1, "[[3, 2]]", 1, 2) + "\n" + rec(0, 1, 1, "[[1, 0]]", 1, 2, "mtp"));
  auto t = load_expert_load_trace(dir.path());
  ASSERT_TRUE(t.ok()) << t.message();
  EXPECT_EQ(t->format(), "megatron-jsonl");
  EXPECT_EQ(t->num_steps(), 2u);
  EXPECT_EQ(t->num_experts(), 4u);  // largest id 3, + 1
  EXPECT_EQ(t->top_k(), 2u);
  EXPECT_EQ(t->num_ranks(), 2u);
  // Layers: decoder 1, decoder 3, then mtp 0 layer 1.
  ASSERT_EQ(t->num_layers(), 3u);
  EXPECT_EQ(t->layer_names(0), "layer 1");
  EXPECT_EQ(t->layer_names(1), "layer 3");
  EXPECT_EQ(t->layer_names(2), "mtp 0 layer 1");
  // Step 0, layer 3: rank 0 {1,2},{2,0},{2,3} + rank 1 {3,2}: e0 1, e1 1, e2 4, e3 2.
  EXPECT_EQ(at(*t, 0, 1, 0), 1);
  EXPECT_EQ(at(*t, 0, 1, 1), 1);
  EXPECT_EQ(at(*t, 0, 1, 2), 4);
  EXPECT_EQ(at(*t, 0, 1, 3), 2);
  EXPECT_EQ(t->rank_counts(static_cast<int>(rank_count_index(*t, 0, 1, 1, 3))), 1);  // rank 1's only 3
  EXPECT_EQ(at(*t, 1, 1, 0), 1);
  EXPECT_EQ(at(*t, 0, 2, 1), 1);  // the mtp record
}

TEST(Megatron, SingleFileAliasesAndCountedRecords) {
  ScratchDir dir;
  const std::string p = dir.write("trace.jsonl",
                                  "{\"step\": 7, \"layer\": 0, \"topk_ids\": [[4], [4], [1]]}\n"
                                  "{\"step\": 8, \"layer\": 0, \"tokens_per_expert\": [0, 2, 0, 0, 5, 0]}\n");
  TraceImportOptions o;
  o.num_experts = 8;
  auto t = load_expert_load_trace(p, o);
  ASSERT_TRUE(t.ok()) << t.message();
  EXPECT_EQ(t->num_experts(), 8u);
  EXPECT_EQ(t->num_ranks(), 0u);
  EXPECT_EQ(t->step_ids(0), 7);
  EXPECT_EQ(at(*t, 0, 0, 4), 2);
  EXPECT_EQ(at(*t, 1, 0, 4), 5);
  EXPECT_EQ(t->top_k(), 1u);
}

TEST(Megatron, MalformedRecordsNameFileLineAndField) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "empty trace (no JSON records)"},
      {"{\"step\": 0, \"layer\": 0, \"top_indices\": [[1, 2]]\n", "line 1: invalid JSON at column"},
      {"{\"step\": 0, \"layer\": 0}\n", "line 1: field 'top_indices': missing"},
      {"{\"layer\": 0, \"top_indices\": [[1]]}\n", "line 1: field 'step': missing"},
      {"{\"step\": \"a\", \"layer\": 0, \"top_indices\": [[1]]}\n", "line 1: field 'step': expected an integer"},
      {"\n{\"step\": 0, \"layer\": 0, \"top_indices\": [[1, 2], [3]]}\n",
       "line 2: field 'top_indices[1]': has 1 expert ids, the tokens before have 2 (ragged top-k)"},
      {"{\"step\": 0, \"layer\": 0, \"top_indices\": [[1, -1]]}\n",
       "line 1: field 'top_indices[0][1]': expected a non-negative integer expert id, found -1"},
      {"{\"step\": 0, \"layer\": 0, \"topk\": 3, \"top_indices\": [[1, 2]]}\n",
       "line 1: field 'topk': is 3 but each token has 2 ids"},
      {"{\"step\": 0, \"layer\": 0, \"num_tokens\": 5, \"top_indices\": [[1, 2]]}\n",
       "line 1: field 'num_tokens': is 5 but top_indices has 1 tokens"},
      {"{\"step\": 0, \"layer\": 0, \"block\": \"encoder\", \"top_indices\": [[1]]}\n",
       "line 1: field 'block': unknown block 'encoder'"},
      {"[1, 2]\n", "line 1: expected a JSON object per line"},
  };
  for (const auto& [text, expect] : cases) {
    ScratchDir dir;
    const std::string p = dir.write("router_trace_rank0.jsonl", text);
    auto t = load_expert_load_trace(p);
    ASSERT_FALSE(t.ok()) << text;
    EXPECT_EQ(t.message().rfind(p + ":", 0), 0u) << t.message();
    EXPECT_NE(t.message().find(expect), std::string::npos) << "got: " << t.message();
  }
  ScratchDir dir;
  const std::string p = dir.write("t.jsonl", "{\"step\": 0, \"layer\": 0, \"top_indices\": [[9]]}\n");
  TraceImportOptions o;
  o.num_experts = 4;
  auto t = load_expert_load_trace(p, o);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.message().find("expert id 9 is out of range for --num-experts 4"), std::string::npos) << t.message();
}

}  // namespace
}  // namespace moesim
