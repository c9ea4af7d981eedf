// GraphViz DOT import and export of topologies.
//
// Import (boost::read_graphviz): vertex attribute `kind` = gpu | nvswitch | nic | switch
// (required), optional `rank` (GPU rank; otherwise GPUs take ranks in file order) and `host`
// (node index; otherwise inferred from NVLink/PCIe connectivity; `node` is a DOT keyword). Edge attributes `bandwidth`
// (GB/s, Gb/s, Gbps, MB/s, TB/s or plain bytes/s; required), `latency` (ns, us, ms, s or plain
// seconds; default 0) and optional `class` = nvlink | pcie | network (default from the kinds of
// its ends). Values with units or exponents must be quoted ("400Gb/s", "1e-6"): unquoted,
// DOT would split them. In an undirected `graph` each edge is a full-duplex link (each direction has the
// full bandwidth); in a `digraph` each edge is one direction. Other attributes are ignored.
// Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "sim/topology/topology.h"

namespace moesim {

Result<std::unique_ptr<Topology>> parse_topology_dot(const std::string& text, const std::string& source);
Result<std::unique_ptr<Topology>> load_topology_dot(const std::string& path);

// Writes a finalized topology as a `digraph` that parse_topology_dot reads back identically.
std::string topology_to_dot(const Topology& t);

}  // namespace moesim
