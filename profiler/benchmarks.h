// The benchmarks moeprof runs, one file each (bench_*.cc), all on the shared Harness.
//
//   alltoall   uniform all-to-all, sizes doubling from min_bytes to max_bytes (nccl-tests'
//              size: bytes one rank sends, itself included; bytes per peer = size / n)
//   alltoallv  uneven splits from routing models and, with --trace, a real expert-load log,
//              each at several mean sizes per rank
//   p2p        ping-pong between rank 0 and one rank on its node / on another node
//   kernels    the routing kernels across token counts
//   gemm       one expert's GEMM [tokens x hidden] x [hidden x ffn] across tokens per expert
// Thread-safety: run on the harness's thread.
#pragma once

#include <string>
#include <vector>

#include "profiler/harness.h"

namespace moesim::profiler {

struct SweepOptions {
  double min_bytes = 1024;
  double max_bytes = 64.0 * 1024 * 1024;
  std::vector<double> uneven_rank_bytes;      // mean bytes per rank of the uneven cases
  std::string trace_path;                     // real expert-load log for alltoallv (optional)
  int trace_cases = 3;
  int hidden = 2048;                          // token bytes = hidden * dtype_bytes (uneven)
  int dtype_bytes = 2;
  int routing_experts = 32;
  unsigned long long seed = 1;
  std::vector<long long> kernel_tokens;
  int kernel_experts = 64, kernel_top_k = 8, kernel_hidden = 1024;
  std::vector<long long> gemm_tokens;
  int gemm_hidden = 256, gemm_ffn = 512;
  std::vector<int> rank_node;                 // node of each rank (p2p classes)
};

void run_alltoall(Harness& h, const SweepOptions& o);
void run_alltoallv(Harness& h, const SweepOptions& o);
void run_p2p(Harness& h, const SweepOptions& o);
void run_kernels(Harness& h, const SweepOptions& o);
void run_gemm(Harness& h, const SweepOptions& o);

// Table columns shared by the communication benchmarks (nccl-tests style).
inline constexpr const char* kCommColumns =
    "#      size(B)  bytes/peer   time(us)    min(us)    p90(us) algbw(GB/s) busbw(GB/s) iters  case";

}  // namespace moesim::profiler
