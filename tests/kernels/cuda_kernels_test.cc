// CUDA kernels against the CPU reference on random and adversarial inputs: ties, all tokens to
// one expert, zero tokens, token counts that are not a multiple of any block size, k equal to
// the number of experts, dropped choices and capacity. Indices must match exactly; weights
// within 1e-6 relative (FP32) or one BF16 rounding step.
// Without a usable device every test that needs one skips with the reason (ctest label gpu);
// argument checks need no device and always run.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/api.h"
#include "kernels/cpu/gating.h"
#include "kernels/cpu/histogram.h"
#include "kernels/cpu/permute.h"

namespace moesim::kernels {
namespace {

#define SKIP_WITHOUT_GPU()                                                     \
  do {                                                                         \
    const Status moesim_gpu_ = cuda::device_available();                       \
    if (!moesim_gpu_.ok()) GTEST_SKIP() << "no GPU: " << moesim_gpu_.message(); \
  } while (0)

// Device copy of a host vector; frees on scope exit. Failures are recorded as test failures.
template <typename T>
class DeviceBuffer {
 public:
  explicit DeviceBuffer(std::size_t n) : n_(n) {
    if (n_ == 0) return;
    void* raw = nullptr;
    EXPECT_EQ(cudaMalloc(&raw, n_ * sizeof(T)), cudaSuccess);
    ptr_ = static_cast<T*>(raw);
    EXPECT_EQ(cudaMemset(ptr_, 0xff, n_ * sizeof(T)), cudaSuccess);  // poison
  }
  explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) {
    if (n_ > 0) {
      EXPECT_EQ(cudaMemcpy(ptr_, host.data(), n_ * sizeof(T), cudaMemcpyHostToDevice),
                cudaSuccess);
    }
  }
  ~DeviceBuffer() {
    if (ptr_ != nullptr) cudaFree(ptr_);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  T* get() const { return ptr_; }
  std::vector<T> to_host() const {
    std::vector<T> host(n_);
    if (n_ > 0) {
      EXPECT_EQ(cudaMemcpy(host.data(), ptr_, n_ * sizeof(T), cudaMemcpyDeviceToHost),
                cudaSuccess);
    }
    return host;
  }

 private:
  std::size_t n_;
  T* ptr_ = nullptr;
};

void expect_close(const std::vector<float>& got, const std::vector<float>& want, float rel,
                  const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const float tol = rel * std::max(std::abs(want[i]), 1e-30f);
    ASSERT_NEAR(got[i], want[i], tol) << what << " at " << i;
  }
}

// ---------------------------------------------------------------- gating

enum class Fill { kNormal, kFewLevels, kAllEqual, kOneHot };

std::vector<float> make_logits(std::int64_t tokens, int experts, Fill fill, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  std::uniform_int_distribution<int> level(0, 2);
  std::vector<float> x(static_cast<std::size_t>(tokens) * experts);
  for (std::size_t i = 0; i < x.size(); ++i) {
    switch (fill) {
      case Fill::kNormal: x[i] = normal(rng); break;
      case Fill::kFewLevels: x[i] = 0.5f * level(rng); break;  // many exact ties
      case Fill::kAllEqual: x[i] = 0.25f; break;
      case Fill::kOneHot: x[i] = (i % experts == 3 % experts) ? 10.0f : -10.0f; break;
    }
  }
  return x;
}

void compare_gating(const GatingConfig& c, std::int64_t tokens, Fill fill, bool with_bias,
                    std::uint32_t seed) {
  const std::vector<float> logits = make_logits(tokens, c.num_experts, fill, seed);
  std::vector<float> bias;
  if (with_bias) {
    std::mt19937 rng(seed + 1);
    std::normal_distribution<float> normal(0.0f, 0.05f);
    for (int e = 0; e < c.num_experts; ++e) bias.push_back(normal(rng));
  }
  const std::size_t m = static_cast<std::size_t>(tokens) * c.top_k;
  std::vector<std::int32_t> want_idx(m);
  std::vector<float> want_w(m);
  ASSERT_TRUE(gating_topk(logits.data(), with_bias ? bias.data() : nullptr, tokens, c,
                          want_idx.data(), want_w.data())
                  .ok());
  DeviceBuffer<float> d_logits(logits), d_bias(bias), d_w(m);
  DeviceBuffer<std::int32_t> d_idx(m);
  const Status s = cuda::gating_topk(d_logits.get(), with_bias ? d_bias.get() : nullptr, tokens,
                                     c, d_idx.get(), d_w.get(), nullptr);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  const std::string what = "E=" + std::to_string(c.num_experts) + " k=" +
                           std::to_string(c.top_k) + " groups=" + std::to_string(c.num_groups) +
                           " tokens=" + std::to_string(tokens);
  ASSERT_EQ(d_idx.to_host(), want_idx) << what;
  expect_close(d_w.to_host(), want_w, 1e-6f, what);
}

GatingConfig plain(int experts, int k, ScoreFunction f = ScoreFunction::kSoftmax,
                   bool normalize = true) {
  GatingConfig c;
  c.num_experts = experts;
  c.top_k = k;
  c.score_function = f;
  c.normalize_weights = normalize;
  return c;
}

TEST(CudaGating, SoftmaxMatchesCpu) {
  SKIP_WITHOUT_GPU();
  compare_gating(plain(256, 8), 4099, Fill::kNormal, false, 1);
  compare_gating(plain(64, 6, ScoreFunction::kSoftmax, false), 1001, Fill::kNormal, false, 2);
  compare_gating(plain(8, 2), 333, Fill::kNormal, false, 3);
  compare_gating(plain(7, 3), 77, Fill::kNormal, false, 4);       // E not a multiple of 32
  compare_gating(plain(1000, 8), 129, Fill::kNormal, false, 5);   // 32 items per lane, padded
  compare_gating(plain(1024, 16), 65, Fill::kNormal, false, 6);
  compare_gating(plain(1, 1), 5, Fill::kNormal, false, 7);
}

TEST(CudaGating, SigmoidWithBiasAndGroupsMatchesCpu) {
  SKIP_WITHOUT_GPU();
  GatingConfig v3 = GatingConfig::group_limited(256, 8, 8, 4);  // DeepSeek-V3
  v3.routed_scaling_factor = 2.5f;
  compare_gating(v3, 4097, Fill::kNormal, true, 11);
  compare_gating(plain(160, 6, ScoreFunction::kSigmoid), 999, Fill::kNormal, true, 12);
  compare_gating(plain(160, 6, ScoreFunction::kSigmoid, false), 999, Fill::kNormal, false, 13);
  compare_gating(GatingConfig::node_limited(256, 8, 32, 4, GroupScore::kMax), 1000,
                 Fill::kNormal, true, 14);
  compare_gating(GatingConfig::node_limited(64, 8, 8, 3), 1000, Fill::kNormal, false, 15);
  compare_gating(GatingConfig::group_limited(160, 6, 8, 3, ScoreFunction::kSoftmax), 513,
                 Fill::kNormal, false, 16);  // groups of 20: not a multiple of 32
  compare_gating(GatingConfig::group_limited(96, 4, 96, 7), 300, Fill::kNormal, true, 17);
}

TEST(CudaGating, AdversarialInputsMatchCpu) {
  SKIP_WITHOUT_GPU();
  compare_gating(plain(256, 8), 1000, Fill::kFewLevels, false, 21);   // ties everywhere
  compare_gating(plain(256, 8), 1000, Fill::kAllEqual, false, 22);    // all tie: 0..7
  compare_gating(plain(256, 8), 1000, Fill::kOneHot, false, 23);      // all to expert 3
  compare_gating(GatingConfig::group_limited(256, 8, 8, 4), 1000, Fill::kFewLevels, true, 24);
  compare_gating(GatingConfig::group_limited(256, 8, 8, 4), 1000, Fill::kAllEqual, false, 25);
  compare_gating(plain(32, 32), 100, Fill::kNormal, false, 26);       // k == E
  compare_gating(plain(200, 200, ScoreFunction::kSigmoid), 50, Fill::kFewLevels, true, 27);
  compare_gating(plain(256, 8), 1, Fill::kNormal, false, 28);         // one token
  compare_gating(plain(256, 8), 0, Fill::kNormal, false, 29);         // zero tokens
}

TEST(CudaGating, RejectsBadInputsWithoutADevice) {
  // Argument checks run on the host before any CUDA call: no device needed.
  GatingConfig c = plain(8, 9);
  std::int32_t idx[16] = {};
  float w[16] = {}, logits[16] = {};
  EXPECT_EQ(cuda::gating_topk(logits, nullptr, 1, c, idx, w, nullptr).message(),
            "gating: top_k (9) > num_experts (8)");
  EXPECT_FALSE(cuda::gating_topk(nullptr, nullptr, 1, plain(8, 2), idx, w, nullptr).ok());
  EXPECT_FALSE(cuda::gating_topk(logits, nullptr, -1, plain(8, 2), idx, w, nullptr).ok());
  EXPECT_FALSE(
      cuda::gating_topk(logits, nullptr, 1, GatingConfig::group_limited(8, 2, 4, 5), idx, w,
                        nullptr)
          .ok());
  EXPECT_FALSE(cuda::gating_topk(logits, nullptr, 1, plain(2048, 8), idx, w, nullptr).ok());
  EXPECT_FALSE(cuda::expert_histogram(nullptr, 3, 2, 8, nullptr, 0, idx, nullptr, nullptr).ok());
  const PermuteLayout layout{idx, idx};
  EXPECT_FALSE(cuda::permute(logits, 2, 2, idx, 2, 4, -5, logits, layout, nullptr, 0, nullptr)
                   .ok());
  EXPECT_FALSE(cuda::permute(logits, 2, 2, idx, 2, 4, -1, logits, layout, nullptr, 0, nullptr)
                   .ok());  // workspace missing
  EXPECT_FALSE(cuda::unpermute(logits, nullptr, w, 2, 2, 2, logits, nullptr).ok());
}

// ---------------------------------------------------------------- histogram

std::vector<std::int32_t> random_choices(std::int64_t tokens, int k, int experts,
                                         std::uint32_t seed, bool with_invalid) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pick(0, experts - 1);
  std::uniform_int_distribution<int> odd(0, 19);
  std::vector<std::int32_t> idx(static_cast<std::size_t>(tokens) * k);
  for (auto& e : idx) {
    e = pick(rng);
    if (with_invalid && odd(rng) == 0) e = -1;
    if (with_invalid && odd(rng) == 1) e = experts + 5;  // out of range: skipped
  }
  return idx;
}

