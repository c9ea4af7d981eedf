// The shared scalar maths: exp/sigmoid accuracy against libm in double, the total order of
// packed keys, and BF16 rounding (round to nearest, ties to even).
#include "kernels/detail/routing_math.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "kernels/bf16.h"
#include "kernels/cpu/key_math.h"

namespace moesim::kernels {
namespace {

using detail::exp_rn;
using detail::pack_key;
using detail::packed_index;
using detail::sigmoid_rn;

TEST(ExpRn, ExactPoints) {
  EXPECT_EQ(exp_rn(0.0f), 1.0f);
  EXPECT_EQ(exp_rn(-0.0f), 1.0f);
  EXPECT_EQ(exp_rn(-200.0f), 0.0f);  // below e^-104: flushed to zero
  EXPECT_EQ(exp_rn(std::numeric_limits<float>::quiet_NaN()), 0.0f);
  EXPECT_EQ(exp_rn(-std::numeric_limits<float>::infinity()), 0.0f);
}

TEST(ExpRn, WithinThreeUlpOfLibmOverTheNormalRange) {
  // Relative error 3 * 2^-24 ~ 1.8e-7 (error bound of the degree-7 polynomial plus rounding).
  double worst = 0.0;
  for (float x = -87.0f; x <= 88.0f; x += 0.0137f) {
    const double want = std::exp(static_cast<double>(x));
    const double rel = std::abs(exp_rn(x) - want) / want;
    worst = std::max(worst, rel);
  }
  EXPECT_LT(worst, 3.0 * std::ldexp(1.0, -24));
}

TEST(ExpRn, SubnormalResultsKeepAbsoluteAccuracy) {
  // e^-100 ~ 3.72e-44 is subnormal (min subnormal 1.4e-45): accurate to half a subnormal step.
  const double want = std::exp(-100.0);
  EXPECT_NEAR(exp_rn(-100.0f), want, std::ldexp(1.0, -150));
}

TEST(SigmoidRn, HandValues) {
  // sigmoid(0) = 1/2; sigmoid(ln 3) = 1 / (1 + 1/3) = 3/4; sigmoid(-ln 3) = 1/4.
  EXPECT_EQ(sigmoid_rn(0.0f), 0.5f);
  EXPECT_NEAR(sigmoid_rn(std::log(3.0f)), 0.75f, 1e-7f);
  EXPECT_NEAR(sigmoid_rn(-std::log(3.0f)), 0.25f, 1e-7f);
  // Far tails keep relative accuracy: sigmoid(-50) ~ e^-50 = 1.9287e-22.
  EXPECT_NEAR(sigmoid_rn(-50.0f) / std::exp(-50.0), 1.0, 1e-6);
  EXPECT_EQ(sigmoid_rn(50.0f), 1.0f);
}

TEST(PackKey, LargerKeyThenLowerIndexWins) {
  EXPECT_GT(pack_key(0.5f, 7), pack_key(0.25f, 0));
  EXPECT_GT(pack_key(0.5f, 3), pack_key(0.5f, 4));    // tie: lower index wins
  EXPECT_GT(pack_key(-1.0f, 0), pack_key(-2.0f, 0));  // negative keys ordered correctly
  EXPECT_GT(pack_key(0.0f, 1), pack_key(-1e-30f, 0));
  EXPECT_GT(pack_key(0.0f, 0), pack_key(-0.0f, 1));   // -0 == +0, so the index decides
  EXPECT_GT(pack_key(-0.0f, 0), pack_key(0.0f, 1));
  EXPECT_GT(pack_key(-std::numeric_limits<float>::infinity(), 5), 0u);  // 0 = "no candidate"
  EXPECT_EQ(packed_index(pack_key(1.0f, 123)), 123u);
  EXPECT_EQ(detail::packed_key(pack_key(0.75f, 9)), 0.75f);
}

TEST(GroupScore, TopTwoSumAndMax) {
  const float keys[4] = {0.1f, 0.5f, 0.25f, 0.5f};
  EXPECT_EQ(detail::group_score(keys, 4, true), 1.0f);   // 0.5 + 0.5 (two equal best)
  EXPECT_EQ(detail::group_score(keys, 4, false), 0.5f);
  EXPECT_EQ(detail::group_score(keys, 1, true), 0.1f);   // one expert: its key alone
}

TEST(BFloat16, RoundsToNearestEven) {
  EXPECT_EQ(BFloat16(1.0f).bits, 0x3f80);
  EXPECT_EQ(BFloat16(-2.0f).bits, 0xc000);
  // 1 + 2^-8 lies halfway between 1 (0x3f80, even) and 1 + 2^-7 (0x3f81): goes to 1.
  EXPECT_EQ(BFloat16(1.0f + std::ldexp(1.0f, -8)).bits, 0x3f80);
  // 1 + 3 * 2^-8 lies halfway between 0x3f81 (odd) and 0x3f82 (even): goes to 0x3f82.
  EXPECT_EQ(BFloat16(1.0f + 3 * std::ldexp(1.0f, -8)).bits, 0x3f82);
  // Just above halfway rounds up.
  EXPECT_EQ(BFloat16(1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -20)).bits, 0x3f81);
  EXPECT_EQ(BFloat16(std::numeric_limits<float>::infinity()).bits, 0x7f80);
  EXPECT_EQ(BFloat16(std::numeric_limits<float>::max()).bits, 0x7f80);  // rounds up to inf
  EXPECT_TRUE(std::isnan(BFloat16(std::numeric_limits<float>::quiet_NaN()).to_float()));
  EXPECT_EQ(BFloat16(3.140625f).to_float(), 3.140625f);  // exactly representable
  EXPECT_EQ(BFloat16::from_bits(0x4049).to_float(), 3.140625f);
}

// The CPU reference evaluates keys four at a time (SSE2); they must equal the scalar functions
// the CUDA kernels use, bit for bit, including NaN, infinities, tails and the remainder loop.
TEST(KeyMath, VectorKeysEqualScalarKeysBitForBit) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 30.0f);
  std::vector<float> x(1003), bias(1003);
  for (float& v : x) v = normal(rng);
  for (float& v : bias) v = 0.01f * normal(rng);
  const float specials[] = {0.0f, -0.0f, 88.7f, 89.0f, -103.9f, -104.1f, 1e-30f, -1e-30f,
                            std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(),
                            std::numeric_limits<float>::quiet_NaN(), 0.5f, -0.5f};
  for (std::size_t i = 0; i < std::size(specials); ++i) x[3 * i + 1] = specials[i];
  const int n = static_cast<int>(x.size());
  std::vector<float> keys(n), scores(n);
  std::vector<std::uint32_t> ordered(n);

  cpu_detail::sigmoid_keys(x.data(), bias.data(), n, scores.data(), keys.data(), ordered.data());
  for (int e = 0; e < n; ++e) {
    const float s = sigmoid_rn(x[e]);
    const float k = detail::add_rn(s, bias[e]);
    ASSERT_EQ(detail::float_bits(scores[e]), detail::float_bits(s)) << "x = " << x[e];
    ASSERT_EQ(detail::float_bits(keys[e]), detail::float_bits(k)) << "x = " << x[e];
    ASSERT_EQ(ordered[e], detail::ordered_bits(k));
  }

  // Softmax needs a finite max; drop the specials that are not logits.
  for (float& v : x) {
    if (!std::isfinite(v)) v = -5.0f;
  }
  cpu_detail::softmax_keys(x.data(), n, keys.data(), ordered.data());
  float m = -std::numeric_limits<float>::infinity();
  for (float v : x) m = v > m ? v : m;
  for (int e = 0; e < n; ++e) {
    const float k = exp_rn(detail::sub_rn(x[e], m));
    ASSERT_EQ(detail::float_bits(keys[e]), detail::float_bits(k)) << "x = " << x[e];
    ASSERT_EQ(ordered[e], detail::ordered_bits(k));
  }
}

TEST(KeyMath, TopTwoOfOrderedKeys) {
  std::mt19937 rng(6);
  for (int n : {1, 2, 3, 7, 8, 9, 32, 33, 256}) {
    std::vector<std::uint32_t> o(n);
    for (auto& v : o) v = rng() % 5 == 0 ? 0xffffffffu : rng();  // duplicates of the max too
    std::uint32_t first, second;
    cpu_detail::top2_ordered(o.data(), n, &first, &second);
    std::vector<std::uint32_t> sorted = o;
    std::sort(sorted.rbegin(), sorted.rend());
    EXPECT_EQ(first, sorted[0]) << n;
    EXPECT_EQ(second, n >= 2 ? sorted[1] : 0u) << n;
  }
}

}  // namespace
}  // namespace moesim::kernels
