// A blocked FP32 CPU GEMM, C[m x n] = A[m x k] * B[k x n] (row-major), for the host backend's
// expert-GEMM timing. It is a plain cache-blocked loop nest the compiler vectorises, not a
// tuned BLAS: its FLOP/s label CPU results as what they are, a stand-in with the same shape
// dependence (small token counts use the machine poorly), not a GPU figure.
// Thread-safety: reentrant.
#pragma once

namespace moesim::profiler {

void cpu_gemm(const float* a, const float* b, float* c, int m, int k, int n);

}  // namespace moesim::profiler