void compare_histogram(const std::vector<std::int32_t>& idx, std::int64_t tokens, int k,
                       int experts, int gpus) {
  std::vector<std::int32_t> map(experts);
  for (int e = 0; e < experts; ++e) map[e] = (e * 7) % gpus;
  std::vector<std::int32_t> want_e(experts), want_g(gpus);
  ASSERT_TRUE(expert_histogram(idx.data(), tokens, k, experts, map.data(), gpus, want_e.data(),
                               want_g.data())
                  .ok());
  DeviceBuffer<std::int32_t> d_idx(idx), d_map(map), d_e(experts), d_g(gpus);
  const Status s = cuda::expert_histogram(d_idx.get(), tokens, k, experts, d_map.get(), gpus,
                                          d_e.get(), d_g.get(), nullptr);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  EXPECT_EQ(d_e.to_host(), want_e);
  EXPECT_EQ(d_g.to_host(), want_g);
}

TEST(CudaHistogram, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  compare_histogram(random_choices(16384, 8, 256, 31, false), 16384, 8, 256, 8);
  compare_histogram(random_choices(1001, 4, 64, 32, true), 1001, 4, 64, 5);
  compare_histogram(std::vector<std::int32_t>(3000 * 2, 5), 3000, 2, 16, 4);  // one expert
  compare_histogram(random_choices(999, 3, 10000, 33, true), 999, 3, 10000, 64);  // no smem
  compare_histogram({}, 0, 8, 256, 8);
}

