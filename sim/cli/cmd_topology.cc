// `moesim topology`: builds a preset or DOT topology, prints a summary or its DOT.
#include <cstdio>
#include <iostream>
#include <map>

#include "sim/cli/commands.h"
#include "sim/cli/flags.h"
#include "sim/topology/bisection.h"
#include "sim/topology/dot_io.h"
#include "sim/topology/presets.h"
#include "sim/topology/router.h"
#include "sim/topology/units.h"
#include "traces/file_io.h"

namespace moesim::cli {

void print_topology_presets(std::ostream& o) {
  o << "topology presets (PRESET[:key=value,...]):\n";
  for (const auto& p : topology_presets()) {
    o << "  " << p.name << "\n      " << p.description << "\n      params:";
    for (const auto& kv : p.params) o << " " << kv;
    o << "\n";
  }
  o << "  FILE.dot / FILE.gv\n      a GraphViz DOT file (README: Topology DOT format)\n";
  o << "  FILE.xml\n      a node topology NCCL wrote with NCCL_TOPO_DUMP_FILE (docs/FORMATS.md)\n";
}

int run_topology(const Args& args) {
  FlagSet flags("topology");
  flags.toggle("--dot").toggle("--json").value("--out").toggle("--no-bisection");
  if (auto st = flags.parse(args); !st.ok()) return print_error(st.error());
  if (!flags.help() && flags.positional().empty()) {
    return print_error(Error{"topology: no topology given: a preset such as rail:nodes=2, or FILE.dot / FILE.xml "
                             "(moesim topology --help lists them)"});
  }
  if (flags.help() || flags.positional().empty()) {
    std::cout << "usage: moesim topology PRESET[:key=value,...]|FILE.dot|FILE.xml [--dot] [--out FILE.dot] [--json]\n\n"
                 "Builds a topology and prints a summary (GPUs, nodes, links by class, bisection\n"
                 "bandwidth); --dot prints it as GraphViz DOT, --out writes the DOT to a file.\n\n";
    print_topology_presets(std::cout);
    return flags.help() ? 0 : 2;
  }
  if (flags.positional().size() != 1) return print_error(Error{"topology: give exactly one topology"});
  auto spec = parse_topology_arg(flags.positional()[0]);
  if (!spec.ok()) return print_error(spec.error());
  auto topo = build_topology(*spec, "");
  if (!topo.ok()) return print_error(topo.error());
  const Topology& t = **topo;
  if (t.num_gpus() <= 4096) {
    Router router(t, EcmpMode::kSplit);
    if (auto st = router.check_all_pairs(flags.positional()[0]); !st.ok()) return print_error(st.error());
  }
  if (auto out = flags.get("--out")) {
    if (auto st = write_file_atomic(*out, topology_to_dot(t)); !st.ok()) return print_error(st.error());
  }
  if (flags.on("--dot")) {
    std::cout << topology_to_dot(t);
    return 0;
  }
  std::map<std::string, int> kinds;
  for (int v = 0; v < t.num_vertices(); ++v) ++kinds[vertex_kind_name(t.vertex(v).kind)];
  std::map<std::string, std::pair<int, double>> classes;  // links, total bandwidth
  for (int l = 0; l < t.num_links(); ++l) {
    auto& c = classes[link_class_name(t.link_class(l))];
    ++c.first;
    c.second += t.link_bandwidth(l);
  }
  const bool bisect = !flags.on("--no-bisection") && t.num_vertices() <= 200000;
  const double bisection = bisect ? bisection_bandwidth(t) : 0.0;
  if (flags.on("--json")) {
    std::printf("{\"name\": \"%s\", \"num_gpus\": %d, \"num_nodes\": %d, \"gpus_per_node\": %d, \"num_vertices\": %d, "
                "\"num_links\": %d, \"bisection_bandwidth_bytes_per_s\": %.6g}\n",
                t.name().c_str(), t.num_gpus(), t.num_nodes(), t.gpus_per_node(), t.num_vertices(), t.num_links(),
                bisection);
    return 0;
  }
  std::printf("topology %s\n", t.name().c_str());
  std::printf("  GPUs            %d on %d node(s)%s\n", t.num_gpus(), t.num_nodes(),
              t.gpus_per_node() ? (", " + std::to_string(t.gpus_per_node()) + " per node").c_str() : " (uneven)");
  std::printf("  vertices        %d:", t.num_vertices());
  for (const auto& [k, c] : kinds) std::printf(" %d %s", c, k.c_str());
  std::printf("\n  directed links  %d\n", t.num_links());
  for (const auto& [k, c] : classes) {
    std::printf("    %-8s %6d links, %s each on average\n", k.c_str(), c.first, format_bandwidth(c.second / c.first).c_str());
  }
  if (bisect) {
    std::printf("  bisection       %s (ranks 0..%d -> %d..%d, max-flow)\n", format_bandwidth(bisection).c_str(),
                t.num_gpus() / 2 - 1, t.num_gpus() / 2, t.num_gpus() - 1);
  }
  return 0;
}

}  // namespace moesim::cli
