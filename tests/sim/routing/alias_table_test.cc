#include "sim/routing/alias_table.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "sim/routing/random.h"

namespace moesim::routing {
namespace {

// Frequencies of 200,000 draws match the weights: each outcome count is Binomial(n, p), so
// |count - n p| <= 5 sqrt(n p (1 - p)) except with probability < 1e-6 per outcome.
TEST(AliasTable, FrequenciesMatchWeights) {
  const std::vector<double> w = {1, 0, 3, 0.5, 5.5, 0};
  AliasTable t;
  t.build(w.data(), static_cast<int>(w.size()));
  Rng rng(7);
  const int n = 200000;
  std::vector<int> count(w.size(), 0);
  for (int i = 0; i < n; ++i) ++count[t.sample(rng.next_u64())];
  const double total = 10;
  for (size_t i = 0; i < w.size(); ++i) {
    const double p = w[i] / total;
    if (p == 0) {
      EXPECT_EQ(count[i], 0) << "zero-weight outcome " << i << " drawn";
      continue;
    }
    EXPECT_NEAR(count[i], n * p, 5 * std::sqrt(n * p * (1 - p))) << "outcome " << i;
  }
}

TEST(AliasTable, SingleOutcome) {
  const double w = 2.0;
  AliasTable t;
  t.build(&w, 1);
  Rng rng(1);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(t.sample(rng.next_u64()), 0);
}

TEST(Random, StreamsDependOnEveryCoordinate) {
  const uint64_t a = stream_seed(1, StreamKind::kTokens, {0, 1, 2});
  EXPECT_EQ(a, stream_seed(1, StreamKind::kTokens, {0, 1, 2}));
  EXPECT_NE(a, stream_seed(2, StreamKind::kTokens, {0, 1, 2}));
  EXPECT_NE(a, stream_seed(1, StreamKind::kDrift, {0, 1, 2}));
  EXPECT_NE(a, stream_seed(1, StreamKind::kTokens, {0, 2, 1}));
  EXPECT_NE(a, stream_seed(1, StreamKind::kTokens, {1, 1, 2}));
}

// Gamma(alpha) has mean alpha: the mean of 20,000 draws is within 5 standard errors
// (sd of one draw = sqrt(alpha)).
TEST(Random, LogGammaHasTheRightMean) {
  for (double alpha : {0.1, 0.7, 1.0, 3.5}) {
    Rng rng(11);
    const int n = 20000;
    double sum = 0;
    for (int i = 0; i < n; ++i) sum += std::exp(rng.log_gamma(alpha));
    EXPECT_NEAR(sum / n, alpha, 5 * std::sqrt(alpha / n)) << "alpha " << alpha;
  }
}

// Ziggurat Exp(1): tail probabilities P(X > x) = e^-x over n = 400,000 draws, each count
// Binomial(n, e^-x), bound 5 sd; x = 8 lies in the tail beyond r = 7.697 (sampled separately),
// x = 0.05 and 1 in the strips. Mean 1 +- 5 / sqrt(n).
TEST(Random, ZigguratExponentialHasTheExponentialLaw) {
  Rng rng(5);
  const int n = 400000;
  const std::vector<double> xs = {0.05, 1.0, 3.0, 5.0, 8.0};
  std::vector<int> above(xs.size(), 0);
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    const double v = rng.exponential_fast();
    ASSERT_GE(v, 0.0);
    sum += v;
    for (size_t j = 0; j < xs.size(); ++j) above[j] += v > xs[j];
  }
  EXPECT_NEAR(sum / n, 1.0, 5.0 / std::sqrt(n));
  for (size_t j = 0; j < xs.size(); ++j) {
    const double p = std::exp(-xs[j]);
    EXPECT_NEAR(above[j], n * p, 5 * std::sqrt(n * p * (1 - p))) << "x = " << xs[j];
  }
}

}  // namespace
}  // namespace moesim::routing