// ---------------------------------------------------------------- permute / unpermute

template <typename T>
std::vector<T> random_rows(std::int64_t rows, std::int64_t hidden, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-3.0f, 3.0f);
  std::vector<T> x(static_cast<std::size_t>(rows * hidden));
  for (auto& v : x) v = T(u(rng));
  return x;
}

template <typename T>
void compare_permute(const std::vector<std::int32_t>& idx, std::int64_t tokens, int k,
                     int experts, std::int64_t hidden, int capacity, std::uint32_t seed) {
  const std::int64_t choices = tokens * k;
  const std::vector<T> x = random_rows<T>(tokens, hidden, seed);
  std::vector<std::int32_t> offsets(experts + 1), dest(choices), source(choices, -1),
      counts(experts);
  std::int32_t dropped = 0;
  std::vector<T> want_rows(static_cast<std::size_t>(choices * hidden));
  ASSERT_TRUE(permute(x.data(), tokens, hidden, idx.data(), k, experts, capacity,
                      want_rows.data(),
                      {offsets.data(), dest.data(), source.data(), counts.data(), &dropped})
                  .ok());
  DeviceBuffer<T> d_x(x), d_rows(choices * hidden);
  DeviceBuffer<std::int32_t> d_idx(idx), d_off(experts + 1), d_dest(choices), d_src(choices),
      d_counts(experts), d_dropped(1);
  const std::size_t ws_bytes = cuda::permute_workspace_bytes(tokens, k, experts);
  DeviceBuffer<unsigned char> d_ws(ws_bytes);
  const PermuteLayout layout{d_off.get(), d_dest.get(), d_src.get(), d_counts.get(),
                             d_dropped.get()};
  const Status s = cuda::permute(d_x.get(), tokens, hidden, d_idx.get(), k, experts, capacity,
                                 d_rows.get(), layout, d_ws.get(), ws_bytes, nullptr);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  ASSERT_EQ(d_off.to_host(), offsets);
  ASSERT_EQ(d_dest.to_host(), dest);
  ASSERT_EQ(d_counts.to_host(), counts);
  ASSERT_EQ(d_dropped.to_host()[0], dropped);
  const std::int32_t rows = offsets[experts];
  const std::vector<std::int32_t> got_source = d_src.to_host();
  ASSERT_TRUE(std::equal(source.begin(), source.begin() + rows, got_source.begin()));
  const std::vector<T> got_rows = d_rows.to_host();
  for (std::int64_t i = 0; i < rows * hidden; ++i) {
    ASSERT_TRUE(got_rows[i] == want_rows[i]) << "element " << i;  // a copy: bit exact
  }

  // Unpermute the permuted rows back with random weights.
  std::mt19937 rng(seed + 7);
  std::vector<float> w(choices);
  for (auto& v : w) v = std::uniform_real_distribution<float>(0.0f, 1.0f)(rng);
  std::vector<T> want_out(static_cast<std::size_t>(tokens * hidden));
  ASSERT_TRUE(unpermute(want_rows.data(), dest.data(), w.data(), tokens, k, hidden,
                        want_out.data())
                  .ok());
  DeviceBuffer<float> d_w(w);
  DeviceBuffer<T> d_out(tokens * hidden);
  const Status u = cuda::unpermute(d_rows.get(), d_dest.get(), d_w.get(), tokens, k, hidden,
                                   d_out.get(), nullptr);
  ASSERT_TRUE(u.ok()) << u.message();
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  const std::vector<T> got_out = d_out.to_host();
  for (std::size_t i = 0; i < got_out.size(); ++i) {
    const float g = static_cast<float>(got_out[i]);
    const float want = static_cast<float>(want_out[i]);
    // FP32: 1e-6 relative (plus a tiny absolute floor for sums that cancel to ~0);
    // BF16: one rounding step (2^-8 relative).
    const float rel = sizeof(T) == 4 ? 1e-6f : 1.0f / 256.0f;
    ASSERT_NEAR(g, want, rel * std::abs(want) + 1e-6f) << "output " << i;
  }
}

