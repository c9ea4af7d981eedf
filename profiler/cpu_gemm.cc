#include "profiler/cpu_gemm.h"

#include <algorithm>
#include <cstring>

namespace moesim::profiler {

void cpu_gemm(const float* a, const float* b, float* c, int m, int k, int n) {
  // Blocks of A rows x K panel x N columns sized to stay in L1/L2: the inner loop streams a
  // row of B's panel into a row of C (unit stride, vectorised).
  constexpr int kBm = 32, kBk = 128, kBn = 256;
  std::memset(c, 0, sizeof(float) * static_cast<size_t>(m) * n);
  for (int i0 = 0; i0 < m; i0 += kBm) {
    const int i1 = std::min(m, i0 + kBm);
    for (int p0 = 0; p0 < k; p0 += kBk) {
      const int p1 = std::min(k, p0 + kBk);
      for (int j0 = 0; j0 < n; j0 += kBn) {
        const int j1 = std::min(n, j0 + kBn);
        for (int i = i0; i < i1; ++i) {
          float* crow = c + static_cast<size_t>(i) * n;
          for (int p = p0; p < p1; ++p) {
            const float av = a[static_cast<size_t>(i) * k + p];
            const float* brow = b + static_cast<size_t>(p) * n;
            for (int j = j0; j < j1; ++j) crow[j] += av * brow[j];
          }
        }
      }
    }
  }
}

}  // namespace moesim::profiler
