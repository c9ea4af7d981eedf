// Point-to-point ping-pong to classify links: rank 0 with the first rank on its own node
// ("same-node") and with the first rank on another node ("other-node").
#include "profiler/benchmarks.h"

namespace moesim::profiler {

void run_p2p(Harness& h, const SweepOptions& o) {
  const int n = h.comm().size();
  if (n < 2) return;
  if (auto st = h.backend().reserve(static_cast<std::size_t>(o.max_bytes)); !st.ok()) h.fail("p2p", st.message());
  auto node = [&](int r) { return r < static_cast<int>(o.rank_node.size()) ? o.rank_node[r] : 0; };
  std::vector<std::pair<int, std::string>> peers;
  for (int r = 1; r < n; ++r) {
    if (node(r) == node(0)) {
      peers.push_back({r, "same-node"});
      break;
    }
  }
  for (int r = 1; r < n; ++r) {
    if (node(r) != node(0)) {
      peers.push_back({r, "other-node"});
      break;
    }
  }
  for (const auto& [peer, cls] : peers) {
    const std::string pair = "0<->" + std::to_string(peer) + " " + cls;
    h.begin_table("p2p ping-pong " + pair + " (one-way time = round trip / 2), " + h.backend().implementation("p2p"),
                  kCommColumns);
    uint32_t index = 0;
    for (double size = o.min_bytes; size <= o.max_bytes; size *= 2) {
      ProfileRecord r;
      r.set_benchmark("p2p");
      r.set_case_name(pair);
      r.set_index(index++);
      r.set_num_ranks(2);
      r.set_src_rank(0);
      r.set_dst_rank(peer);
      r.set_link_class(cls);
      r.set_size_bytes(size);
      const std::size_t bytes = static_cast<std::size_t>(size);
      h.measure(r, [&, p = peer] { return h.backend().pingpong(0, p, bytes); });
    }
  }
}

}  // namespace moesim::profiler
