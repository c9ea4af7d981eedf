// Helpers shared by the routing model tests.
#pragma once

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/routing/routing_model.h"

namespace moesim::testing {

inline RoutingContext make_context(int experts, int top_k, int num_src, int tokens_per_gpu,
                                   int layers = 2, uint64_t seed = 42) {
  RoutingContext ctx;
  ctx.num_experts = experts;
  ctx.top_k = top_k;
  ctx.num_src_gpus = num_src;
  ctx.tokens_per_gpu = tokens_per_gpu;
  ctx.num_moe_layers = layers;
  ctx.num_nodes = 1;
  ctx.seed = seed;
  return ctx;
}

inline std::unique_ptr<RoutingModel> make_model(const RoutingSpec& spec, const RoutingContext& ctx) {
  auto model = make_routing_model(spec, ctx, "test.textproto");
  EXPECT_TRUE(model.ok()) << (model.ok() ? "" : model.message());
  if (!model.ok()) return nullptr;
  return std::move(model).value();
}

// Assignments per expert summed over sources (real-token units).
inline std::vector<double> expert_load(const LayerRouting& r) {
  std::vector<double> load(r.num_experts, 0.0);
  for (int s = 0; s < r.num_src; ++s)
    for (int e = 0; e < r.num_experts; ++e) load[e] += r.counts[static_cast<size_t>(s) * r.num_experts + e];
  return load;
}

inline double max_over_mean(const std::vector<double>& load) {
  double sum = 0, mx = 0;
  for (double v : load) sum += v, mx = std::max(mx, v);
  return mx / (sum / static_cast<double>(load.size()));
}

// Experts of sampled token t (over all sources), -1 entries left out.
inline std::vector<int> token_experts(const LayerRouting& r, int64_t t) {
  std::vector<int> out;
  for (int j = 0; j < r.top_k; ++j) {
    const int e = r.expert_ids[static_cast<size_t>(t) * r.top_k + j];
    if (e >= 0) out.push_back(e);
  }
  return out;
}

inline int64_t num_tokens(const LayerRouting& r) {
  return static_cast<int64_t>(r.num_src) * r.sampled_tokens;
}

// Every token has `k` distinct, valid experts.
inline void expect_distinct_valid(const LayerRouting& r, int k) {
  for (int64_t t = 0; t < num_tokens(r); ++t) {
    std::vector<int> ex = token_experts(r, t);
    ASSERT_EQ(static_cast<int>(ex.size()), k) << "token " << t;
    std::set<int> uniq(ex.begin(), ex.end());
    ASSERT_EQ(uniq.size(), ex.size()) << "token " << t << " repeats an expert";
    for (int e : ex) ASSERT_TRUE(e >= 0 && e < r.num_experts) << "token " << t << " expert " << e;
  }
}

}  // namespace moesim::testing
