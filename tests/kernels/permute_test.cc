// CPU permute / unpermute against a hand-worked 3-token example, then round trips.
#include "kernels/cpu/permute.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace moesim::kernels {
namespace {

// 3 tokens, top-2, 3 experts, hidden 2. x rows: t0 = [1, 2], t1 = [3, 4], t2 = [5, 6].
// Choices in order i = t*k + j: 0:(t0,e2) 1:(t0,e0) 2:(t1,e0) 3:(t1,e2) 4:(t2,e2) 5:(t2,e1).
// Per expert: e0 gets choices 1, 2; e1 gets 5; e2 gets 0, 3, 4 -> offsets [0, 2, 3, 6].
// Rows: 0 <- choice 1, 1 <- 2, 2 <- 5, 3 <- 0, 4 <- 3, 5 <- 4.
const std::vector<std::int32_t> kIdx = {2, 0, 0, 2, 2, 1};
const std::vector<float> kX = {1, 2, 3, 4, 5, 6};

struct Layout {
  std::vector<std::int32_t> offsets, dest, source, counts;
  std::int32_t dropped = -1;
  PermuteLayout view() {
    return {offsets.data(), dest.data(), source.data(), counts.data(), &dropped};
  }
  Layout(int experts, int choices)
      : offsets(experts + 1, -9), dest(choices, -9), source(choices, -9), counts(experts, -9) {}
};

TEST(CpuPermute, HandWorkedExampleIsExpertMajorAndStable) {
  Layout l(3, 6);
  std::vector<float> out(12, -1.0f);
  const Status s = permute(kX.data(), 3, 2, kIdx.data(), 2, 3, kNoCapacityLimit, out.data(),
                           l.view());
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(l.offsets, (std::vector<std::int32_t>{0, 2, 3, 6}));
  EXPECT_EQ(l.dest, (std::vector<std::int32_t>{3, 0, 1, 4, 5, 2}));
  EXPECT_EQ(l.source, (std::vector<std::int32_t>{1, 2, 5, 0, 3, 4}));
  EXPECT_EQ(l.counts, (std::vector<std::int32_t>{2, 1, 3}));
  EXPECT_EQ(l.dropped, 0);
  // Rows in order are tokens 0, 1, 2, 0, 1, 2.
  EXPECT_EQ(out, (std::vector<float>{1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6}));
}

TEST(CpuPermute, CapacityKeepsTheFirstChoicesInTokenOrder) {
  // Capacity 2: expert 2 keeps choices 0 and 3 and drops choice 4 (token 2's).
  // Kept [2, 1, 2] -> offsets [0, 2, 3, 5]; one dropped; counts are before the cut.
  Layout l(3, 6);
  std::vector<BFloat16> x, out(12);
  for (float v : kX) x.push_back(BFloat16(v));
  ASSERT_TRUE(permute(x.data(), 3, 2, kIdx.data(), 2, 3, 2, out.data(), l.view()).ok());
  EXPECT_EQ(l.offsets, (std::vector<std::int32_t>{0, 2, 3, 5}));
  EXPECT_EQ(l.dest, (std::vector<std::int32_t>{3, 0, 1, 4, -1, 2}));
  EXPECT_EQ(l.counts, (std::vector<std::int32_t>{2, 1, 3}));
  EXPECT_EQ(l.dropped, 1);
  EXPECT_EQ(out[8].to_float(), 3.0f);  // row 4 is token 1
  // Capacity 0 drops everything.
  Layout none(3, 6);
  ASSERT_TRUE(permute(x.data(), 3, 2, kIdx.data(), 2, 3, 0, out.data(), none.view()).ok());
  EXPECT_EQ(none.offsets, (std::vector<std::int32_t>{0, 0, 0, 0}));
  EXPECT_EQ(none.dropped, 6);
  EXPECT_EQ(none.dest, (std::vector<std::int32_t>(6, -1)));
}

TEST(CpuUnpermute, WeightedSumOfHandPickedRows) {
  // Expert outputs y (rows 0..5) and the layout above (dest [3, 0, 1, 4, 5, 2]):
  //   t0 = 0.75 * y3 + 0.25 * y0 = 0.75 * [70, 80] + 0.25 * [10, 20] = [55, 65]
  //   t1 = 0.5 * y1 + 0.5 * y4   = 0.5 * [30, 40] + 0.5 * [90, 100]  = [60, 70]
  //   t2 = 1.0 * y5 + 0.0 * y2   = [110, 120]
  const std::vector<float> y = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120};
  const std::vector<std::int32_t> dest = {3, 0, 1, 4, 5, 2};
  const std::vector<float> w = {0.75f, 0.25f, 0.5f, 0.5f, 1.0f, 0.0f};
  std::vector<float> out(6);
  ASSERT_TRUE(unpermute(y.data(), dest.data(), w.data(), 3, 2, 2, out.data()).ok());
  EXPECT_EQ(out, (std::vector<float>{55, 65, 60, 70, 110, 120}));
  // BF16: all values are small integers, exact in bfloat16.
  std::vector<BFloat16> yb, outb(6);
  for (float v : y) yb.push_back(BFloat16(v));
  ASSERT_TRUE(unpermute(yb.data(), dest.data(), w.data(), 3, 2, 2, outb.data()).ok());
  for (int i = 0; i < 6; ++i) EXPECT_EQ(outb[i].to_float(), out[i]);
  // A dropped choice (-1) contributes nothing; null weights mean 1: t0 = y3 = [70, 80].
  const std::vector<std::int32_t> dropped = {3, -1};
  ASSERT_TRUE(unpermute(y.data(), dropped.data(), nullptr, 1, 2, 2, out.data()).ok());
  EXPECT_EQ(out[0], 70.0f);
  EXPECT_EQ(out[1], 80.0f);
}

TEST(CpuPermute, RoundTripWithIdentityExpertsRestoresTokens) {
  // Identity experts and weights 1/2 per choice (exact): unpermute(permute(x)) == x.
  std::mt19937 rng(11);
  const int tokens = 257, k = 2, experts = 16, hidden = 33;
  std::uniform_int_distribution<int> pick(0, experts - 1);
  std::vector<std::int32_t> idx(tokens * k);
  for (auto& e : idx) e = pick(rng);
  std::vector<float> x(tokens * hidden);
  for (auto& v : x) v = std::uniform_real_distribution<float>(-4, 4)(rng);
  Layout l(experts, tokens * k);
  std::vector<float> permuted(tokens * k * hidden), back(tokens * hidden);
  ASSERT_TRUE(permute(x.data(), tokens, hidden, idx.data(), k, experts, kNoCapacityLimit,
                      permuted.data(), l.view())
                  .ok());
  const std::vector<float> w(tokens * k, 0.5f);
  ASSERT_TRUE(unpermute(permuted.data(), l.dest.data(), w.data(), tokens, k, hidden, back.data())
                  .ok());
  EXPECT_EQ(back, x);
}

TEST(CpuPermute, ZeroTokens) {
  Layout l(4, 0);
  ASSERT_TRUE(permute(static_cast<const float*>(nullptr), 0, 8, nullptr, 2, 4, kNoCapacityLimit,
                      static_cast<float*>(nullptr), l.view())
                  .ok());
  EXPECT_EQ(l.offsets, (std::vector<std::int32_t>(5, 0)));
  EXPECT_EQ(l.dropped, 0);
}

}  // namespace
}  // namespace moesim::kernels
