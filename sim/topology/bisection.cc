#include "sim/topology/bisection.h"

#include <limits>

#include <boost/graph/push_relabel_max_flow.hpp>

namespace moesim {

double bisection_bandwidth(const Topology& t) {
  using Traits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
  using Graph = boost::adjacency_list<
      boost::vecS, boost::vecS, boost::directedS, boost::no_property,
      boost::property<boost::edge_capacity_t, double,
                      boost::property<boost::edge_residual_capacity_t, double,
                                      boost::property<boost::edge_reverse_t, Traits::edge_descriptor>>>>;
  const int n = t.num_gpus();
  if (n < 2) return 0;
  Graph g(t.num_vertices() + 2);
  const int source = t.num_vertices(), sink = t.num_vertices() + 1;
  auto cap = boost::get(boost::edge_capacity, g);
  auto rev = boost::get(boost::edge_reverse, g);
  auto add = [&](int a, int b, double c) {
    auto e = boost::add_edge(a, b, g).first;
    auto r = boost::add_edge(b, a, g).first;
    cap[e] = c;
    cap[r] = 0;
    rev[e] = r;
    rev[r] = e;
  };
  for (int l = 0; l < t.num_links(); ++l) {
    // Traffic may only pass through vertices that forward (and leave/enter at GPUs).
    add(t.link_src(l), t.link_dst(l), t.link_bandwidth(l));
  }
  const double inf = std::numeric_limits<double>::max() / 4;
  for (int r = 0; r < n; ++r) {
    if (r < n / 2) add(source, t.gpu_vertex(r), inf);
    else add(t.gpu_vertex(r), sink, inf);
  }
  return boost::push_relabel_max_flow(g, source, sink);
}

}  // namespace moesim
