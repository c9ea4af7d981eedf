// Uneven all-to-allv: rank-to-rank splits from routing models and real expert-load logs.
#include <algorithm>

#include "profiler/benchmarks.h"
#include "profiler/traffic_patterns.h"

namespace moesim::profiler {

void run_alltoallv(Harness& h, const SweepOptions& o) {
  const int n = h.comm().size();
  std::vector<UnevenPattern> patterns;
  auto routed = routing_patterns(n, o.routing_experts, o.seed);
  if (!routed.ok()) h.fail("alltoallv", routed.message());
  patterns = std::move(*routed);
  if (!o.trace_path.empty()) {
    auto traced = trace_patterns(o.trace_path, n, o.trace_cases);
    if (!traced.ok()) h.fail("alltoallv", traced.message());
    patterns.insert(patterns.end(), traced->begin(), traced->end());
  }
  const double token_bytes = static_cast<double>(o.hidden) * o.dtype_bytes;
  struct Case {
    std::string name;
    std::vector<double> bytes;
  };
  std::vector<Case> cases;
  double need = 0;
  for (double mean : o.uneven_rank_bytes) {
    for (const auto& p : patterns) {
      Case c{p.name, pattern_bytes(p, mean, token_bytes)};
      for (int a = 0; a < n; ++a) {
        double row = 0, col = 0;
        for (int b = 0; b < n; ++b) {
          row += c.bytes[static_cast<size_t>(a) * n + b];
          col += c.bytes[static_cast<size_t>(b) * n + a];
        }
        need = std::max({need, row, col});
      }
      cases.push_back(std::move(c));
    }
  }
  if (auto st = h.backend().reserve(static_cast<std::size_t>(need)); !st.ok()) h.fail("alltoallv", st.message());
  h.begin_table("alltoallv (uneven splits: routing models" + std::string(o.trace_path.empty() ? "" : ", " + o.trace_path) +
                    "), token " + std::to_string(static_cast<long long>(token_bytes)) + " B, " +
                    h.backend().implementation("alltoallv"),
                kCommColumns);
  const int me = h.comm().rank();
  uint32_t index = 0;
  for (const auto& c : cases) {
    std::vector<std::size_t> send(n), recv(n);
    double total = 0, messages = 0;
    for (int b = 0; b < n; ++b) {
      send[b] = static_cast<std::size_t>(c.bytes[static_cast<size_t>(me) * n + b]);
      recv[b] = static_cast<std::size_t>(c.bytes[static_cast<size_t>(b) * n + me]);
    }
    for (int a = 0; a < n; ++a) {
      for (int b = 0; b < n; ++b) {
        const double v = c.bytes[static_cast<size_t>(a) * n + b];
        total += v;
        if (a != b && v > 0) ++messages;
      }
    }
    ProfileRecord r;
    r.set_benchmark("alltoallv");
    r.set_case_name(c.name);
    r.set_index(index++);
    r.set_size_bytes(total / n);
    // Mean off-diagonal message: the regime a simulation of this case will use.
    double off = 0;
    for (int a = 0; a < n; ++a)
      for (int b = 0; b < n; ++b)
        if (a != b) off += c.bytes[static_cast<size_t>(a) * n + b];
    r.set_bytes_per_peer(messages > 0 ? off / messages : 0.0);
    for (double v : c.bytes) r.add_matrix_bytes(v);
    h.measure(r, [&] { return h.backend().alltoallv(send, recv); });
  }
}

}  // namespace moesim::profiler
