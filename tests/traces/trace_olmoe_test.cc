// OLMoE routing counts: the real file (facts from data/README.md), small and malformed files.
#include "traces/trace_olmoe.h"

#include <gtest/gtest.h>

#include "tests/traces/trace_test_util.h"
#include "traces/trace_import.h"
#include "traces/trace_shape.h"
#include "traces/trace_stats.h"

namespace moesim {
namespace {

using testing::ScratchDir;
using testing::shared_data;

double layer_sum(const ExpertLoadTrace& t, size_t s, size_t l) {
  double sum = 0;
  for (size_t e = 0; e < t.num_experts(); ++e) sum += t.counts(static_cast<int>(count_index(t, s, l, e)));
  return sum;
}

TEST(OlmoeReal, OlmoeTopkPerDomain) {
  const std::string path = shared_data("olmoe_routing/csv/expert_counts.csv");
  MOESIM_SKIP_IF_MISSING(path);
  TraceImportOptions o;
  o.model_name = "olmoe";
  auto t = load_expert_load_trace(path, o);
  ASSERT_TRUE(t.ok()) << t.message();
  EXPECT_EQ(t->format(), "olmoe");
  // README: OLMoE-1B-7B has 64 experts, top-8; the file holds layers 0, 7 and 15.
  EXPECT_EQ(t->num_experts(), 64u);
  EXPECT_EQ(t->top_k(), 8u);
  ASSERT_EQ(t->num_layers(), 3u);
  EXPECT_EQ(t->layer_names(0), "layer 0");
  EXPECT_EQ(t->layer_names(1), "layer 7");
  EXPECT_EQ(t->layer_names(2), "layer 15");
  // Domains arxiv, book, c4, github, wikipedia and tulu, one step each in file order.
  ASSERT_EQ(t->num_steps(), 6u);
  const char* domains[] = {"arxiv", "book", "c4", "github", "tulu", "wikipedia"};
  for (int s = 0; s < 6; ++s) EXPECT_EQ(t->step_names(s), domains[s]);
  // README: 208,896 tokens per domain; top-k gives each token 8 assignments.
  for (size_t s : {0u, 1u, 2u, 3u, 5u}) {
    for (size_t l = 0; l < 3; ++l) EXPECT_EQ(layer_sum(*t, s, l), 208896.0 * 8) << domains[s] << " layer " << l;
  }
}

TEST(OlmoeReal, Top1SelectionAndOneDomain) {
  const std::string path = shared_data("olmoe_routing/csv");
  MOESIM_SKIP_IF_MISSING(path);
  TraceImportOptions o;
  o.model_name = "olmoe";
  o.selection = "top1";
  o.domain = "github";
  auto t = load_expert_load_trace(path, o);  // the folder: finds csv/expert_counts.csv
  ASSERT_TRUE(t.ok()) << t.message();
  ASSERT_EQ(t->num_steps(), 1u);
  EXPECT_EQ(t->step_names(0), "github");
  EXPECT_EQ(t->top_k(), 1u);
  // One first choice per token: 208,896 per layer.
  for (size_t l = 0; l < 3; ++l) EXPECT_EQ(layer_sum(*t, 0, l), 208896.0);
}

TEST(OlmoeReal, MixtralIsTheFirstModelAndNearlyBalanced) {
  const std::string path = shared_data("olmoe_routing/csv/expert_counts.csv");
  MOESIM_SKIP_IF_MISSING(path);
  auto t = load_expert_load_trace(path);  // default: first model (mistral), topk
  ASSERT_TRUE(t.ok()) << t.message();
  // README: Mixtral-8x7B, 8 experts, top-2; max/mean 1.08-1.33.
  EXPECT_EQ(t->num_experts(), 8u);
  EXPECT_EQ(t->top_k(), 2u);
  ASSERT_EQ(t->num_steps(), 5u);
  for (size_t s = 0; s < t->num_steps(); ++s) {
    for (size_t l = 0; l < 3; ++l) {
      EXPECT_EQ(layer_sum(*t, s, l), 208896.0 * 2);
      const double imb = layer_imbalance(*t, s, l);
      EXPECT_GE(imb, 1.075) << t->step_names(static_cast<int>(s)) << " layer " << l;
      EXPECT_LE(imb, 1.335) << t->step_names(static_cast<int>(s)) << " layer " << l;
    }
  }
}

const char* kHeader = "model,domain,selection,layer,expert,token_assignments\n";

TEST(Olmoe, SmallFileMissingRowsAreZero) {
  ScratchDir dir;
  const std::string p = dir.write("expert_counts.csv", std::string(kHeader) +
                                                           "m,a,topk,3,0,10\n"
                                                           "m,a,topk,3,2,30\n"
                                                           "m,b,topk,3,1,7\n"
                                                           "m,a,top1,3,0,5\n"
                                                           "other,a,topk,3,0,99\n");
  auto t = load_expert_load_trace(p);
  ASSERT_TRUE(t.ok()) << t.message();
  EXPECT_EQ(t->num_steps(), 2u);
  EXPECT_EQ(t->num_layers(), 1u);
  EXPECT_EQ(t->num_experts(), 3u);
  EXPECT_EQ(t->layer_names(0), "layer 3");
  EXPECT_EQ(t->counts(static_cast<int>(count_index(*t, 0, 0, 1))), 0);  // missing row
  EXPECT_EQ(t->counts(static_cast<int>(count_index(*t, 0, 0, 2))), 30);
  EXPECT_EQ(t->counts(static_cast<int>(count_index(*t, 1, 0, 1))), 7);
  EXPECT_EQ(t->top_k(), 0u);  // unknown model
}

TEST(Olmoe, ChoicesThatDoNotExistListTheAlternatives) {
  ScratchDir dir;
  const std::string p = dir.write("expert_counts.csv", std::string(kHeader) + "m,a,topk,0,0,1\nn,a,topk,0,0,1\n");
  TraceImportOptions o;
  o.model_name = "zz";
  EXPECT_EQ(load_expert_load_trace(p, o).message(), p + ":model: no rows for model 'zz' (the file has: m, n)");
  o.model_name = "m";
  o.domain = "q";
  EXPECT_EQ(load_expert_load_trace(p, o).message(),
            p + ":domain: model 'm', selection 'topk' has no domain 'q' (it has: a)");
  o.domain = "";
  o.selection = "top1";
  EXPECT_EQ(load_expert_load_trace(p, o).message(), p + ":selection: model 'm' has no selection 'top1' (it has: topk)");
}

TEST(Olmoe, MalformedInputs) {
  const std::pair<std::string, std::string> cases[] = {
      {std::string(kHeader) + "m,a,topk,0,0\n", "line 2: expected 6 fields"},
      {std::string(kHeader) + "m,a,topk,0,zero,5\n", "line 2: column 'expert': 'zero' is not an integer"},
      {std::string(kHeader) + "m,a,topk,0,0,-5\n", "line 2: column 'token_assignments': negative token count -5"},
      {std::string(kHeader) + "m,a,topk,0,0,1\nm,a,topk,0,0,2\n", "line 3: duplicate row for model m, domain a"},
      {std::string(kHeader), "no data rows"},
  };
  for (const auto& [text, expect] : cases) {
    ScratchDir dir;
    const std::string p = dir.write("expert_counts.csv", text);
    auto t = load_expert_load_trace(p);
    ASSERT_FALSE(t.ok()) << text;
    EXPECT_EQ(t.message().rfind(p + ":", 0), 0u) << t.message();
    EXPECT_NE(t.message().find(expect), std::string::npos) << "got: " << t.message();
  }
  // A wrong header is caught by parse_olmoe_csv when the format is forced.
  ScratchDir dir;
  const std::string p = dir.write("x.csv", "model,domain,layer\nm,a,0\n");
  TraceImportOptions o;
  o.format = "olmoe";
  auto t = load_expert_load_trace(p, o);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.message().find(p + ":line 1: header is 'model,domain,layer'"), std::string::npos) << t.message();
}

}  // namespace
}  // namespace moesim
