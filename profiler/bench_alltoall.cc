// Uniform all-to-all sweep (nccl-tests alltoall_perf -b MIN -e MAX -f 2).
#include <cstdio>

#include "profiler/benchmarks.h"

namespace moesim::profiler {

void run_alltoall(Harness& h, const SweepOptions& o) {
  const int n = h.comm().size();
  if (auto st = h.backend().reserve(static_cast<std::size_t>(o.max_bytes)); !st.ok()) h.fail("alltoall", st.message());
  h.begin_table("alltoall (uniform), " + std::to_string(n) + " rank(s), " + h.backend().implementation("alltoall"),
                kCommColumns);
  uint32_t index = 0;
  for (double size = o.min_bytes; size <= o.max_bytes; size *= 2) {
    const std::size_t per_peer = static_cast<std::size_t>(size) / static_cast<std::size_t>(n);
    if (per_peer == 0) continue;
    ProfileRecord r;
    r.set_benchmark("alltoall");
    r.set_case_name("uniform");
    r.set_index(index++);
    r.set_bytes_per_peer(static_cast<double>(per_peer));
    r.set_size_bytes(static_cast<double>(per_peer) * n);
    h.measure(r, [&] { return h.backend().alltoall(per_peer); });
  }
}

}  // namespace moesim::profiler
