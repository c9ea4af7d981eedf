// Long CSV and .npy traces, moesim protobuf traces, format detection and export round trips.
#include "traces/trace_long_csv.h"

#include <gtest/gtest.h>

#include "tests/traces/trace_test_util.h"
#include "traces/npy.h"
#include "traces/proto_io.h"
#include "traces/trace_export.h"
#include "traces/trace_import.h"
#include "traces/trace_shape.h"

namespace moesim {
namespace {

using testing::ScratchDir;

double at(const ExpertLoadTrace& t, size_t s, size_t l, size_t e) {
  return t.counts(static_cast<int>(count_index(t, s, l, e)));
}

TEST(LongCsv, AnyRowOrderMissingCellsZeroDecimalsAllowed) {
  ScratchDir dir;
  const std::string p = dir.write("t.csv",
                                  "tokens,step,layer,expert\n"
                                  "7,200,1,2\n"
                                  "1.5,100,0,0\n"
                                  "3,100,1,1\n");
  auto t = load_expert_load_trace(p);
  ASSERT_TRUE(t.ok()) << t.message();
  EXPECT_EQ(t->format(), "csv");
  EXPECT_EQ(t->num_steps(), 2u);
  EXPECT_EQ(t->num_layers(), 2u);
  EXPECT_EQ(t->num_experts(), 3u);
  EXPECT_EQ(t->step_ids(0), 100);
  EXPECT_EQ(t->step_ids(1), 200);
  EXPECT_EQ(at(*t, 0, 0, 0), 1.5);
  EXPECT_EQ(at(*t, 0, 1, 1), 3);
  EXPECT_EQ(at(*t, 1, 1, 2), 7);
  EXPECT_EQ(at(*t, 1, 0, 0), 0);  // no row
}

TEST(LongCsv, MalformedInputs) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "empty file"},
      {"step,layer,expert,tokens\n", "no data rows after the header"},
      {"step,layer,expert,tokens\n1,0,0,5\n1,0,0,6\n",
       "line 3: duplicate cell step 1, layer 0, expert 0 (first given at line 2)"},
      {"step,layer,expert,tokens\n1,0,0\n", "line 2: expected 4 fields (as in the header), found 3"},
      {"step,layer,expert,tokens\n1,0,0,many\n", "line 2: column 'tokens': 'many' is not a number"},
      {"step,layer,expert,tokens\n1,0,0,-1\n", "line 2: column 'tokens': negative token count -1"},
      {"step,layer,expert,tokens\n1,-1,0,1\n", "line 2: column 'layer': negative value -1"},
      {"step,layer,expert,tokens\n1,0,0,nan\n", "line 2: column 'tokens': 'nan' is not a number"},
  };
  for (const auto& [text, expect] : cases) {
    ScratchDir dir;
    const std::string p = dir.write("t.csv", text);
    auto t = parse_long_csv(text, p);
    ASSERT_FALSE(t.ok()) << text;
    EXPECT_EQ(t.message().rfind(p + ":", 0), 0u) << t.message();
    EXPECT_NE(t.message().find(expect), std::string::npos) << "got: " << t.message();
    // Through the front door too (empty files are caught before the header is read).
    auto via = load_expert_load_trace(p);
    ASSERT_FALSE(via.ok());
    EXPECT_EQ(via.message().rfind(p + ":", 0), 0u) << via.message();
  }
  ScratchDir dir;
  const std::string p = dir.write("t.csv", "step,layer,expert,count\n1,0,0,1\n");
  auto t = load_expert_load_trace(p);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.message().find(p + ":line 1: unrecognised CSV header 'step,layer,expert,count'"), std::string::npos)
      << t.message();
}

