// SmartMoE logs: the real 5,000-iteration artifact (facts from data/README.md), small
// hand-written files, and malformed ones.
#include "traces/trace_smartmoe.h"

#include <chrono>

#include <gtest/gtest.h>

#include "tests/traces/trace_test_util.h"
#include "traces/trace_import.h"
#include "traces/trace_shape.h"
#include "traces/trace_stats.h"

namespace moesim {
namespace {

using testing::ScratchDir;
using testing::shared_data;

double row_sum(const ExpertLoadTrace& t, size_t s, size_t l) {
  double sum = 0;
  for (size_t e = 0; e < t.num_experts(); ++e) sum += t.counts(static_cast<int>(count_index(t, s, l, e)));
  return sum;
}

TEST(SmartMoeReal, PerRankFileMatchesTheReadme) {
  const std::string path = shared_data("smartmoe_moe_trace/per_rank_layer_expert_counts.csv.gz");
  MOESIM_SKIP_IF_MISSING(path);
  const auto start = std::chrono::steady_clock::now();
  auto t = load_expert_load_trace(path);
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(t.ok()) << t.message();
  // 21 MB of CSV behind 8 MB of gzip: a fast tokenizer reads it well under 2 s even on 2 cores
  // under a sanitizer-free build; this catches a per-cell iostream regression.
  EXPECT_LT(load_s, 5.0);
  EXPECT_EQ(t->format(), "smartmoe");
  // README: 501 snapshots (iterations 1, 11, ..., 5001), 16 ranks, 24 layers, 32 experts.
  EXPECT_EQ(t->num_steps(), 501u);
  EXPECT_EQ(t->num_ranks(), 16u);
  EXPECT_EQ(t->num_layers(), 24u);
  EXPECT_EQ(t->num_experts(), 32u);
  for (size_t s = 0; s < 501; ++s) ASSERT_EQ(t->step_ids(static_cast<int>(s)), static_cast<int64_t>(1 + 10 * s));
  // README: each rank routes 4 micro-batches of 4,096 token assignments per layer, and the
  // global rows (summed over the 16 ranks) hold 262,144.
  for (size_t s = 0; s < t->num_steps(); s += 50) {
    for (size_t r = 0; r < 16; ++r) {
      double sum = 0;
      for (size_t e = 0; e < 32; ++e) sum += t->rank_counts(static_cast<int>(rank_count_index(*t, s, r, 7, e)));
      EXPECT_EQ(sum, 4 * 4096.0) << "step " << s << " rank " << r;
    }
  }
  for (size_t s = 0; s < t->num_steps(); ++s) {
    for (size_t l = 0; l < 24; ++l) ASSERT_EQ(row_sum(*t, s, l), 262144.0) << "step " << s << " layer " << l;
  }
  // README: iteration 5001, layer 12: max/mean 14.8, 17 of 32 experts receive no token.
  EXPECT_NEAR(layer_imbalance(*t, 500, 12), 14.8, 0.05);
  int zeros = 0;
  for (size_t e = 0; e < 32; ++e) zeros += t->counts(static_cast<int>(count_index(*t, 500, 12, e))) == 0;
  EXPECT_EQ(zeros, 17);
  // README: load starts near uniform, max/mean under about 1.9 at iteration 1.
  for (size_t l = 0; l < 24; ++l) EXPECT_LT(layer_imbalance(*t, 0, l), 1.9) << "layer " << l;
}

TEST(SmartMoeReal, GlobalFileAgreesWithPerRankSums) {
  const std::string global = shared_data("smartmoe_moe_trace/global_layer_expert_counts.csv");
  const std::string folder = shared_data("smartmoe_moe_trace");
  MOESIM_SKIP_IF_MISSING(global);
  auto g = load_expert_load_trace(global);
  ASSERT_TRUE(g.ok()) << g.message();
  EXPECT_EQ(g->num_ranks(), 0u);
  // The folder prefers the per-rank file.
  auto r = load_expert_load_trace(folder);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->num_ranks(), 16u);
  ASSERT_EQ(g->counts_size(), r->counts_size());
  for (int i = 0; i < g->counts_size(); ++i) ASSERT_EQ(g->counts(i), r->counts(i)) << "cell " << i;
}

TEST(SmartMoe, SmallGlobalFileInAnyRowOrder) {
  ScratchDir dir;
  const std::string p = dir.write("global_layer_expert_counts.csv",
                                  "iter,layer,e0,e1,e2\n"
                                  "11,1,5,5,0\n"
                                  "1,0,1,2,3\n"
                                  "11,0,0,0,9\n"
                                  "1,1,4,4,4\n");
  auto t = load_expert_load_trace(p);
  ASSERT_TRUE(t.ok()) << t.message();
  EXPECT_EQ(t->num_steps(), 2u);
  EXPECT_EQ(t->num_layers(), 2u);
  EXPECT_EQ(t->num_experts(), 3u);
  EXPECT_EQ(t->step_ids(0), 1);
  EXPECT_EQ(t->step_ids(1), 11);
  EXPECT_EQ(t->counts(static_cast<int>(count_index(*t, 1, 0, 2))), 9);
  EXPECT_EQ(t->counts(static_cast<int>(count_index(*t, 0, 1, 0))), 4);
  // max/mean of [5, 5, 0] = 5 / (10/3) = 1.5
  EXPECT_DOUBLE_EQ(layer_imbalance(*t, 1, 1), 1.5);
}

TEST(SmartMoe, SmallPerRankGzipFillsRankCounts) {
  ScratchDir dir;
  const std::string p = dir.write_gz("per_rank_layer_expert_counts.csv.gz",
                                     "iter,src_rank,layer,e0,e1\n"
                                     "1,0,0,3,1\n"
                                     "1,1,0,0,4\n");
  auto t = load_expert_load_trace(dir.path());  // the folder
  ASSERT_TRUE(t.ok()) << t.message();
  EXPECT_EQ(t->num_ranks(), 2u);
  EXPECT_EQ(t->counts(0), 3);
  EXPECT_EQ(t->counts(1), 5);
  EXPECT_EQ(t->rank_counts(static_cast<int>(rank_count_index(*t, 0, 1, 0, 1))), 4);
}

struct BadCase {
  const char* text;
  const char* expect;  // substring of the error, after "<file>:"
};

TEST(SmartMoe, MalformedInputsNameFileAndLine) {
  const BadCase cases[] = {
      {"", "empty file"},
      {"iter,layer,e0,e1\n", "no data rows"},
      {"iter,layer,e0,e2\n1,0,1,1\n", "line 1: header column 4 is 'e2', expected 'e1'"},
      {"iter,layer,e0,e1\n1,0,1\n", "line 2: expected 4 fields (as in the header), found 3"},
      {"iter,layer,e0,e1\n1,0,1,x\n", "line 2: column 'e1': 'x' is not a number"},
      {"iter,layer,e0,e1\n1,0,1,-2\n", "line 2: column 'e1': negative token count -2"},
      {"iter,layer,e0,e1\n1,0,1,2\n1,0,3,4\n", "line 3: duplicate row for iter 1, layer 0 (first at line 2)"},
      {"iter,layer,e0,e1\n1,0,1,2\n1,2,3,4\n", "missing row for iter 1, layer 1"},
      {"iter,layer,e0,e1\n1,0,1,2,5\n", "line 2: expected 4 fields"},
  };
  for (const auto& c : cases) {
    ScratchDir dir;
    const std::string p = dir.write("global_layer_expert_counts.csv", c.text);
    auto t = import_smartmoe(p);
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_EQ(t.message().rfind(p + ":", 0), 0u) << t.message();
    EXPECT_NE(t.message().find(c.expect), std::string::npos) << "got: " << t.message();
  }
}

TEST(SmartMoe, TruncatedGzipIsAnError) {
  ScratchDir dir;
  std::string text = "iter,src_rank,layer,e0,e1\n";
  for (int i = 0; i < 5000; ++i) text += std::to_string(i) + ",0,0,1,2\n";
  const std::string full = dir.write_gz("full.csv.gz", text);
  std::string bytes;
  {
    std::ifstream in(full, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string cut = dir.write("per_rank_layer_expert_counts.csv.gz", bytes.substr(0, bytes.size() - 20));
  auto t = load_expert_load_trace(cut);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.message().find(cut + ":byte "), std::string::npos) << t.message();
  EXPECT_NE(t.message().find("truncated gzip"), std::string::npos) << t.message();
}

}  // namespace
}  // namespace moesim
