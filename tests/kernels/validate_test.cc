// Inputs that do not fit come back as an Error with a message, never a crash.
#include "kernels/validate.h"

#include <gtest/gtest.h>

#include <vector>

#include "kernels/cpu/gating.h"
#include "kernels/cpu/histogram.h"
#include "kernels/cpu/permute.h"

namespace moesim::kernels {
namespace {

GatingConfig ok_config() {
  GatingConfig c;
  c.num_experts = 8;
  c.top_k = 2;
  return c;
}

std::string gating_error(const GatingConfig& c, std::int64_t tokens = 1,
                         bool null_logits = false, const float* bias = nullptr) {
  std::vector<float> logits(64), weights(64);
  std::vector<std::int32_t> idx(64);
  const Status s = gating_topk(null_logits ? nullptr : logits.data(), bias, tokens, c,
                               idx.data(), weights.data());
  return s.ok() ? "" : s.message();
}

TEST(Validate, GatingRejectsWhatDoesNotFit) {
  EXPECT_EQ(gating_error(ok_config()), "");
  GatingConfig c = ok_config();
  c.top_k = 9;
  EXPECT_EQ(gating_error(c), "gating: top_k (9) > num_experts (8)");
  c = ok_config();
  c.top_k = 0;
  EXPECT_NE(gating_error(c).find("top_k (0) must be at least 1"), std::string::npos);
  EXPECT_NE(gating_error(ok_config(), -1).find("num_tokens (-1) is negative"), std::string::npos);
  EXPECT_NE(gating_error(ok_config(), 1, true).find("logits is null"), std::string::npos);
  c = ok_config();
  c.num_experts = 0;
  EXPECT_NE(gating_error(c).find("num_experts (0) must be positive"), std::string::npos);
  c = GatingConfig::group_limited(8, 2, 3, 1);
  EXPECT_NE(gating_error(c).find("not divisible by num_groups (3)"), std::string::npos);
  c = GatingConfig::group_limited(8, 2, 4, 5);
  EXPECT_NE(gating_error(c).find("topk_groups (5) must be in [1, num_groups = 4]"),
            std::string::npos);
  c = GatingConfig::group_limited(8, 3, 4, 1);  // one group of 2 cannot supply 3 experts
  EXPECT_NE(gating_error(c).find("top_k (3) > experts in the kept groups"), std::string::npos);
  const std::vector<float> bias(8, 0.0f);
  EXPECT_NE(gating_error(ok_config(), 1, false, bias.data()).find("only defined for sigmoid"),
            std::string::npos);
  c = ok_config();
  c.routed_scaling_factor = std::numeric_limits<float>::infinity();
  EXPECT_NE(gating_error(c).find("routed_scaling_factor"), std::string::npos);
}

TEST(Validate, HistogramRejectsWhatDoesNotFit) {
  std::vector<std::int32_t> idx(8), counts(8), per_gpu(2), map(8);
  EXPECT_FALSE(expert_histogram(nullptr, 4, 2, 8, nullptr, 0, counts.data(), nullptr).ok());
  EXPECT_FALSE(expert_histogram(idx.data(), 4, 2, 0, nullptr, 0, counts.data(), nullptr).ok());
  EXPECT_FALSE(expert_histogram(idx.data(), -4, 2, 8, nullptr, 0, counts.data(), nullptr).ok());
  EXPECT_FALSE(
      expert_histogram(idx.data(), 4, 2, 8, map.data(), 2, counts.data(), nullptr).ok());
  EXPECT_FALSE(
      expert_histogram(idx.data(), 4, 2, 8, map.data(), 0, counts.data(), per_gpu.data()).ok());
}

TEST(Validate, PermuteAndUnpermuteRejectWhatDoesNotFit) {
  std::vector<float> x(16), out(64);
  std::vector<std::int32_t> idx(8), offsets(5), dest(8);
  const PermuteLayout layout{offsets.data(), dest.data(), nullptr, nullptr, nullptr};
  EXPECT_TRUE(permute(x.data(), 4, 4, idx.data(), 2, 4, kNoCapacityLimit, out.data(), layout).ok());
  const Status capacity = permute(x.data(), 4, 4, idx.data(), 2, 4, -2, out.data(), layout);
  EXPECT_NE(capacity.message().find("capacity (-2) is negative"), std::string::npos);
  EXPECT_FALSE(permute(x.data(), 4, -1, idx.data(), 2, 4, -1, out.data(), layout).ok());
  EXPECT_FALSE(permute(x.data(), 4, 4, nullptr, 2, 4, -1, out.data(), layout).ok());
  EXPECT_FALSE(permute(x.data(), 4, 4, idx.data(), 2, 4, -1, out.data(),
                       PermuteLayout{nullptr, dest.data()})
                   .ok());
  EXPECT_FALSE(unpermute(out.data(), nullptr, nullptr, 4, 2, 4, x.data()).ok());
  EXPECT_FALSE(unpermute(out.data(), dest.data(), nullptr, 4, 2, 4, nullptr).ok());
  EXPECT_FALSE(unpermute(out.data(), dest.data(), nullptr, 4, 0, 4, x.data()).ok());
}

}  // namespace
}  // namespace moesim::kernels