TEST(Npy, ThreeAndTwoDimensionalArrays) {
  ScratchDir dir;
  NpyArray a{{2, 1, 3}, {1, 2, 3, 4, 5, 6}};
  ASSERT_TRUE(write_npy(dir.path("a.npy"), a).ok());
  auto t = load_expert_load_trace(dir.path("a.npy"));
  ASSERT_TRUE(t.ok()) << t.message();
  EXPECT_EQ(t->format(), "npy");
  EXPECT_EQ(t->num_steps(), 2u);
  EXPECT_EQ(t->num_layers(), 1u);
  EXPECT_EQ(at(*t, 1, 0, 2), 6);
  NpyArray b{{2, 2}, {1, 0, 0, 1}};
  ASSERT_TRUE(write_npy(dir.path("b.npy"), b).ok());
  auto u = load_expert_load_trace(dir.path("b.npy"));
  ASSERT_TRUE(u.ok()) << u.message();
  EXPECT_EQ(u->num_steps(), 1u);
  EXPECT_EQ(u->num_layers(), 2u);
  EXPECT_EQ(u->num_experts(), 2u);
}

TEST(Npy, BadShapesAndValues) {
  ScratchDir dir;
  ASSERT_TRUE(write_npy(dir.path("v.npy"), NpyArray{{4}, {1, 2, 3, 4}}).ok());
  auto t = load_expert_load_trace(dir.path("v.npy"));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.message(), dir.path("v.npy") + ":shape: is (4,), expected [steps, layers, experts] or [layers, experts]");
  ASSERT_TRUE(write_npy(dir.path("z.npy"), NpyArray{{0, 3}, {}}).ok());
  EXPECT_NE(load_expert_load_trace(dir.path("z.npy")).message().find("every dimension must be at least 1"),
            std::string::npos);
  ASSERT_TRUE(write_npy(dir.path("n.npy"), NpyArray{{1, 2}, {1, -4}}).ok());
  EXPECT_EQ(load_expert_load_trace(dir.path("n.npy")).message(),
            dir.path("n.npy") + ":counts[step 0][layer 0][expert 1]: negative token count -4.000000");
  dir.write("trunc.npy", "\x93NUMPY");
  auto tr = load_expert_load_trace(dir.path("trunc.npy"));
  ASSERT_FALSE(tr.ok());
  EXPECT_EQ(tr.message().rfind(dir.path("trunc.npy") + ":", 0), 0u) << tr.message();
}

ExpertLoadTrace small_trace() {
  ExpertLoadTrace t;
  init_trace_shape(&t, 2, 1, 2, 2);
  t.set_step_ids(0, 10);
  t.set_step_ids(1, 20);
  const double rank[] = {1, 2, 3, 4, 5, 6, 7, 8};  // [step][rank][layer][expert]
  for (int i = 0; i < 8; ++i) t.set_rank_counts(i, rank[i]);
  sum_rank_counts(&t);
  t.add_layer_names("layer 5");
  t.set_top_k(1);
  t.set_format("test");
  t.set_source("mem");
  return t;
}

TEST(Export, ProtoFormatsKeepEverythingCsvAndNpyKeepCounts) {
  ScratchDir dir;
  const ExpertLoadTrace t = small_trace();
  ASSERT_TRUE(validate_expert_load_trace(t, "mem").ok());
  for (const char* name : {"t.pb", "t.json", "t.textproto"}) {
    ASSERT_TRUE(save_expert_load_trace(dir.path(name), t).ok());
    auto back = load_expert_load_trace(dir.path(name));
    ASSERT_TRUE(back.ok()) << back.message();
    EXPECT_EQ(back->SerializeAsString(), t.SerializeAsString()) << name;
    EXPECT_EQ(export_dropped_fields(dir.path(name), t), "");
  }
  ASSERT_TRUE(save_expert_load_trace(dir.path("t.csv"), t).ok());
  auto csv = load_expert_load_trace(dir.path("t.csv"));
  ASSERT_TRUE(csv.ok()) << csv.message();
  EXPECT_EQ(csv->step_ids(1), 20);
  EXPECT_EQ(at(*csv, 1, 0, 1), 6 + 8);
  EXPECT_EQ(export_dropped_fields("x.csv", t), "per-rank counts, layer names, top_k");
  ASSERT_TRUE(save_expert_load_trace(dir.path("t.npy"), t).ok());
  auto npy = load_expert_load_trace(dir.path("t.npy"));
  ASSERT_TRUE(npy.ok()) << npy.message();
  EXPECT_EQ(at(*npy, 0, 0, 0), 1 + 3);
  EXPECT_EQ(export_dropped_fields("x.npy", t), "per-rank counts, step ids, layer names, top_k");
  EXPECT_FALSE(save_expert_load_trace(dir.path("t.xyz"), t).ok());
}

