// The shared scalar maths: exp/sigmoid accuracy against libm in double, the total order of
// packed keys, and BF16 rounding (round to nearest, ties to even).
#include "kernels/detail/routing_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/bf16.h"

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

}  // namespace
}  // namespace moesim::kernels
