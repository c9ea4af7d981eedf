#include "viz/expert_load_table.h"

#include <gtest/gtest.h>

#include "tests/viz/synthetic_result.h"

namespace moesim::viz {
namespace {

ExpertLoadTrace small_trace() {
  // 2 snapshots x 1 layer x 4 experts: uniform, then everything on expert 0.
  ExpertLoadTrace t;
  t.set_num_steps(2);
  t.set_num_layers(1);
  t.set_num_experts(4);
  t.add_step_ids(10);
  t.add_step_ids(20);
  for (double v : {1, 1, 1, 1, 4, 0, 0, 0}) t.add_counts(v);
  return t;
}

TEST(ExpertLoadTable, ImbalanceIsMaxOverMean) {
  auto table = ExpertLoadTable::from_trace(small_trace(), "t.pb");
  ASSERT_TRUE(table.ok()) << table.message();
  EXPECT_EQ(table->num_steps(), 2);
  EXPECT_EQ(table->step_id(1), 20);
  EXPECT_FLOAT_EQ(table->imbalance(0, 0), 1.0f);  // 1 / (4 / 4)
  EXPECT_FLOAT_EQ(table->imbalance(1, 0), 4.0f);  // 4 / (4 / 4)
  EXPECT_FLOAT_EQ(table->mean_imbalance(1), 4.0f);
  EXPECT_FLOAT_EQ(table->max_imbalance(), 4.0f);
  EXPECT_FLOAT_EQ(table->layer_max(0), 4.0f);
  EXPECT_FLOAT_EQ(table->step_max(0), 1.0f);
  EXPECT_FLOAT_EQ(table->count(1, 0, 0), 4.0f);
  EXPECT_EQ(table->nearest_step(14), 0);
  EXPECT_EQ(table->nearest_step(16), 1);
  EXPECT_EQ(table->nearest_step(1000), 1);
}

TEST(ExpertLoadTable, RejectsWrongShapesAndCounts) {
  ExpertLoadTrace t = small_trace();
  t.add_counts(1);
  auto bad = ExpertLoadTable::from_trace(t, "t.pb");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("t.pb:counts:"), std::string::npos) << bad.message();
  EXPECT_NE(bad.message().find("expected num_steps x num_layers x num_experts = 8"), std::string::npos);

  t = small_trace();
  t.set_counts(3, -2);
  bad = ExpertLoadTable::from_trace(t, "t.pb");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("counts[3]"), std::string::npos) << bad.message();

  t = small_trace();
  t.add_step_ids(30);
  bad = ExpertLoadTable::from_trace(t, "t.pb");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("step_ids"), std::string::npos);

  bad = ExpertLoadTable::from_trace(ExpertLoadTrace(), "t.pb");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("empty"), std::string::npos);
}

TEST(ExpertLoadTable, FromResultLayers) {
  testing::SyntheticShape shape;
  const SimResult r = testing::make_synthetic_result(shape);
  const ExpertLoadTable t = ExpertLoadTable::from_result(r);
  EXPECT_EQ(t.num_steps(), shape.steps);
  EXPECT_EQ(t.num_layers(), shape.layers);
  EXPECT_EQ(t.num_experts(), shape.experts);
  for (const auto& l : r.layers()) {
    for (int e = 0; e < shape.experts; ++e) {
      EXPECT_FLOAT_EQ(t.count(static_cast<int>(l.step()), static_cast<int>(l.layer()), e), l.expert_load(e));
    }
  }
  EXPECT_TRUE(ExpertLoadTable::from_result(SimResult()).empty());
}

}  // namespace
}  // namespace moesim::viz
