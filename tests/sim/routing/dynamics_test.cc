// Stateful dynamics over steps: balancing (bias, aux loss) and drift.
#include <cmath>
#include <set>

#include <gtest/gtest.h>

#include "routing_test_util.h"

namespace moesim {
namespace {

using testing::expert_load;
using testing::make_context;
using testing::make_model;

// Runs `steps` steps of a 1-layer model, feeding the loads back; max/mean per step.
std::vector<double> imbalance_over_steps(const RoutingSpec& spec, int steps) {
  const RoutingContext ctx = make_context(16, 2, 8, 512, 1);
  auto model = make_model(spec, ctx);
  std::vector<double> mm;
  for (int step = 0; step < steps; ++step) {
    LayerRouting r;
    model->route(step, 0, &r);
    const std::vector<double> load = expert_load(r);
    mm.push_back(testing::max_over_mean(load));
    model->end_step(step, {load});
  }
  return mm;
}

// Averages of consecutive blocks of `size` steps.
std::vector<double> block_means(const std::vector<double>& v, int size) {
  std::vector<double> out;
  for (size_t b = 0; b + size <= v.size(); b += size) {
    double s = 0;
    for (int i = 0; i < size; ++i) s += v[b + i];
    out.push_back(s / size);
  }
  return out;
}

// Skewed start (Zipf 1.2 over 16 experts, top-2: max/mean ~4) and a balancing rule: the
// imbalance falls block after block until it reaches the sampling-noise floor (~1.1 for 4096
// tokens). Trend check: every 10-step block mean is at most the previous one + 0.05 (noise
// of a block mean near the floor is ~0.01), the first block is well above 2, the last below
// 1.35.
void expect_balancing_trend(const RoutingSpec& spec) {
  const std::vector<double> mm = imbalance_over_steps(spec, 80);
  const std::vector<double> blocks = block_means(mm, 10);
  EXPECT_GT(mm[0], 3.0) << "the start should be skewed";
  for (size_t b = 1; b < blocks.size(); ++b)
    EXPECT_LE(blocks[b], blocks[b - 1] + 0.05) << "block " << b;
  EXPECT_LT(blocks.back(), 1.35);
  // Without balancing the skew stays.
  RoutingSpec none = spec;
  none.set_balancing("none");
  const std::vector<double> flat = imbalance_over_steps(none, 80);
  EXPECT_GT(block_means(flat, 10).back(), 3.0);
}

TEST(Balancing, BiasUpdateReducesImbalance) {
  RoutingSpec spec;
  spec.set_model("zipf");
  spec.set_zipf_exponent(1.2);
  spec.set_balancing("bias");
  spec.set_bias_update_speed(0.1);
  expect_balancing_trend(spec);
}

TEST(Balancing, AuxLossReducesImbalance) {
  RoutingSpec spec;
  spec.set_model("zipf");
  spec.set_zipf_exponent(1.2);
  spec.set_balancing("aux-loss");
  spec.set_aux_loss_coef(0.1);
  expect_balancing_trend(spec);
}

// The bias rule moves each expert by exactly gamma per step: after one step with a known load
// the hottest expert's weight falls by e^-gamma relative to a cold one. Checked through the
// top-1 shares of a two-expert uniform model: loads (3, 1) -> offsets (-g, +g) -> expert 0's
// share = e^-g / (e^-g + e^g) = 1 / (1 + e^{2g}); g = 0.5: 0.2689. N = 8192 tokens, sd 0.0049,
// bound 5 sd.
TEST(Balancing, BiasUpdateIsSignTimesGamma) {
  const RoutingContext ctx = make_context(2, 1, 8, 1024, 1);
  RoutingSpec spec;
  spec.set_balancing("bias");
  spec.set_bias_update_speed(0.5);
  spec.set_sampled_tokens_per_gpu(1024);
  auto model = make_model(spec, ctx);
  model->end_step(0, {{3.0, 1.0}});
  LayerRouting r;
  model->route(1, 0, &r);
  const std::vector<double> load = expert_load(r);
  const double p = 1.0 / (1.0 + std::exp(1.0));
  EXPECT_NEAR(load[0] / (load[0] + load[1]), p, 5 * std::sqrt(p * (1 - p) / 8192));
}

// Aux loss: offset_e -= c (load_e - mean) / mean. Loads (3, 1), mean 2: offsets (-c/2, +c/2);
// c = 1: share of expert 0 = 1 / (1 + e^1) again.
TEST(Balancing, AuxLossIsProportionalToRelativeOverload) {
  const RoutingContext ctx = make_context(2, 1, 8, 1024, 1);
  RoutingSpec spec;
  spec.set_balancing("aux-loss");
  spec.set_aux_loss_coef(1.0);
  spec.set_sampled_tokens_per_gpu(1024);
  auto model = make_model(spec, ctx);
  model->end_step(0, {{3.0, 1.0}});
  LayerRouting r;
  model->route(1, 0, &r);
  const std::vector<double> load = expert_load(r);
  const double p = 1.0 / (1.0 + std::exp(1.0));
  EXPECT_NEAR(load[0] / (load[0] + load[1]), p, 5 * std::sqrt(p * (1 - p) / 8192));
}

int hottest_expert(RoutingModel& model, int step) {
  LayerRouting r;
  model.route(step, 0, &r);
  const std::vector<double> load = expert_load(r);
  return static_cast<int>(std::max_element(load.begin(), load.end()) - load.begin());
}

// Drift: each logit random-walks with step sd 0.3; after 200 steps the walks have spread by
// 0.3 * sqrt(200) ~ 4.2, far beyond the ln 2^1.5 ~ 1 gap between the two hottest Zipf experts,
// so the hottest expert changes (several times over the run). Without drift it never does.
TEST(Drift, HottestExpertChangesOverManySteps) {
  const RoutingContext ctx = make_context(16, 1, 4, 512, 1);
  RoutingSpec spec;
  spec.set_model("zipf");
  spec.set_zipf_exponent(1.5);
  auto still = make_model(spec, ctx);
  spec.set_drift_per_step(0.3);
  auto drifting = make_model(spec, ctx);
  const int first = hottest_expert(*drifting, 0);
  EXPECT_EQ(first, hottest_expert(*still, 0)) << "drift starts from the same profile";
  std::set<int> seen;
  for (int step = 0; step <= 200; step += 20) {
    seen.insert(hottest_expert(*drifting, step));
    EXPECT_EQ(hottest_expert(*still, step), first) << "step " << step;
  }
  EXPECT_GE(seen.size(), 2u);
}

// The drift state at a step does not depend on which earlier steps were visited.
TEST(Drift, StateDependsOnlyOnTheStep) {
  const RoutingContext ctx = make_context(16, 2, 2, 128, 1);
  RoutingSpec spec;
  spec.set_model("zipf");
  spec.set_zipf_exponent(1.0);
  spec.set_drift_per_step(0.5);
  auto a = make_model(spec, ctx), b = make_model(spec, ctx);
  LayerRouting ra, rb;
  for (int step = 0; step <= 30; ++step) a->route(step, 0, &ra);
  b->route(0, 0, &rb);
  b->route(30, 0, &rb);
  EXPECT_EQ(ra.expert_ids, rb.expert_ids);
}

}  // namespace
}  // namespace moesim
