// Expert GEMM throughput against tokens per expert.
#include "profiler/benchmarks.h"

namespace moesim::profiler {

void run_gemm(Harness& h, const SweepOptions& o) {
  h.begin_table("expert GEMM [tokens x " + std::to_string(o.gemm_hidden) + "] x [" + std::to_string(o.gemm_hidden) + " x " +
                    std::to_string(o.gemm_ffn) + "], " + h.backend().implementation("gemm") + " (every rank at once)",
                "#      tokens   hidden      ffn     time(us)      p90(us)     GFLOP/s iters");
  uint32_t index = 0;
  for (long long tokens : o.gemm_tokens) {
    const int t = static_cast<int>(tokens);
    if (auto st = h.backend().prepare_gemm(t, o.gemm_hidden, o.gemm_ffn); !st.ok()) h.fail("gemm", st.message());
    ProfileRecord r;
    r.set_benchmark("gemm");
    r.set_case_name("expert gemm");
    r.set_index(index++);
    r.set_num_tokens(static_cast<uint64_t>(tokens));
    r.set_hidden(static_cast<uint32_t>(o.gemm_hidden));
    r.set_ffn_hidden(static_cast<uint32_t>(o.gemm_ffn));
    r.set_flops(2.0 * static_cast<double>(tokens) * o.gemm_hidden * o.gemm_ffn);
    h.measure(r, [&] { return h.backend().gemm(t, o.gemm_hidden, o.gemm_ffn); });
  }
}

}  // namespace moesim::profiler
