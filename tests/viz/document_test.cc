#include "viz/document.h"

#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>

#include "tests/viz/synthetic_result.h"
#include "traces/file_io.h"
#include "traces/proto_io.h"

namespace moesim::viz {
namespace {

std::string temp_path(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/viz_document_test";
  std::filesystem::create_directories(dir);
  return dir + "/" + name;
}

SimResult synthetic() {
  testing::SyntheticShape shape;
  return testing::make_synthetic_result(shape);
}

TEST(LoadDocument, ResultInEveryProtoFormat) {
  for (const char* name : {"result.pb", "result.json", "result.textproto"}) {
    const std::string path = temp_path(name);
    ASSERT_TRUE(save_proto(path, synthetic()).ok());
    auto doc = load_document(path);
    ASSERT_TRUE(doc.ok()) << doc.message();
    EXPECT_TRUE(doc.value()->is_result()) << name;
    EXPECT_EQ(doc.value()->label(), name);
    EXPECT_EQ(doc.value()->num_gpus(), 8);
    EXPECT_EQ(doc.value()->num_nodes(), 2);
    EXPECT_EQ(doc.value()->timeline().lanes().size(), 8u);
    EXPECT_EQ(doc.value()->layer_steps().size(), 6u);
    const LayerResult* lr = doc.value()->layer_result(2, 3);
    ASSERT_NE(lr, nullptr);
    EXPECT_EQ(lr->step(), 2u);
    EXPECT_EQ(lr->layer(), 3u);
  }
}

TEST(LoadDocument, ExpertLoadTraceProtoIsATrace) {
  ExpertLoadTrace t;
  t.set_source("hand-made");
  t.set_num_steps(1);
  t.set_num_layers(1);
  t.set_num_experts(2);
  t.add_counts(3);
  t.add_counts(5);
  for (const char* name : {"trace.pb", "trace.json"}) {
    const std::string path = temp_path(name);
    ASSERT_TRUE(save_proto(path, t).ok());
    auto doc = load_document(path);
    ASSERT_TRUE(doc.ok()) << doc.message();
    EXPECT_FALSE(doc.value()->is_result());
    EXPECT_FLOAT_EQ(doc.value()->load().count(0, 0, 1), 5.0f);
  }
}

TEST(LoadDocument, BadFilesSayWhatIsWrong) {
  const std::string missing = temp_path("missing.pb");
  auto doc = load_document(missing);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.message().rfind(missing + ":", 0), 0u) << doc.message();

  const std::string empty = temp_path("empty.pb");
  ASSERT_TRUE(write_file_atomic(empty, "").ok());
  doc = load_document(empty);
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.message().find("empty file"), std::string::npos);

  std::string bytes;
  ASSERT_TRUE(synthetic().SerializeToString(&bytes));
  const std::string truncated = temp_path("truncated.pb");
  ASSERT_TRUE(write_file_atomic(truncated, bytes.substr(0, bytes.size() - 1)).ok());
  doc = load_document(truncated);
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.message().find("neither a SimResult nor an ExpertLoadTrace"), std::string::npos) << doc.message();

  const std::string text = temp_path("notes.pb");
  ASSERT_TRUE(write_file_atomic(text, "these are notes, not a protobuf\n").ok());
  EXPECT_FALSE(load_document(text).ok());

  // A JSON file of another message: the unknown field is named.
  const std::string other = temp_path("other.json");
  ASSERT_TRUE(write_file_atomic(other, "{\"bogus_field\": 3}").ok());
  doc = load_document(other);
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.message().find("bogus_field"), std::string::npos) << doc.message();

  const std::string csv = temp_path("garbage.csv");
  ASSERT_TRUE(write_file_atomic(csv, "a,b\n1,2\n").ok());
  doc = load_document(csv);
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.message().find("garbage.csv"), std::string::npos) << doc.message();
}

// The real SmartMoE training trace (see /work/shared/data/README.md) opens as it is.
TEST(LoadDocument, RealSmartMoeTrace) {
  const std::string dir = std::string(MOESIM_SHARED_DATA_DIR) + "/smartmoe_moe_trace";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no shared data at " << dir;
  auto doc = load_document(dir);
  ASSERT_TRUE(doc.ok()) << doc.message();
  const ExpertLoadTable& t = doc.value()->load();
  ASSERT_EQ(t.num_steps(), 501);
  ASSERT_EQ(t.num_layers(), 24);
  ASSERT_EQ(t.num_experts(), 32);
  EXPECT_EQ(t.step_id(0), 1);
  EXPECT_EQ(t.step_id(500), 5001);
  // Each (iteration, layer) sums to 16 ranks x 4 micro-batches x 4096 assignments = 262,144.
  for (int s : {0, 250, 500}) {
    for (int l = 0; l < 24; ++l) {
      double sum = 0;
      for (int e = 0; e < 32; ++e) sum += t.count(s, l, e);
      EXPECT_DOUBLE_EQ(sum, 262144.0);
    }
  }
  // Published in the data README: at iteration 5001, layer 12 has max/mean 14.8 and 17 of 32
  // experts receive no token; at iteration 1, max/mean is "about 1.4-1.9" (per layer, so allow
  // some slack at both ends; their mean lies inside the quoted range).
  EXPECT_NEAR(t.imbalance(500, 12), 14.8, 0.05);
  int zeros = 0;
  for (int e = 0; e < 32; ++e) zeros += t.count(500, 12, e) == 0;
  EXPECT_EQ(zeros, 17);
  for (int l = 0; l < 24; ++l) {
    EXPECT_GE(t.imbalance(0, l), 1.2) << l;
    EXPECT_LE(t.imbalance(0, l), 2.0) << l;
  }
  EXPECT_GE(t.mean_imbalance(0), 1.4);
  EXPECT_LE(t.mean_imbalance(0), 1.9);
}

TEST(BaseName, StripsFolders) {
  EXPECT_EQ(base_name("a/b/result.pb"), "result.pb");
  EXPECT_EQ(base_name("data/smartmoe_moe_trace/"), "smartmoe_moe_trace");
  EXPECT_EQ(base_name("x"), "x");
}

}  // namespace
}  // namespace moesim::viz
