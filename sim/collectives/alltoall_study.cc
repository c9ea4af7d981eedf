#include "sim/collectives/alltoall_study.h"

#include <algorithm>
#include <numeric>

namespace moesim {

Result<AllToAllResult> simulate_alltoall(const Topology& t, const TrafficMatrix& m, double size_bytes,
                                         const AllToAllOptions& opt) {
  CollectiveRunner runner(t, opt.ecmp, opt.network, opt.coalesce_rel);
  CollectiveOutcome outcome;
  if (opt.network == NetworkMode::kAnalytic && opt.algorithm == AllToAllAlgorithm::kDirect) {
    MOESIM_ASSIGN_OR_RETURN(outcome, runner.run_direct_analytic(m, opt.costs, 0.0));
  } else {
    MOESIM_ASSIGN_OR_RETURN(Schedule s, build_alltoall_schedule(t, m, opt.algorithm, opt.chunks));
    MOESIM_ASSIGN_OR_RETURN(outcome, runner.run(s, opt.costs, 0.0));
  }
  AllToAllResult r;
  r.set_topology(t.name());
  r.set_algorithm(algorithm_name(opt.algorithm));
  r.set_network(opt.network == NetworkMode::kFlow ? "flow" : "analytic");
  const int n = t.num_gpus();
  r.set_num_gpus(n);
  r.set_num_flows(outcome.num_flows);
  r.set_size_bytes(size_bytes);
  r.set_total_bytes(m.total_bytes());
  const double time = outcome.duration();
  r.set_completion_time_s(time);
  const double algbw = time > 0 ? size_bytes / time : 0.0;
  r.set_algbw_gb_per_s(algbw / 1e9);
  r.set_busbw_gb_per_s(algbw * (n - 1.0) / n / 1e9);
  r.set_num_events(runner.num_events());
  const auto& bytes = runner.link_bytes();
  std::vector<uint32_t> order(t.num_links());
  std::iota(order.begin(), order.end(), 0u);
  auto util = [&](uint32_t l) { return time > 0 ? bytes[l] / (t.link_bandwidth(l) * time) : 0.0; };
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return util(a) > util(b); });
  r.set_max_link_utilization(order.empty() ? 0.0 : util(order[0]));
  for (int i = 0; i < opt.top_links && i < static_cast<int>(order.size()); ++i) {
    const uint32_t l = order[i];
    if (bytes[l] <= 0) break;
    auto* lu = r.add_busiest_links();
    lu->set_name(t.link_name(l));
    lu->set_link_class(link_class_name(t.link_class(l)));
    lu->set_bandwidth_bytes_per_s(t.link_bandwidth(l));
    lu->set_bytes(bytes[l]);
    lu->set_busy_time_s(runner.link_busy_s()[l]);
    lu->set_utilization(util(l));
  }
  return r;
}

}  // namespace moesim
