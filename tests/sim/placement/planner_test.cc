// plan_placement(): policy table, request validation (each bad input names its flag), memory.
#include "sim/placement/planner.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace moesim::placement {
namespace {

PlanRequest readme_request() {
  PlanRequest r;
  r.loads = {{90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86},
             {20, 107, 104, 64, 19, 197, 187, 157, 172, 86, 16, 27}};
  r.num_physical_experts = 16;
  r.num_groups = 4;
  r.num_nodes = 2;
  r.num_gpus = 8;
  return r;
}

void expect_error(const PlanRequest& r, const std::string& flag, const std::string& words) {
  auto p = plan_placement(r);
  ASSERT_FALSE(p.ok()) << "expected an error about " << flag;
  EXPECT_NE(p.message().find(flag), std::string::npos) << p.message();
  EXPECT_NE(p.message().find(words), std::string::npos) << p.message();
}

TEST(PlannerTest, TableListsPoliciesWithDescriptions) {
  std::vector<std::string> names;
  for (const auto& p : placement_policies()) {
    names.push_back(p.name);
    EXPECT_FALSE(p.description.empty());
    EXPECT_NE(p.factory(), nullptr);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"balanced", "eplb", "affinity", "contiguous", "round-robin"}));
  EXPECT_EQ(std::string(kDefaultPolicy), "balanced");
}

TEST(PlannerTest, PlacementProtoShape) {
  PlanRequest r = readme_request();
  r.policy = "eplb";
  auto p = plan_placement(r);
  ASSERT_TRUE(p.ok()) << p.message();
  EXPECT_EQ(p->num_gpus(), 8u);
  EXPECT_EQ(p->slots_per_gpu(), 2u);
  EXPECT_EQ(p->num_experts(), 12u);
  EXPECT_EQ(p->policy(), "eplb");
  ASSERT_EQ(p->layers_size(), 2);
  EXPECT_EQ(layer_phy2log(*p, 0), (std::vector<int>{5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1}));
}

TEST(PlannerTest, DefaultPolicyBeatsEplbOnReadmeExample) {
  PlanRequest r = readme_request();
  auto ours = plan_placement(r);
  r.policy = "eplb";
  auto eplb = plan_placement(r);
  ASSERT_TRUE(ours.ok() && eplb.ok());
  for (size_t l = 0; l < 2; ++l) {
    const double a = max_of(gpu_load(r.loads[l], layer_phy2log(*ours, l), 8));
    const double b = max_of(gpu_load(r.loads[l], layer_phy2log(*eplb, l), 8));
    EXPECT_LE(a, b) << "layer " << l;
    EXPECT_GE(a, load_lower_bound(r.loads[l], 16, 8, false));
  }
}

TEST(PlannerTest, BadInputsNameTheProblem) {
  PlanRequest r = readme_request();
  r.loads[1].pop_back();
  expect_error(r, "loads", "ragged");
  r = readme_request();
  r.loads[0][3] = -1;
  expect_error(r, "layer 0, expert 3", "negative");
  r = readme_request();
  r.loads[1][0] = std::numeric_limits<double>::quiet_NaN();
  expect_error(r, "layer 1, expert 0", "not a finite number");
  r = readme_request();
  r.num_gpus = 32;
  r.num_nodes = 1;
  expect_error(r, "--gpus", "only 16 slots");
  r = readme_request();
  r.num_physical_experts = 8;
  r.num_gpus = 4;
  expect_error(r, "--replicas", "fewer than the 12 logical experts");
  r = readme_request();
  r.num_nodes = 3;
  expect_error(r, "--gpus", "do not divide evenly over 3 nodes");
  r = readme_request();
  r.num_physical_experts = 20;
  expect_error(r, "--replicas", "do not divide evenly over 8 GPUs");
  r = readme_request();
  r.num_groups = 5;
  expect_error(r, "--groups", "do not divide the 12 experts");
  r = readme_request();
  r.policy = "best";
  expect_error(r, "--policy", "unknown placement policy 'best'");
  r = readme_request();
  r.policy = "affinity";
  expect_error(r, "--coactivation", "needs a co-activation matrix");
}

TEST(PlannerTest, MemoryLimit) {
  PlanRequest r = readme_request();  // 2 slots per GPU
  r.expert_bytes = 3e9;
  r.gpu_memory_bytes = 6e9;  // exactly 2 experts fit
  EXPECT_TRUE(plan_placement(r).ok());
  r.gpu_memory_bytes = 5e9;  // only 1 fits: 16 slots cannot be held by 8 GPUs
  expect_error(r, "--gpu-memory-bytes", "room for 1 experts; use --replicas <= 8");
}

TEST(PlannerTest, OneCopyImpossibleWhenSlotsExceedExperts) {
  PlanRequest r;
  r.loads = {{1, 2}};
  r.num_physical_experts = 6;
  r.num_gpus = 2;  // 3 slots per GPU, 2 experts
  r.one_copy_per_gpu = true;
  expect_error(r, "--one-copy-per-gpu", "3 slots per GPU but only 2 experts");
}

TEST(PlannerTest, EveryPolicyFillsEverySlot) {
  PlanRequest r = readme_request();
  std::vector<std::vector<double>> c(12, std::vector<double>(12, 1.0));
  r.coactivation = &c;
  for (const auto& info : placement_policies()) {
    r.policy = info.name;
    auto p = plan_placement(r);
    ASSERT_TRUE(p.ok()) << info.name << ": " << p.message();
    for (size_t l = 0; l < 2; ++l) {
      const auto m = layer_phy2log(*p, l);
      ASSERT_EQ(m.size(), 16u);
      for (int cnt : logcnt(m, 12)) EXPECT_GE(cnt, 1) << info.name;
    }
  }
}

}  // namespace
}  // namespace moesim::placement
