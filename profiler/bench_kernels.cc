// Routing kernels (gating + top-k, histogram, permute, unpermute) across token counts.
#include "profiler/benchmarks.h"

namespace moesim::profiler {

void run_kernels(Harness& h, const SweepOptions& o) {
  h.begin_table("routing kernels, E=" + std::to_string(o.kernel_experts) + " top-" + std::to_string(o.kernel_top_k) +
                    " hidden " + std::to_string(o.kernel_hidden) + ", " + h.backend().implementation("kernel") +
                    " (every rank at once)",
                "#  kernel                 tokens   experts k    time(us)      p90(us)  Mtokens/s iters");
  for (const auto& name : kernel_names()) {
    uint32_t index = 0;
    for (long long tokens : o.kernel_tokens) {
      KernelCase k;
      k.kernel = name;
      k.num_tokens = tokens;
      k.num_experts = o.kernel_experts;
      k.top_k = o.kernel_top_k;
      k.hidden = o.kernel_hidden;
      if (auto st = h.backend().prepare_kernel(k); !st.ok()) h.fail("kernel", name + ": " + st.message());
      ProfileRecord r;
      r.set_benchmark("kernel");
      r.set_case_name(name);
      r.set_index(index++);
      r.set_num_tokens(static_cast<uint64_t>(tokens));
      r.set_num_experts(static_cast<uint32_t>(k.num_experts));
      r.set_top_k(static_cast<uint32_t>(k.top_k));
      r.set_hidden(static_cast<uint32_t>(k.hidden));
      h.measure(r, [&] { return h.backend().kernel(k); });
    }
  }
}

}  // namespace moesim::profiler
