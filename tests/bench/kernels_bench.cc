// Routing kernel benchmarks (Google Benchmark).
//
// CPU reference: tokens/s per core (items_per_second), single thread.
// CUDA (when built with moesim::kernels_cuda; skipped without a device): device time from CUDA
// events around the launches (manual time), and for the row-moving kernels
//   GB/s = (bytes read + bytes written) / time, with the minimal traffic:
//     permute:   T * H * b read (each token row once) + rows_kept * H * b written
//     unpermute: rows * H * b read + T * H * b written        (b = bytes per element)
//   pct_peak = GB/s / (2 * memory clock * bus width / 8), the DRAM peak the device reports.
// A device-to-device cudaMemcpy gives the practical ceiling for comparison.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kernels/bf16.h"
#include "kernels/cpu/gating.h"
#include "kernels/cpu/histogram.h"
#include "kernels/cpu/permute.h"

#if defined(MOESIM_HAVE_CUDA_KERNELS)
#include <cuda_runtime_api.h>

#include "kernels/api.h"
#endif

namespace moesim::kernels {
namespace {

std::vector<float> random_logits(std::int64_t tokens, int experts, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  std::vector<float> x(static_cast<std::size_t>(tokens) * experts);
  for (float& v : x) v = normal(rng);
  return x;
}

std::vector<std::int32_t> random_choices(std::int64_t tokens, int k, int experts,
                                         std::uint32_t seed) {
  // Distinct experts per token, as top-k produces.
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pick(0, experts - 1);
  std::vector<std::int32_t> idx;
  idx.reserve(static_cast<std::size_t>(tokens) * k);
  std::vector<char> used(experts);
  for (std::int64_t t = 0; t < tokens; ++t) {
    std::fill(used.begin(), used.end(), 0);
    for (int j = 0; j < k; ++j) {
      int e = pick(rng);
      while (used[e]) e = pick(rng);
      used[e] = 1;
      idx.push_back(e);
    }
  }
  return idx;
}

enum Variant : int { kSoftmaxPlain = 0, kSigmoidGroupedV3 = 1 };

GatingConfig bench_config(int experts, int k, int variant) {
  if (variant == kSigmoidGroupedV3) {
    GatingConfig c = GatingConfig::group_limited(experts, k, 8, 4);  // DeepSeek-V3
    c.routed_scaling_factor = 2.5f;
    return c;
  }
  GatingConfig c;
  c.num_experts = experts;
  c.top_k = k;
  return c;
}

// ------------------------------------------------------------------------------------ CPU

void BM_CpuGatingTopk(benchmark::State& state) {
  const int experts = static_cast<int>(state.range(0));
  const int k = static_cast<int>(state.range(1));
  const GatingConfig c = bench_config(experts, k, static_cast<int>(state.range(2)));
  const std::int64_t tokens = 4096;
  const std::vector<float> logits = random_logits(tokens, experts, 1);
  const std::vector<float> bias(experts, 0.01f);
  const float* b = c.score_function == ScoreFunction::kSigmoid ? bias.data() : nullptr;
  std::vector<std::int32_t> idx(tokens * k);
  std::vector<float> w(tokens * k);
  for (auto _ : state) {
    const Status s = gating_topk(logits.data(), b, tokens, c, idx.data(), w.data());
    if (!s.ok()) state.SkipWithError(s.message().c_str());
    benchmark::DoNotOptimize(idx.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * tokens);  // items/s = tokens/s on one core
}
BENCHMARK(BM_CpuGatingTopk)
    ->ArgNames({"experts", "k", "v3_grouped"})
    ->Args({256, 8, kSoftmaxPlain})
    ->Args({256, 8, kSigmoidGroupedV3})
    ->Args({64, 6, kSoftmaxPlain})
    ->Args({8, 2, kSoftmaxPlain});

void BM_CpuHistogram(benchmark::State& state) {
  const std::int64_t tokens = 16384;
  const int k = 8, experts = 256, gpus = 32;
  const std::vector<std::int32_t> idx = random_choices(tokens, k, experts, 2);
  std::vector<std::int32_t> map(experts), per_expert(experts), per_gpu(gpus);
  for (int e = 0; e < experts; ++e) map[e] = e / (experts / gpus);
  for (auto _ : state) {
    const Status s = expert_histogram(idx.data(), tokens, k, experts, map.data(), gpus,
                                      per_expert.data(), per_gpu.data());
    if (!s.ok()) state.SkipWithError(s.message().c_str());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * tokens);
}
BENCHMARK(BM_CpuHistogram);

void BM_CpuPermuteBf16(benchmark::State& state) {
  const std::int64_t tokens = 512, hidden = 7168;
  const int k = 8, experts = 256;
  const std::vector<std::int32_t> idx = random_choices(tokens, k, experts, 3);
  std::vector<BFloat16> x(tokens * hidden, BFloat16(1.0f)), rows(tokens * k * hidden);
  std::vector<std::int32_t> offsets(experts + 1), dest(tokens * k);
  for (auto _ : state) {
    const Status s = permute(x.data(), tokens, hidden, idx.data(), k, experts, kNoCapacityLimit,
                             rows.data(), PermuteLayout{offsets.data(), dest.data()});
    if (!s.ok()) state.SkipWithError(s.message().c_str());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * tokens);
  state.SetBytesProcessed(state.iterations() * (tokens + tokens * k) * hidden * 2);
}
BENCHMARK(BM_CpuPermuteBf16);

void BM_CpuUnpermuteBf16(benchmark::State& state) {
  const std::int64_t tokens = 512, hidden = 7168;
  const int k = 8;
  std::vector<BFloat16> rows(tokens * k * hidden, BFloat16(1.0f)), out(tokens * hidden);
  std::vector<std::int32_t> dest(tokens * k);
  for (std::size_t i = 0; i < dest.size(); ++i) dest[i] = static_cast<std::int32_t>(i);
  const std::vector<float> w(tokens * k, 0.125f);
  for (auto _ : state) {
    const Status s = unpermute(rows.data(), dest.data(), w.data(), tokens, k, hidden, out.data());
    if (!s.ok()) state.SkipWithError(s.message().c_str());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * tokens);
  state.SetBytesProcessed(state.iterations() * (tokens * k + tokens) * hidden * 2);
}
BENCHMARK(BM_CpuUnpermuteBf16);

// ----------------------------------------------------------------------------------- CUDA
#if defined(MOESIM_HAVE_CUDA_KERNELS)

// Skips the benchmark (with the reason) unless a device is usable; returns false then.
bool have_device(benchmark::State& state) {
  const Status s = cuda::device_available();
  if (!s.ok()) state.SkipWithError(("no GPU: " + s.message()).c_str());
  return s.ok();
}

bool cuda_ok(benchmark::State& state, cudaError_t code, const char* what) {
  if (code == cudaSuccess) return true;
  state.SkipWithError((std::string(what) + ": " + cudaGetErrorString(code)).c_str());
  return false;
}

double peak_bytes_per_s() {
  int device = 0, clock_khz = 0, bus_bits = 0;
  cudaGetDevice(&device);
  cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, device);
  cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, device);
  return 2.0 * clock_khz * 1e3 * bus_bits / 8.0;  // double data rate
}

template <typename T>
T* device_copy(const std::vector<T>& host) {
  void* p = nullptr;
  if (cudaMalloc(&p, host.size() * sizeof(T) + 16) != cudaSuccess) return nullptr;
  cudaMemcpy(p, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice);
  return static_cast<T*>(p);
}
void* device_alloc(std::size_t bytes) {
  void* p = nullptr;
  return cudaMalloc(&p, bytes + 16) == cudaSuccess ? p : nullptr;
}

// Times `launch` (repeated `repeats` times per iteration) with CUDA events; returns the total
// device seconds per launch summed over all iterations, for rate counters.
template <typename Launch>
double time_with_events(benchmark::State& state, int repeats, Launch&& launch) {
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  if (!launch().ok()) {  // warm-up, and argument errors surface here
    state.SkipWithError("launch failed");
  }
  cudaDeviceSynchronize();
  double total_s = 0.0;
  for (auto _ : state) {
    cudaEventRecord(start);
    for (int r = 0; r < repeats; ++r) (void)launch();
    cudaEventRecord(stop);
    cudaEventSynchronize(stop);
    float ms = 0.0f;
    cudaEventElapsedTime(&ms, start, stop);
    const double s = ms / 1e3 / repeats;
    state.SetIterationTime(s);
    total_s += s;
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  const cudaError_t code = cudaDeviceSynchronize();
  if (code != cudaSuccess) state.SkipWithError(cudaGetErrorString(code));
  return total_s;
}

// GB/s from the event times themselves (not Google Benchmark's CPU-time based rates).
void set_bandwidth(benchmark::State& state, double bytes_per_launch, double total_s) {
  const double gbs = total_s > 0 ? bytes_per_launch * state.iterations() / total_s / 1e9 : 0.0;
  state.counters["GB/s"] = gbs;
  state.counters["peak_GB/s"] = peak_bytes_per_s() / 1e9;
  state.counters["pct_peak"] = 100.0 * gbs / (peak_bytes_per_s() / 1e9);
  state.counters["bytes"] = bytes_per_launch;
}

void BM_CudaGatingTopk(benchmark::State& state) {
  if (!have_device(state)) return;
  const std::int64_t tokens = state.range(0);
  const int experts = static_cast<int>(state.range(1));
  const int k = static_cast<int>(state.range(2));
  const GatingConfig c = bench_config(experts, k, static_cast<int>(state.range(3)));
  float* logits = device_copy(random_logits(tokens, experts, 4));
  float* bias = device_copy(std::vector<float>(experts, 0.01f));
  auto* idx = static_cast<std::int32_t*>(device_alloc(sizeof(std::int32_t) * tokens * k));
  auto* w = static_cast<float*>(device_alloc(sizeof(float) * tokens * k));
  if (!logits || !bias || !idx || !w) {
    state.SkipWithError("cudaMalloc failed");
    return;
  }
  const float* b = c.score_function == ScoreFunction::kSigmoid ? bias : nullptr;
  time_with_events(state, 20, [&] { return cuda::gating_topk(logits, b, tokens, c, idx, w, nullptr); });
  state.SetItemsProcessed(state.iterations() * tokens);
  cudaFree(logits);
  cudaFree(bias);
  cudaFree(idx);
  cudaFree(w);
}
BENCHMARK(BM_CudaGatingTopk)
    ->ArgNames({"tokens", "experts", "k", "v3_grouped"})
    ->Args({16384, 256, 8, kSoftmaxPlain})
    ->Args({16384, 256, 8, kSigmoidGroupedV3})
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

void BM_CudaHistogram(benchmark::State& state) {
  if (!have_device(state)) return;
  const std::int64_t tokens = 16384;
  const int k = 8, experts = 256, gpus = 32;
  std::vector<std::int32_t> map(experts);
  for (int e = 0; e < experts; ++e) map[e] = e / (experts / gpus);
  std::int32_t* idx = device_copy(random_choices(tokens, k, experts, 5));
  std::int32_t* d_map = device_copy(map);
  auto* per_expert = static_cast<std::int32_t*>(device_alloc(sizeof(std::int32_t) * experts));
  auto* per_gpu = static_cast<std::int32_t*>(device_alloc(sizeof(std::int32_t) * gpus));
  time_with_events(state, 20, [&] {
    return cuda::expert_histogram(idx, tokens, k, experts, d_map, gpus, per_expert, per_gpu,
                                  nullptr);
  });
  cudaFree(idx);
  cudaFree(d_map);
  cudaFree(per_expert);
  cudaFree(per_gpu);
}
BENCHMARK(BM_CudaHistogram)->UseManualTime()->Unit(benchmark::kMicrosecond);

// Permute and unpermute of T x H BF16 at top-k, uniform random distinct experts.
void BM_CudaPermuteBf16(benchmark::State& state) {
  if (!have_device(state)) return;
  const std::int64_t tokens = state.range(0), hidden = state.range(1);
  const int k = static_cast<int>(state.range(2)), experts = 256;
  const std::int64_t choices = tokens * k;
  std::int32_t* idx = device_copy(random_choices(tokens, k, experts, 6));
  void* x = device_alloc(2 * tokens * hidden);
  void* rows = device_alloc(2 * choices * hidden);
  auto* offsets = static_cast<std::int32_t*>(device_alloc(4 * (experts + 1)));
  auto* dest = static_cast<std::int32_t*>(device_alloc(4 * choices));
  auto* source = static_cast<std::int32_t*>(device_alloc(4 * choices));
  const std::size_t ws_bytes = cuda::permute_workspace_bytes(tokens, k, experts);
  void* ws = device_alloc(ws_bytes);
  if (!idx || !x || !rows || !offsets || !dest || !source || !ws) {
    state.SkipWithError("cudaMalloc failed");
    return;
  }
  if (!cuda_ok(state, cudaMemset(x, 0x3f, 2 * tokens * hidden), "memset")) return;
  const PermuteLayout layout{offsets, dest, source, nullptr, nullptr};
  const double total_s = time_with_events(state, 1, [&] {
    return cuda::permute(static_cast<const BFloat16*>(x), tokens, hidden, idx, k, experts,
                         kNoCapacityLimit, static_cast<BFloat16*>(rows), layout, ws, ws_bytes,
                         nullptr);
  });
  set_bandwidth(state, 2.0 * (tokens + choices) * hidden, total_s);
  state.SetItemsProcessed(state.iterations() * tokens);
  for (void* p : {static_cast<void*>(idx), x, rows, static_cast<void*>(offsets),
                  static_cast<void*>(dest), static_cast<void*>(source), ws}) {
    cudaFree(p);
  }
}
BENCHMARK(BM_CudaPermuteBf16)
    ->ArgNames({"tokens", "hidden", "k"})
    ->Args({16384, 7168, 8})
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

void BM_CudaUnpermuteBf16(benchmark::State& state) {
  if (!have_device(state)) return;
  const std::int64_t tokens = state.range(0), hidden = state.range(1);
  const int k = static_cast<int>(state.range(2));
  const std::int64_t choices = tokens * k;
  // Destination rows as permute lays them out for uniform routing: a random permutation.
  std::vector<std::int32_t> dest_host(choices);
  for (std::int64_t i = 0; i < choices; ++i) dest_host[i] = static_cast<std::int32_t>(i);
  std::shuffle(dest_host.begin(), dest_host.end(), std::mt19937(7));
  std::int32_t* dest = device_copy(dest_host);
  float* w = device_copy(std::vector<float>(choices, 0.125f));
  void* rows = device_alloc(2 * choices * hidden);
  void* out = device_alloc(2 * tokens * hidden);
  if (!dest || !w || !rows || !out) {
    state.SkipWithError("cudaMalloc failed");
    return;
  }
  if (!cuda_ok(state, cudaMemset(rows, 0x3f, 2 * choices * hidden), "memset")) return;
  const double total_s = time_with_events(state, 1, [&] {
    return cuda::unpermute(static_cast<const BFloat16*>(rows), dest, w, tokens, k, hidden,
                           static_cast<BFloat16*>(out), nullptr);
  });
  set_bandwidth(state, 2.0 * (choices + tokens) * hidden, total_s);
  state.SetItemsProcessed(state.iterations() * tokens);
  for (void* p : {static_cast<void*>(dest), static_cast<void*>(w), rows, out}) cudaFree(p);
}
BENCHMARK(BM_CudaUnpermuteBf16)
    ->ArgNames({"tokens", "hidden", "k"})
    ->Args({16384, 7168, 8})
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

// The practical ceiling: one device-to-device copy of the permute's write volume.
void BM_CudaMemcpyD2D(benchmark::State& state) {
  if (!have_device(state)) return;
  const std::size_t bytes = static_cast<std::size_t>(state.range(0)) << 20;
  void* a = device_alloc(bytes);
  void* b = device_alloc(bytes);
  if (!a || !b) {
    state.SkipWithError("cudaMalloc failed");
    return;
  }
  const double total_s = time_with_events(state, 1, [&] {
    return cuda_ok(state, cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice), "memcpy")
               ? Status()
               : Status(make_error("", "", "memcpy failed"));
  });
  set_bandwidth(state, 2.0 * bytes, total_s);
  cudaFree(a);
  cudaFree(b);
}
BENCHMARK(BM_CudaMemcpyD2D)->Arg(1792)->UseManualTime()->Unit(benchmark::kMicrosecond);

#endif  // MOESIM_HAVE_CUDA_KERNELS

}  // namespace
}  // namespace moesim::kernels

BENCHMARK_MAIN();
