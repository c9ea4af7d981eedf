// Token-choice sampling: popularity shares, distinctness, determinism, co-selection.
#include <cmath>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "routing_test_util.h"

namespace moesim {
namespace {

using testing::expert_load;
using testing::make_context;
using testing::make_model;

// Uniform: by symmetry every token includes expert e with probability k/E, independently of
// the other tokens, so expert e's assignment count over N tokens is Binomial(N, k/E):
// mean N k/E, sd sqrt(N (k/E)(1 - k/E)). With N = 8 x 512 = 4096, k = 2, E = 16: mean 512,
// sd 21.2. Bound: 5 sd (per expert 5.7e-7; over 16 experts x 2 layers < 2e-5), i.e. the
// share is 1/16 +- 5 * 21.2 / 8192.
TEST(TokenChoice, UniformSharesAreOneOverE) {
  const RoutingContext ctx = make_context(16, 2, 8, 512);
  RoutingSpec spec;
  spec.set_model("uniform");
  auto model = make_model(spec, ctx);
  for (int layer = 0; layer < 2; ++layer) {
    LayerRouting r;
    model->route(0, layer, &r);
    EXPECT_EQ(r.sampled_tokens, 512);
    EXPECT_DOUBLE_EQ(r.token_scale, 1.0);
    testing::expect_distinct_valid(r, 2);
    const double n = 4096, p = 2.0 / 16;
    const double sd = std::sqrt(n * p * (1 - p));
    for (double c : expert_load(r)) EXPECT_NEAR(c, n * p, 5 * sd) << "layer " << layer;
  }
}

double generalized_harmonic(int n, double s) {
  double h = 0;
  for (int r = 1; r <= n; ++r) h += std::pow(r, -s);
  return h;
}

// Zipf with top-1: the hottest expert's share is p1 = 1 / H_{E,s} exactly (top-1 of the
// Gumbel-perturbed log weights is a draw proportional to the weights). Over N = 8192 tokens
// the observed share has sd sqrt(p1 (1 - p1) / N) ~ 0.005; bound 5 sd. The next expert's
// expected share is p1 / 2^s, 10+ sd lower, so the most loaded expert is the hottest one.
TEST(TokenChoice, ZipfHottestShareMatchesHarmonicNumber) {
  for (double s : {0.8, 1.0, 1.5}) {
    const RoutingContext ctx = make_context(32, 1, 8, 1024);
    RoutingSpec spec;
    spec.set_model("zipf");
    spec.set_zipf_exponent(s);
    spec.set_sampled_tokens_per_gpu(1024);
    auto model = make_model(spec, ctx);
    for (int layer = 0; layer < 2; ++layer) {
      LayerRouting r;
      model->route(0, layer, &r);
      const std::vector<double> load = expert_load(r);
      double total = 0, mx = 0;
      for (double v : load) total += v, mx = std::max(mx, v);
      const double p1 = 1.0 / generalized_harmonic(32, s);
      const double sd = std::sqrt(p1 * (1 - p1) / 8192.0);
      EXPECT_NEAR(mx / total, p1, 5 * sd) << "s = " << s << ", layer " << layer;
    }
  }
}

// Each layer draws its own permutation: the hottest expert differs between layers (for 8
// layers of 64 experts, all eight hottest experts coinciding has probability 64^-7).
TEST(TokenChoice, ZipfLayersHaveTheirOwnOrder) {
  const RoutingContext ctx = make_context(64, 1, 4, 1024, 8);
  RoutingSpec spec;
  spec.set_model("zipf");
  spec.set_zipf_exponent(2.0);
  auto model = make_model(spec, ctx);
  std::set<int> hottest;
  for (int layer = 0; layer < 8; ++layer) {
    LayerRouting r;
    model->route(0, layer, &r);
    const std::vector<double> load = expert_load(r);
    hottest.insert(static_cast<int>(std::max_element(load.begin(), load.end()) - load.begin()));
  }
  EXPECT_GT(hottest.size(), 1u);
}

// More skew never lowers max/mean: with the same seed (so the same permutation per layer) the
// Zipf weights only get steeper as s grows. Sampling noise (max/mean of uniform top-2 over
// 4096 tokens is ~1.1) is far below the steps between these exponents.
TEST(TokenChoice, MoreSkewNeverLowersMaxOverMean) {
  const RoutingContext ctx = make_context(16, 2, 8, 512);
  double previous = 0;
  for (double s : {0.0, 0.5, 1.0, 1.5, 2.5, 4.0}) {
    RoutingSpec spec;
    spec.set_model("zipf");
    spec.set_zipf_exponent(s);
    auto model = make_model(spec, ctx);
    LayerRouting r;
    model->route(0, 0, &r);
    const double mm = testing::max_over_mean(expert_load(r));
    EXPECT_GE(mm, previous) << "s = " << s;
    previous = mm;
  }
  // Dirichlet: a concentrated draw (alpha 100, weights within ~10% of each other) is far more
  // even than a sparse one (alpha 0.05: one or two experts hold most of the weight).
  auto dirichlet_mm = [&](double alpha) {
    RoutingSpec spec;
    spec.set_model("dirichlet");
    spec.set_dirichlet_alpha(alpha);
    auto model = make_model(spec, ctx);
    LayerRouting r;
    model->route(0, 0, &r);
    return testing::max_over_mean(expert_load(r));
  };
  EXPECT_LT(dirichlet_mm(100.0), 1.4);
  EXPECT_GT(dirichlet_mm(0.05), 4.0);
}

// Distinct experts per token, also where rejection sampling has to give way to the exact scan
// (extreme skew: the top few experts hold almost all weight, top-8 of 16).
TEST(TokenChoice, ExpertsAreDistinctWithinAToken) {
  const RoutingContext ctx = make_context(16, 8, 4, 256);
  for (int variant = 0; variant < 5; ++variant) {
    RoutingSpec spec;
    switch (variant) {
      case 0: spec.set_model("uniform"); break;
      case 1: spec.set_model("zipf"); spec.set_zipf_exponent(6.0); break;
      case 2: spec.set_model("dirichlet"); spec.set_dirichlet_alpha(0.01); break;
      case 3: spec.set_model("zipf"); spec.set_zipf_exponent(1.0); spec.set_correlation(0.7); break;
      case 4: spec.set_model("zipf"); spec.set_zipf_exponent(40.0); spec.set_correlation(1.0);
              spec.set_affinity_group_size(3); break;
    }
    auto model = make_model(spec, ctx);
    LayerRouting r;
    model->route(0, 1, &r);
    SCOPED_TRACE("variant " + std::to_string(variant));
    testing::expect_distinct_valid(r, 8);
  }
}

// The same seed gives identical results whatever the order layers are routed in; another
// seed gives different ones.
TEST(TokenChoice, DeterministicWhateverTheLayerOrder) {
  RoutingContext ctx = make_context(32, 4, 4, 256, 4);
  RoutingSpec spec;
  spec.set_model("zipf");
  spec.set_zipf_exponent(1.1);
  spec.set_drift_per_step(0.2);
  spec.set_correlation(0.3);
  spec.set_capacity_factor(1.2);
  auto a = make_model(spec, ctx), b = make_model(spec, ctx);
  std::map<std::pair<int, int>, std::vector<int32_t>> ids_a, ids_b;
  for (int step : {0, 3, 7}) {
    for (int layer : {0, 1, 2, 3}) {
      LayerRouting r;
      a->route(step, layer, &r);
      ids_a[{step, layer}] = r.expert_ids;
    }
    for (int layer : {3, 1, 0, 2}) {
      LayerRouting r;
      b->route(step, layer, &r);
      ids_b[{step, layer}] = r.expert_ids;
    }
  }
  EXPECT_EQ(ids_a, ids_b);
  ctx.seed = 43;
  auto c = make_model(spec, ctx);
  LayerRouting r;
  c->route(0, 0, &r);
  EXPECT_NE(r.expert_ids, (ids_a[{0, 0}]));
}

// Sampling: S = min(tokens_per_gpu, sampled_tokens_per_gpu or 512); counts are scaled by
// tokens_per_gpu / S, so each source's counts sum to tokens_per_gpu * top_k.
TEST(TokenChoice, SampledTokensScaleToRealTokens) {
  const RoutingContext ctx = make_context(8, 2, 3, 4096);
  RoutingSpec spec;
  auto model = make_model(spec, ctx);  // "" = uniform, default 512 samples
  LayerRouting r;
  model->route(0, 0, &r);
  EXPECT_EQ(r.sampled_tokens, 512);
  EXPECT_DOUBLE_EQ(r.token_scale, 8.0);
  EXPECT_EQ(r.expert_ids.size(), 3u * 512 * 2);
  for (int s = 0; s < 3; ++s) {
    double sum = 0;
    for (int e = 0; e < 8; ++e) sum += r.counts[s * 8 + e];
    EXPECT_DOUBLE_EQ(sum, 4096.0 * 2);
  }
  const RoutingContext small = make_context(8, 2, 3, 100);
  auto m2 = make_model(spec, small);
  m2->route(0, 0, &r);
  EXPECT_EQ(r.sampled_tokens, 100);
  EXPECT_DOUBLE_EQ(r.token_scale, 1.0);
}

// Correlation 1 with affinity groups of size k: every token takes its first choice's whole
// group, so only E/k distinct expert sets occur; without correlation, many more do.
TEST(TokenChoice, FullCorrelationPicksWholeAffinityGroups) {
  const RoutingContext ctx = make_context(16, 4, 4, 512);
  auto distinct_sets = [&](double correlation) {
    RoutingSpec spec;
    spec.set_model("zipf");
    spec.set_zipf_exponent(0.5);
    spec.set_correlation(correlation);
    auto model = make_model(spec, ctx);
    LayerRouting r;
    model->route(0, 0, &r);
    std::set<std::vector<int>> sets;
    for (int64_t t = 0; t < testing::num_tokens(r); ++t) {
      std::vector<int> ex = testing::token_experts(r, t);
      std::sort(ex.begin(), ex.end());
      sets.insert(ex);
    }
    return sets.size();
  };
  EXPECT_EQ(distinct_sets(1.0), 4u);
  EXPECT_GT(distinct_sets(0.0), 100u);
}

}  // namespace
}  // namespace moesim