TEST(CudaPermute, RandomRoutingMatchesCpu) {
  SKIP_WITHOUT_GPU();
  compare_permute<BFloat16>(random_choices(4097, 8, 256, 41, false), 4097, 8, 256, 512, -1, 1);
  compare_permute<float>(random_choices(1001, 2, 64, 42, false), 1001, 2, 64, 96, -1, 2);
  compare_permute<float>(random_choices(1001, 2, 64, 43, true), 1001, 2, 64, 33, -1, 3);
  compare_permute<BFloat16>(random_choices(777, 4, 16, 44, true), 777, 4, 16, 7, -1, 4);
  compare_permute<BFloat16>(random_choices(300, 8, 256, 45, false), 300, 8, 256, 0, -1, 5);
}

TEST(CudaPermute, CapacityAndAdversarialRoutingMatchCpu) {
  SKIP_WITHOUT_GPU();
  // Capacity below the mean load: many drops, the first in token order kept.
  compare_permute<BFloat16>(random_choices(5000, 8, 256, 51, false), 5000, 8, 256, 64, 100, 6);
  // All tokens to one expert, with and without a capacity.
  compare_permute<float>(std::vector<std::int32_t>(3001 * 2, 9), 3001, 2, 32, 16, -1, 7);
  compare_permute<float>(std::vector<std::int32_t>(3001 * 2, 9), 3001, 2, 32, 16, 1000, 8);
  compare_permute<BFloat16>(random_choices(2000, 4, 8, 52, false), 2000, 4, 8, 40, 0, 9);
  // k == E: every token goes to every expert.
  std::vector<std::int32_t> all;
  for (int t = 0; t < 515; ++t) {
    for (int e = 0; e < 16; ++e) all.push_back(e);
  }
  compare_permute<BFloat16>(all, 515, 16, 16, 24, -1, 10);
  compare_permute<float>({}, 0, 8, 256, 64, -1, 11);  // zero tokens
}

TEST(CudaPermute, ZeroTokensWritesEmptyLayout) {
  SKIP_WITHOUT_GPU();
  DeviceBuffer<std::int32_t> d_off(5), d_counts(4), d_dropped(1);
  const PermuteLayout layout{d_off.get(), nullptr, nullptr, d_counts.get(), d_dropped.get()};
  ASSERT_TRUE(cuda::permute(static_cast<const float*>(nullptr), 0, 8, nullptr, 2, 4, -1,
                            static_cast<float*>(nullptr), layout, nullptr, 0, nullptr)
                  .ok());
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  EXPECT_EQ(d_off.to_host(), std::vector<std::int32_t>(5, 0));
  EXPECT_EQ(d_counts.to_host(), std::vector<std::int32_t>(4, 0));
  EXPECT_EQ(d_dropped.to_host()[0], 0);
}

}  // namespace
}  // namespace moesim::kernels
