// CPU expert histogram against hand-counted examples.
#include "kernels/cpu/histogram.h"

#include <gtest/gtest.h>

#include <vector>

namespace moesim::kernels {
namespace {

TEST(CpuHistogram, CountsChoicesPerExpertAndDistinctTokensPerGpu) {
  // 3 tokens, top-2, 3 experts; -1 marks "no expert" and is skipped.
  //   token 0 -> experts 0, 1;  token 1 -> experts 1, 2;  token 2 -> expert 1 only.
  // Per expert: e0 = 1, e1 = 3, e2 = 1.
  // Placement experts 0, 1 on GPU 0 and expert 2 on GPU 1:
  //   token 0 reaches GPU 0 once (two experts there, sent once); token 1 reaches GPUs 0 and 1;
  //   token 2 reaches GPU 0. Per GPU: [3, 1].
  const std::vector<std::int32_t> idx = {0, 1, 1, 2, 1, -1};
  const std::vector<std::int32_t> expert_to_gpu = {0, 0, 1};
  std::vector<std::int32_t> per_expert(3, -1), per_gpu(2, -1);
  const Status s = expert_histogram(idx.data(), 3, 2, 3, expert_to_gpu.data(), 2,
                                    per_expert.data(), per_gpu.data());
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(per_expert, (std::vector<std::int32_t>{1, 3, 1}));
  EXPECT_EQ(per_gpu, (std::vector<std::int32_t>{3, 1}));
}

TEST(CpuHistogram, AllTokensToOneExpertAndOutOfRangeSkipped) {
  // 1000 tokens all choosing expert 5 (plus an index 99 outside the 8 experts, skipped).
  std::vector<std::int32_t> idx;
  for (int t = 0; t < 1000; ++t) {
    idx.push_back(5);
    idx.push_back(99);
  }
  std::vector<std::int32_t> per_expert(8);
  ASSERT_TRUE(expert_histogram(idx.data(), 1000, 2, 8, nullptr, 0, per_expert.data(), nullptr)
                  .ok());
  EXPECT_EQ(per_expert, (std::vector<std::int32_t>{0, 0, 0, 0, 0, 1000, 0, 0}));
}

TEST(CpuHistogram, ZeroTokensZeroesTheCounts) {
  std::vector<std::int32_t> per_expert(4, 9);
  ASSERT_TRUE(expert_histogram(nullptr, 0, 2, 4, nullptr, 0, per_expert.data(), nullptr).ok());
  EXPECT_EQ(per_expert, (std::vector<std::int32_t>(4, 0)));
}

}  // namespace
}  // namespace moesim::kernels
