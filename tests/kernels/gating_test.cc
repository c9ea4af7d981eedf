// CPU reference of gating + top-k against hand-computed examples, then against a brute-force
// sort on random inputs (same keys, different selection code).
#include "kernels/cpu/gating.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "kernels/detail/routing_math.h"

namespace moesim::kernels {
namespace {

struct Routed {
  std::vector<std::int32_t> idx;
  std::vector<float> weights;
};

Routed route(const std::vector<float>& logits, const GatingConfig& c,
             const std::vector<float>* bias = nullptr) {
  const std::int64_t tokens = static_cast<std::int64_t>(logits.size()) / c.num_experts;
  Routed r{std::vector<std::int32_t>(tokens * c.top_k, -7),
           std::vector<float>(tokens * c.top_k, -7.0f)};
  const Status s = gating_topk(logits.data(), bias ? bias->data() : nullptr, tokens, c,
                               r.idx.data(), r.weights.data());
  EXPECT_TRUE(s.ok()) << s.message();
  return r;
}

GatingConfig config(int experts, int k, ScoreFunction f = ScoreFunction::kSoftmax,
                    bool normalize = true) {
  GatingConfig c;
  c.num_experts = experts;
  c.top_k = k;
  c.score_function = f;
  c.normalize_weights = normalize;
  return c;
}

// The logit whose sigmoid is s: ln(s / (1 - s)).
float logit(float s) { return std::log(s / (1.0f - s)); }

TEST(CpuGating, SoftmaxOfZeroAndLn3IsAQuarterAndThreeQuarters) {
  // softmax([0, ln 3]) = [1, 3] / 4 = [0.25, 0.75].
  const std::vector<float> x = {0.0f, std::log(3.0f)};
  const Routed r = route(x, config(2, 2, ScoreFunction::kSoftmax, /*normalize=*/false));
  EXPECT_EQ(r.idx, (std::vector<std::int32_t>{1, 0}));
  EXPECT_NEAR(r.weights[0], 0.75f, 1e-6f);
  EXPECT_NEAR(r.weights[1], 0.25f, 1e-6f);
  // Top-1 renormalised over the one choice is 1.
  const Routed one = route(x, config(2, 1));
  EXPECT_EQ(one.idx[0], 1);
  EXPECT_NEAR(one.weights[0], 1.0f, 1e-6f);
}

TEST(CpuGating, SoftmaxTop2OfFourWithAndWithoutRenormalisation) {
  // logits ln[1, 2, 3, 4] -> probabilities [0.1, 0.2, 0.3, 0.4]; top-2 = experts 3, 2.
  const std::vector<float> x = {0.0f, std::log(2.0f), std::log(3.0f), std::log(4.0f)};
  const Routed raw = route(x, config(4, 2, ScoreFunction::kSoftmax, false));
  EXPECT_EQ(raw.idx, (std::vector<std::int32_t>{3, 2}));
  EXPECT_NEAR(raw.weights[0], 0.4f, 1e-6f);
  EXPECT_NEAR(raw.weights[1], 0.3f, 1e-6f);
  // Renormalised over the two: 0.4 / 0.7 = 4/7, 0.3 / 0.7 = 3/7.
  const Routed norm = route(x, config(4, 2));
  EXPECT_NEAR(norm.weights[0], 4.0f / 7.0f, 1e-6f);
  EXPECT_NEAR(norm.weights[1], 3.0f / 7.0f, 1e-6f);
  // routed_scaling_factor 2.5 multiplies after normalisation: 10/7 and 7.5/7.
  GatingConfig scaled = config(4, 2);
  scaled.routed_scaling_factor = 2.5f;
  const Routed s = route(x, scaled);
  EXPECT_NEAR(s.weights[0], 10.0f / 7.0f, 1e-6f);
  EXPECT_NEAR(s.weights[1], 7.5f / 7.0f, 1e-6f);
}

TEST(CpuGating, TiesGoToTheLowerIndex) {
  // All logits equal: softmax is 1/4 each; the two lowest indices win, in index order.
  const std::vector<float> x(4, 1.5f);
  const Routed raw = route(x, config(4, 2, ScoreFunction::kSoftmax, false));
  EXPECT_EQ(raw.idx, (std::vector<std::int32_t>{0, 1}));
  EXPECT_NEAR(raw.weights[0], 0.25f, 1e-6f);
  const Routed norm = route(x, config(4, 2));
  EXPECT_NEAR(norm.weights[0], 0.5f, 1e-6f);
  EXPECT_NEAR(norm.weights[1], 0.5f, 1e-6f);
  // A tie below a clear winner: [0, 5, 5, 9] -> 3, then 1 before 2.
  const Routed mixed = route({0.0f, 5.0f, 5.0f, 9.0f}, config(4, 3));
  EXPECT_EQ(mixed.idx, (std::vector<std::int32_t>{3, 1, 2}));
}

TEST(CpuGating, KEqualToExpertsSortsAllExperts) {
  const std::vector<float> x = {0.2f, -1.0f, 3.0f, 0.2f, 7.0f};
  const Routed r = route(x, config(5, 5));
  EXPECT_EQ(r.idx, (std::vector<std::int32_t>{4, 2, 0, 3, 1}));
  // Renormalised over all experts, the weights are the full softmax and sum to 1.
  EXPECT_NEAR(std::accumulate(r.weights.begin(), r.weights.end(), 0.0f), 1.0f, 1e-6f);
}

TEST(CpuGating, SigmoidScoresAndTheSelectionBias) {
  // sigmoid(0) = 1/2, sigmoid(ln 3) = 3/4.
  const std::vector<float> x = {0.0f, std::log(3.0f)};
  const Routed raw = route(x, config(2, 2, ScoreFunction::kSigmoid, false));
  EXPECT_EQ(raw.idx, (std::vector<std::int32_t>{1, 0}));
  EXPECT_NEAR(raw.weights[0], 0.75f, 1e-6f);
  EXPECT_NEAR(raw.weights[1], 0.5f, 1e-6f);
  // Renormalised: 0.75 / 1.25 = 0.6 and 0.5 / 1.25 = 0.4.
  const Routed norm = route(x, config(2, 2, ScoreFunction::kSigmoid));
  EXPECT_NEAR(norm.weights[0], 0.6f, 1e-6f);
  EXPECT_NEAR(norm.weights[1], 0.4f, 1e-6f);
  // Bias [0.5, 0]: keys become [1.0, 0.75], so expert 0 ranks first, but the weights still come
  // from the unbiased scores: 0.5 / 1.25 = 0.4 for expert 0, 0.6 for expert 1.
  const std::vector<float> bias = {0.5f, 0.0f};
  const Routed biased = route(x, config(2, 2, ScoreFunction::kSigmoid), &bias);
  EXPECT_EQ(biased.idx, (std::vector<std::int32_t>{0, 1}));
  EXPECT_NEAR(biased.weights[0], 0.4f, 1e-6f);
  EXPECT_NEAR(biased.weights[1], 0.6f, 1e-6f);
}

// 8 experts in 4 groups of 2 with sigmoid scores
//   group 0: [0.9, 0.1] (top-2 sum 1.0, max 0.9)    group 1: [0.6, 0.6] (1.2, 0.6)
//   group 2: [0.7, 0.55] (1.25, 0.7)                group 3: [0.2, 0.2] (0.4, 0.2)
std::vector<float> four_groups() {
  std::vector<float> x;
  for (float s : {0.9f, 0.1f, 0.6f, 0.6f, 0.7f, 0.55f, 0.2f, 0.2f}) x.push_back(logit(s));
  return x;
}

TEST(CpuGating, GroupLimitedKeepsTheGroupsWithTheBestTopTwoSum) {
  // Keep 2 groups by top-2 sum: groups 2 (1.25) and 1 (1.2). Among experts 2..5 the top-2 are
  // expert 4 (0.7) and expert 2 (0.6, tied with 3: lower index wins). The best expert overall
  // (0, score 0.9) is excluded because its group is weak.
  const GatingConfig c = GatingConfig::group_limited(8, 2, 4, 2);
  const Routed r = route(four_groups(), c);
  EXPECT_EQ(r.idx, (std::vector<std::int32_t>{4, 2}));
  EXPECT_NEAR(r.weights[0], 0.7f / 1.3f, 1e-6f);
  EXPECT_NEAR(r.weights[1], 0.6f / 1.3f, 1e-6f);
  // Unrestricted top-2 picks experts 0 and 4.
  const Routed plain = route(four_groups(), config(8, 2, ScoreFunction::kSigmoid));
  EXPECT_EQ(plain.idx, (std::vector<std::int32_t>{0, 4}));
}

TEST(CpuGating, NodeLimitedByBestExpertPerNode) {
  // Same scores as 4 nodes of 2 experts, at most 2 nodes, node score = best expert:
  // nodes 0 (0.9) and 2 (0.7) stay -> experts 0 and 4.
  const GatingConfig c = GatingConfig::node_limited(8, 2, 4, 2, GroupScore::kMax);
  EXPECT_EQ(route(four_groups(), c).idx, (std::vector<std::int32_t>{0, 4}));
  // With M = 1 and k = 2 by top-2 sum, everything comes from node 2: experts 4 and 5.
  const GatingConfig one = GatingConfig::node_limited(8, 2, 4, 1);
  const Routed r = route(four_groups(), one);
  EXPECT_EQ(r.idx, (std::vector<std::int32_t>{4, 5}));
  EXPECT_NEAR(r.weights[0], 0.7f / 1.25f, 1e-6f);
}

TEST(CpuGating, GroupLimitedWithSoftmaxRanksGroupsByProbability) {
  // Softmax groups rank by the sum of probabilities, not logits: group 0 logits (10, 0) has
  // e^10 + 1 ~ 22027, group 1 logits (6, 6) has 2 e^6 ~ 807, although 6 + 6 > 10 + 0.
  const std::vector<float> x = {10.0f, 0.0f, 6.0f, 6.0f};
  GatingConfig c = GatingConfig::group_limited(4, 2, 2, 1, ScoreFunction::kSoftmax);
  EXPECT_EQ(route(x, c).idx, (std::vector<std::int32_t>{0, 1}));
}

TEST(CpuGating, ZeroTokensIsValidWithNullPointers) {
  const Status s = gating_topk(nullptr, nullptr, 0, config(8, 2), nullptr, nullptr);
  EXPECT_TRUE(s.ok()) << s.message();
}

// Brute force: compute the same keys, sort (key desc, index asc) with std::sort, apply group
// limits by sorting groups. Different code path, same contract.
Routed brute_force(const std::vector<float>& logits, const std::vector<float>* bias,
                   const GatingConfig& c) {
  const int E = c.num_experts;
  const std::int64_t tokens = static_cast<std::int64_t>(logits.size()) / E;
  Routed out;
  for (std::int64_t t = 0; t < tokens; ++t) {
    const float* x = logits.data() + t * E;
    std::vector<float> key(E), score(E);
    const float m = *std::max_element(x, x + E);
    for (int e = 0; e < E; ++e) {
      if (c.score_function == ScoreFunction::kSoftmax) {
        score[e] = key[e] = detail::exp_rn(x[e] - m);
      } else {
        score[e] = detail::sigmoid_rn(x[e]);
        key[e] = bias ? score[e] + (*bias)[e] : score[e];
      }
    }
    const int G = c.experts_per_group();
    std::vector<int> groups(c.num_groups);
    std::iota(groups.begin(), groups.end(), 0);
    std::vector<float> gscore(c.num_groups);
    for (int g = 0; g < c.num_groups; ++g) {
      std::vector<float> k(key.begin() + g * G, key.begin() + (g + 1) * G);
      std::sort(k.rbegin(), k.rend());
      gscore[g] = (c.group_score == GroupScore::kTop2Sum && G >= 2) ? k[0] + k[1] : k[0];
    }
    std::stable_sort(groups.begin(), groups.end(),
                     [&](int a, int b) { return gscore[a] > gscore[b]; });
    std::vector<int> experts;
    for (int i = 0; i < c.topk_groups; ++i) {
      for (int e = groups[i] * G; e < (groups[i] + 1) * G; ++e) experts.push_back(e);
    }
    std::sort(experts.begin(), experts.end());
    std::stable_sort(experts.begin(), experts.end(),
                     [&](int a, int b) { return key[a] > key[b]; });
    double sum = 0;
    for (int j = 0; j < c.top_k; ++j) sum += score[experts[j]];
    double total = 0;
    for (int e = 0; e < E; ++e) total += score[e];
    for (int j = 0; j < c.top_k; ++j) {
      out.idx.push_back(experts[j]);
      double w = score[experts[j]];
      if (c.normalize_weights) {
        w /= sum;
      } else if (c.score_function == ScoreFunction::kSoftmax) {
        w /= total;
      }
      out.weights.push_back(static_cast<float>(w * c.routed_scaling_factor));
    }
  }
  return out;
}

void expect_matches_brute_force(const GatingConfig& c, bool with_bias, int tokens,
                                int distinct_values, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  std::uniform_int_distribution<int> level(0, distinct_values - 1);
  std::vector<float> logits(static_cast<std::size_t>(tokens) * c.num_experts);
  for (float& v : logits) v = distinct_values > 0 ? 0.5f * level(rng) : normal(rng);
  std::vector<float> bias(c.num_experts);
  for (float& b : bias) b = 0.1f * normal(rng);
  const Routed got = route(logits, c, with_bias ? &bias : nullptr);
  const Routed want = brute_force(logits, with_bias ? &bias : nullptr, c);
  ASSERT_EQ(got.idx, want.idx);
  for (std::size_t i = 0; i < got.weights.size(); ++i) {
    ASSERT_NEAR(got.weights[i], want.weights[i], 2e-6f * std::max(1.0f, want.weights[i]))
        << "choice " << i;
  }
}

TEST(CpuGating, MatchesBruteForceOnRandomInputs) {
  expect_matches_brute_force(config(256, 8), false, 300, 0, 1);
  expect_matches_brute_force(config(64, 6, ScoreFunction::kSoftmax, false), false, 300, 0, 2);
  expect_matches_brute_force(config(160, 6, ScoreFunction::kSigmoid), true, 300, 0, 3);
  GatingConfig v3 = GatingConfig::group_limited(256, 8, 8, 4);
  v3.routed_scaling_factor = 2.5f;
  expect_matches_brute_force(v3, true, 300, 0, 4);
  expect_matches_brute_force(GatingConfig::node_limited(64, 8, 8, 3, GroupScore::kMax), true,
                             300, 0, 5);
  expect_matches_brute_force(config(17, 17), false, 100, 0, 6);
}

TEST(CpuGating, MatchesBruteForceUnderHeavyTies) {
  // Logits take 3 values, so most keys tie and the index rule decides.
  expect_matches_brute_force(config(256, 8), false, 200, 3, 7);
  expect_matches_brute_force(GatingConfig::group_limited(256, 8, 8, 4), false, 200, 2, 8);
  expect_matches_brute_force(GatingConfig::node_limited(32, 4, 4, 2), true, 200, 2, 9);
}

}  // namespace
}  // namespace moesim::kernels