TEST(ProtoTrace, InconsistentTracesAreRejected) {
  ScratchDir dir;
  ExpertLoadTrace t = small_trace();
  t.set_counts(0, 99);  // no longer the sum of rank_counts
  ASSERT_TRUE(save_proto(dir.path("bad.textproto"), t).ok());
  auto r = load_expert_load_trace(dir.path("bad.textproto"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.message().rfind(dir.path("bad.textproto") + ":counts[step 0][layer 0][expert 0]: is 99", 0), 0u)
      << r.message();
  dir.write("shape.textproto", "num_steps: 1 num_layers: 1 num_experts: 3 counts: [1, 2]");
  auto s = load_expert_load_trace(dir.path("shape.textproto"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(":counts: has 2 values, expected num_steps x num_layers x num_experts = 1 x 1 x 3 = 3"),
            std::string::npos)
      << s.message();
  dir.write("steps.textproto", "num_steps: 2 num_layers: 1 num_experts: 1 counts: [1, 2] step_ids: [5, 5]");
  EXPECT_NE(load_expert_load_trace(dir.path("steps.textproto")).message().find("step_ids[1]: step ids must increase"),
            std::string::npos);
  dir.write("empty.pb", "");
  EXPECT_NE(load_expert_load_trace(dir.path("empty.pb")).message().find("num_steps: trace has no steps (empty)"),
            std::string::npos);
  dir.write("syntax.textproto", "num_steps: x");
  EXPECT_EQ(load_expert_load_trace(dir.path("syntax.textproto")).message().rfind(dir.path("syntax.textproto") + ":1:", 0),
            0u);
}

TEST(Detect, FormatsFromPathsAndHeaders) {
  ScratchDir dir;
  dir.write("a.csv", "step,layer,expert,tokens\n0,0,0,1\n");
  dir.write("b.csv", "iter,layer,e0\n1,0,5\n");
  dir.write("c.csv", "model,domain,selection,layer,expert,token_assignments\nm,d,topk,0,0,1\n");
  dir.write("d.jsonl", "{}");
  dir.write("e.txt", "x");
  dir.write("f.weird", "x");
  EXPECT_EQ(*detect_trace_format(dir.path("a.csv")), "csv");
  EXPECT_EQ(*detect_trace_format(dir.path("b.csv")), "smartmoe");
  EXPECT_EQ(*detect_trace_format(dir.path("c.csv")), "olmoe");
  EXPECT_EQ(*detect_trace_format(dir.path("d.jsonl")), "megatron-jsonl");
  EXPECT_EQ(*detect_trace_format(dir.path("e.txt")), "moesim");
  EXPECT_NE(detect_trace_format(dir.path("f.weird")).message().find("unknown trace file extension '.weird'"),
            std::string::npos);
  EXPECT_NE(detect_trace_format(dir.path("nope.csv")).message().find("no such file or folder"), std::string::npos);
  EXPECT_NE(detect_trace_format(dir.path()).message().find("folder holds no known trace"), std::string::npos);
  TraceImportOptions o;
  o.format = "parquet";
  EXPECT_EQ(load_expert_load_trace(dir.path("a.csv"), o).message(),
            "--format: unknown trace format 'parquet' (known: npy, csv, smartmoe, olmoe, harmoeny, megatron-jsonl, "
            "moesim)");
}

}  // namespace
}  // namespace moesim
