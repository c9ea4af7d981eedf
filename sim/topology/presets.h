// Built-in cluster topologies with parameters. Chosen by name from the table presets() that
// `moesim topology --help` prints. Each preset's default figures cite their public source in
// presets.cc. Parameters use units ("nic_bw=400Gb/s", "latency=1us").
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/topology/topology.h"
#include "traces/proto/cluster.pb.h"

namespace moesim {

using PresetParams = std::map<std::string, std::string>;

struct PresetInfo {
  const char* name;
  const char* description;
  // Parameter names with defaults, "key=default" (for --help and validation).
  std::vector<std::string> params;
  Result<std::unique_ptr<Topology>> (*build)(const PresetParams& params, const std::string& source);
};

const std::vector<PresetInfo>& topology_presets();

// "rail:nodes=16,nic_bw=200Gb/s" -> preset "rail" with two params.
Result<TopologySpec> parse_topology_arg(const std::string& arg);

// Builds the topology a spec names: a preset (params validated against the preset's list) or
// a DOT file (relative to base_dir when not absolute). `source` names the spec in errors.
Result<std::unique_ptr<Topology>> build_topology(const TopologySpec& spec, const std::string& source,
                                                 const std::string& base_dir = "");

}  // namespace moesim
