// CUDA permute (dispatch layout) and unpermute (weighted combine).
//
// permute is a stable counting sort of the T*k choices by expert, then a row copy:
//   1. rank:    one warp per chunk of kChunk choices counts each expert's choices in the chunk
//               and gives each choice its rank among equal experts before it in the chunk
//               (__match_any_sync finds equal experts among the 32 lanes of a step).
//   2. scan:    one block turns the per-chunk counts into per-chunk bases (exclusive over
//               chunks, per expert), totals, the capacity cut and the expert offsets.
//   3. scatter: one block per token reads the token's row once and writes it to each of its
//               k destination rows (position = chunk base + rank; kept iff < capacity).
// Bytes moved by the copy: T * row_bytes read, kept_rows * row_bytes written; steps 1 and 2
// touch only the T*k indices.
//
// unpermute: one block per token; each thread owns a vector of hidden elements and adds the
// k weighted expert rows in j order with separately rounded multiply and add (no FMA), the
// same operations as the CPU reference, so results match bit for bit.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/api.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/static_switch.h"
#include "kernels/detail/routing_math.h"
#include "kernels/validate.h"

namespace moesim::kernels::cuda {
namespace {

constexpr int kChunk = 1024;          // choices per rank warp
constexpr int kScanThreads = 1024;
constexpr int kRowThreads = 128;      // threads per token row in scatter / unpermute
constexpr std::int64_t kMaxRowBlocks = 1 << 20;
constexpr unsigned kFullMask = 0xffffffffu;

std::size_t align_up(std::size_t bytes) { return (bytes + 255) / 256 * 256; }

std::int64_t num_chunks(std::int64_t choices) { return (choices + kChunk - 1) / kChunk; }

template <int kBytes> struct VecOf;
template <> struct VecOf<16> { using Type = uint4; };
template <> struct VecOf<8> { using Type = uint2; };
template <> struct VecOf<4> { using Type = unsigned int; };
template <> struct VecOf<2> { using Type = unsigned short; };
template <> struct VecOf<1> { using Type = unsigned char; };

// The widest access (16 down to min_bytes) dividing the row size and every pointer.
int pick_vec_bytes(std::int64_t row_bytes, int min_bytes, const void* a, const void* b) {
  for (int v = 16; v > min_bytes; v >>= 1) {
    const bool fits = row_bytes % v == 0 && reinterpret_cast<std::uintptr_t>(a) % v == 0 &&
                      reinterpret_cast<std::uintptr_t>(b) % v == 0;
    if (fits) return v;
  }
  return min_bytes;
}

__global__ void __launch_bounds__(32)
    rank_kernel(const std::int32_t* topk_idx, std::int64_t choices, int num_experts,
                std::int32_t* chunk_counts, std::int32_t* local_rank) {
  extern __shared__ int counts[];  // [num_experts]
  const int lane = threadIdx.x;
  for (int e = lane; e < num_experts; e += 32) counts[e] = 0;
  __syncwarp();
  const std::int64_t begin = static_cast<std::int64_t>(blockIdx.x) * kChunk;
  const unsigned lanes_below = (1u << lane) - 1u;
  // All loads first, so the chunk's indices are in flight together rather than one step at a
  // time behind the shared-memory updates.
  constexpr int kSteps = kChunk / 32;
  std::int32_t experts[kSteps];
#pragma unroll
  for (int step = 0; step < kSteps; ++step) {
    const std::int64_t i = begin + step * 32 + lane;
    const std::int32_t e = i < choices ? topk_idx[i] : -1;
    experts[step] = (e >= 0 && e < num_experts) ? e : -1;
  }
#pragma unroll
  for (int step = 0; step < kSteps; ++step) {
    const std::int32_t e = experts[step];
    const unsigned peers = __match_any_sync(kFullMask, e);
    const int rank = __popc(peers & lanes_below);
    const int base = e >= 0 ? counts[e] : 0;
    __syncwarp();
    if (e >= 0 && rank == 0) counts[e] = base + __popc(peers);
    __syncwarp();
    const std::int64_t i = begin + step * 32 + lane;
    if (i < choices) local_rank[i] = base + rank;
  }
  std::int32_t* out = chunk_counts + static_cast<std::int64_t>(blockIdx.x) * num_experts;
  for (int e = lane; e < num_experts; e += 32) out[e] = counts[e];
}

__global__ void __launch_bounds__(kScanThreads)
    scan_kernel(std::int32_t* chunk_counts, int chunks, int num_experts, int capacity,
                PermuteLayout layout) {
  __shared__ int kept[kMaxPermuteExperts];
  __shared__ int warp_totals[kScanThreads / 32];
  __shared__ int dropped;
  const int tid = threadIdx.x;
  if (tid == 0) dropped = 0;
  __syncthreads();
  int my_dropped = 0;
  for (int e = tid; e < num_experts; e += kScanThreads) {
    // Batches of loads in flight: a plain loop would wait a full memory latency per chunk.
    constexpr int kBatch = 16;
    int running = 0;
    for (int c0 = 0; c0 < chunks; c0 += kBatch) {
      int v[kBatch];
#pragma unroll
      for (int b = 0; b < kBatch; ++b) {
        v[b] = c0 + b < chunks ? chunk_counts[static_cast<std::int64_t>(c0 + b) * num_experts + e]
                               : 0;
      }
#pragma unroll
      for (int b = 0; b < kBatch; ++b) {
        if (c0 + b < chunks) {
          chunk_counts[static_cast<std::int64_t>(c0 + b) * num_experts + e] = running;  // base
        }
        running += v[b];
      }
    }
    const int k = capacity < 0 ? running : min(running, capacity);
    kept[e] = k;
    my_dropped += running - k;
    if (layout.num_tokens_per_expert != nullptr) layout.num_tokens_per_expert[e] = running;
  }
  if (my_dropped != 0) atomicAdd(&dropped, my_dropped);
  __syncthreads();

  // Exclusive scan of kept[] over experts: each thread owns one contiguous segment.
  const int per_thread = (num_experts + kScanThreads - 1) / kScanThreads;
  const int seg_begin = min(tid * per_thread, num_experts);
  const int seg_end = min(seg_begin + per_thread, num_experts);
  int segment_sum = 0;
  for (int e = seg_begin; e < seg_end; ++e) segment_sum += kept[e];
  const int lane = tid & 31;
  const int warp = tid >> 5;
  int inclusive = segment_sum;
  for (int offset = 1; offset < 32; offset <<= 1) {
    const int other = __shfl_up_sync(kFullMask, inclusive, offset);
    if (lane >= offset) inclusive += other;
  }
  if (lane == 31) warp_totals[warp] = inclusive;
  __syncthreads();
  if (warp == 0) {
    int total = warp_totals[lane];
    for (int offset = 1; offset < 32; offset <<= 1) {
      const int other = __shfl_up_sync(kFullMask, total, offset);
      if (lane >= offset) total += other;
    }
    warp_totals[lane] = total;  // inclusive over warps
  }
  __syncthreads();
  int prefix = inclusive - segment_sum + (warp > 0 ? warp_totals[warp - 1] : 0);
  for (int e = seg_begin; e < seg_end; ++e) {
    layout.expert_offsets[e] = prefix;
    prefix += kept[e];
  }
  if (tid == kScanThreads - 1) {
    layout.expert_offsets[num_experts] = warp_totals[kScanThreads / 32 - 1];
    if (layout.num_dropped != nullptr) *layout.num_dropped = dropped;
  }
}

template <int kVecBytes>
__global__ void __launch_bounds__(kRowThreads)
    scatter_kernel(const unsigned char* x, std::int64_t num_tokens, std::int64_t row_bytes,
                   const std::int32_t* topk_idx, int top_k, int num_experts, int capacity,
                   const std::int32_t* chunk_base, const std::int32_t* local_rank,
                   PermuteLayout layout, unsigned char* permuted_x) {
  using Vec = typename VecOf<kVecBytes>::Type;
  extern __shared__ int rows[];  // [top_k] destination rows of the current token
  const std::int64_t vecs = row_bytes / kVecBytes;
  for (std::int64_t t = blockIdx.x; t < num_tokens; t += gridDim.x) {
    for (int j = threadIdx.x; j < top_k; j += blockDim.x) {
      const std::int64_t i = t * top_k + j;
      const std::int32_t e = topk_idx[i];
      std::int32_t row = -1;
      if (e >= 0 && e < num_experts) {
        const int position =
            chunk_base[(i / kChunk) * num_experts + e] + local_rank[i];
        if (capacity < 0 || position < capacity) row = layout.expert_offsets[e] + position;
      }
      layout.dest_row[i] = row;
      if (row >= 0 && layout.row_source != nullptr) {
        layout.row_source[row] = static_cast<std::int32_t>(i);
      }
      rows[j] = row;
    }
    __syncthreads();
    const Vec* src = reinterpret_cast<const Vec*>(x + t * row_bytes);
    for (std::int64_t v = threadIdx.x; v < vecs; v += blockDim.x) {
      const Vec value = __ldg(src + v);
      for (int j = 0; j < top_k; ++j) {
        const int row = rows[j];
        if (row >= 0) reinterpret_cast<Vec*>(permuted_x + row * row_bytes)[v] = value;
      }
    }
    __syncthreads();  // rows[] is reused by the next token
  }
}

// Element access for unpermute: FP32 as is, BF16 as raw bits (no cuda_bf16.h needed).
__device__ __forceinline__ float to_float(float v) { return v; }
__device__ __forceinline__ float to_float(std::uint16_t v) { return detail::bf16_bits_to_float(v); }
__device__ __forceinline__ void from_float(float v, float* out) { *out = v; }
__device__ __forceinline__ void from_float(float v, std::uint16_t* out) {
  *out = detail::bf16_bits_from_float(v);
}

template <typename Storage, int kVecBytes>
__global__ void __launch_bounds__(kRowThreads)
    unpermute_kernel(const Storage* expert_out, const std::int32_t* dest_row,
                     const float* weights, std::int64_t num_tokens, int top_k,
                     std::int64_t hidden, Storage* out) {
  constexpr int kBytes = kVecBytes < static_cast<int>(sizeof(Storage))
                             ? static_cast<int>(sizeof(Storage))
                             : kVecBytes;
  constexpr int kElems = kBytes / static_cast<int>(sizeof(Storage));
  using Vec = typename VecOf<kBytes>::Type;
  extern __shared__ int shared[];
  int* rows = shared;                                      // [top_k]
  float* row_weights = reinterpret_cast<float*>(shared + top_k);  // [top_k]
  const std::int64_t vecs = hidden / kElems;
  for (std::int64_t t = blockIdx.x; t < num_tokens; t += gridDim.x) {
    for (int j = threadIdx.x; j < top_k; j += blockDim.x) {
      const std::int64_t i = t * top_k + j;
      rows[j] = dest_row[i];
      row_weights[j] = weights != nullptr ? weights[i] : 1.0f;
    }
    __syncthreads();
    Vec* dst = reinterpret_cast<Vec*>(out + t * hidden);
    for (std::int64_t v = threadIdx.x; v < vecs; v += blockDim.x) {
      float acc[kElems];
#pragma unroll
      for (int n = 0; n < kElems; ++n) acc[n] = 0.0f;
      for (int j = 0; j < top_k; ++j) {
        const int row = rows[j];
        if (row < 0) continue;
        const Vec packed =
            __ldg(reinterpret_cast<const Vec*>(expert_out + static_cast<std::int64_t>(row) * hidden) + v);
        Storage elems[kElems];
        memcpy(elems, &packed, sizeof packed);
        const float w = row_weights[j];
#pragma unroll
        for (int n = 0; n < kElems; ++n) {
          acc[n] = detail::add_rn(acc[n], detail::mul_rn(w, to_float(elems[n])));
        }
      }
      Storage result[kElems];
#pragma unroll
      for (int n = 0; n < kElems; ++n) from_float(acc[n], &result[n]);
      Vec packed_out;
      memcpy(&packed_out, result, sizeof packed_out);
      dst[v] = packed_out;
    }
    __syncthreads();
  }
}

Status permute_bytes(const void* x, std::int64_t num_tokens, std::int64_t hidden,
                     std::size_t element_bytes, const std::int32_t* topk_idx, int top_k,
                     int num_experts, int capacity, void* permuted_x,
                     const PermuteLayout& layout, void* workspace, std::size_t workspace_bytes,
                     cudaStream_t stream) {
  MOESIM_RETURN_IF_ERROR(validate_permute(x, num_tokens, hidden, element_bytes, topk_idx, top_k,
                                          num_experts, capacity, permuted_x, layout));
  if (num_experts > kMaxPermuteExperts) {
    return make_error("", "", "permute: num_experts (" + std::to_string(num_experts) + ") > " +
                                  std::to_string(kMaxPermuteExperts) +
                                  ", the CUDA kernel's limit");
  }
  if (top_k > kMaxCudaRowTopK) {
    return make_error("", "", "permute: top_k (" + std::to_string(top_k) + ") > " +
                                  std::to_string(kMaxCudaRowTopK) + ", the CUDA kernel's limit");
  }
  const std::size_t needed = permute_workspace_bytes(num_tokens, top_k, num_experts);
  if (workspace_bytes < needed || (workspace == nullptr && needed > 0)) {
    return make_error("", "", "permute: workspace of " + std::to_string(workspace_bytes) +
                                  " bytes, needs " + std::to_string(needed) +
                                  " (permute_workspace_bytes)");
  }
  const std::int64_t choices = num_tokens * top_k;
  if (choices == 0) {
    CUDA_CHECK(cudaMemsetAsync(layout.expert_offsets, 0,
                               sizeof(std::int32_t) * (num_experts + 1), stream));
    if (layout.num_tokens_per_expert != nullptr) {
      CUDA_CHECK(cudaMemsetAsync(layout.num_tokens_per_expert, 0,
                                 sizeof(std::int32_t) * num_experts, stream));
    }
    if (layout.num_dropped != nullptr) {
      CUDA_CHECK(cudaMemsetAsync(layout.num_dropped, 0, sizeof(std::int32_t), stream));
    }
    return {};
  }
  const std::int64_t chunks = num_chunks(choices);
  auto* chunk_counts = static_cast<std::int32_t*>(workspace);
  auto* local_rank = reinterpret_cast<std::int32_t*>(
      static_cast<unsigned char*>(workspace) +
      align_up(sizeof(std::int32_t) * chunks * num_experts));

  rank_kernel<<<static_cast<unsigned>(chunks), 32, sizeof(int) * num_experts, stream>>>(
      topk_idx, choices, num_experts, chunk_counts, local_rank);
  CUDA_CHECK(cudaGetLastError());
  scan_kernel<<<1, kScanThreads, 0, stream>>>(chunk_counts, static_cast<int>(chunks),
                                              num_experts, capacity, layout);
  CUDA_CHECK(cudaGetLastError());

  const std::int64_t row_bytes = hidden * static_cast<std::int64_t>(element_bytes);
  const int vec_bytes = pick_vec_bytes(row_bytes, 1, x, permuted_x);
  const unsigned blocks = static_cast<unsigned>(std::min(num_tokens, kMaxRowBlocks));
  VEC_BYTES_SWITCH(vec_bytes, kVec, [&] {
    scatter_kernel<kVec><<<blocks, kRowThreads, sizeof(int) * top_k, stream>>>(
        static_cast<const unsigned char*>(x), num_tokens, row_bytes, topk_idx, top_k,
        num_experts, capacity, chunk_counts, local_rank, layout,
        static_cast<unsigned char*>(permuted_x));
  });
  CUDA_CHECK(cudaGetLastError());
  return {};
}

template <typename Storage>
Status unpermute_impl(const Storage* expert_out, const std::int32_t* dest_row,
                      const float* weights, std::int64_t num_tokens, int top_k,
                      std::int64_t hidden, Storage* out, cudaStream_t stream) {
  MOESIM_RETURN_IF_ERROR(validate_unpermute(expert_out, dest_row, weights, num_tokens, top_k,
                                            hidden, sizeof(Storage), out));
  if (top_k > kMaxCudaRowTopK) {
    return make_error("", "", "unpermute: top_k (" + std::to_string(top_k) + ") > " +
                                  std::to_string(kMaxCudaRowTopK) + ", the CUDA kernel's limit");
  }
  if (num_tokens == 0 || hidden == 0) return {};
  const int vec_bytes = pick_vec_bytes(hidden * static_cast<std::int64_t>(sizeof(Storage)),
                                       static_cast<int>(sizeof(Storage)), expert_out, out);
  const unsigned blocks = static_cast<unsigned>(std::min(num_tokens, kMaxRowBlocks));
  const std::size_t shared_bytes = (sizeof(int) + sizeof(float)) * top_k;
  VEC_BYTES_SWITCH(vec_bytes, kVec, [&] {
    unpermute_kernel<Storage, kVec><<<blocks, kRowThreads, shared_bytes, stream>>>(
        expert_out, dest_row, weights, num_tokens, top_k, hidden, out);
  });
  CUDA_CHECK(cudaGetLastError());
  return {};
}

}  // namespace

std::size_t permute_workspace_bytes(std::int64_t num_tokens, int top_k, int num_experts) {
  if (num_tokens <= 0 || top_k <= 0 || num_experts <= 0) return 0;
  const std::int64_t choices = num_tokens * top_k;
  return align_up(sizeof(std::int32_t) * num_chunks(choices) * num_experts) +
         align_up(sizeof(std::int32_t) * choices);
}

Status permute(const float* x, std::int64_t num_tokens, std::int64_t hidden,
               const std::int32_t* topk_idx, int top_k, int num_experts, int capacity,
               float* permuted_x, const PermuteLayout& layout, void* workspace,
               std::size_t workspace_bytes, cudaStream_t stream) {
  return permute_bytes(x, num_tokens, hidden, sizeof(float), topk_idx, top_k, num_experts,
                       capacity, permuted_x, layout, workspace, workspace_bytes, stream);
}
Status permute(const BFloat16* x, std::int64_t num_tokens, std::int64_t hidden,
               const std::int32_t* topk_idx, int top_k, int num_experts, int capacity,
               BFloat16* permuted_x, const PermuteLayout& layout, void* workspace,
               std::size_t workspace_bytes, cudaStream_t stream) {
  return permute_bytes(x, num_tokens, hidden, sizeof(BFloat16), topk_idx, top_k, num_experts,
                       capacity, permuted_x, layout, workspace, workspace_bytes, stream);
}

Status unpermute(const float* expert_out, const std::int32_t* dest_row, const float* weights,
                 std::int64_t num_tokens, int top_k, std::int64_t hidden, float* out,
                 cudaStream_t stream) {
  return unpermute_impl(expert_out, dest_row, weights, num_tokens, top_k, hidden, out, stream);
}
Status unpermute(const BFloat16* expert_out, const std::int32_t* dest_row, const float* weights,
                 std::int64_t num_tokens, int top_k, std::int64_t hidden, BFloat16* out,
                 cudaStream_t stream) {
  return unpermute_impl(reinterpret_cast<const std::uint16_t*>(expert_out), dest_row, weights,
                        num_tokens, top_k, hidden, reinterpret_cast<std::uint16_t*>(out), stream);
}

}  // namespace moesim::kernels::cuda
