#include "sim/topology/presets.h"

#include <cmath>
#include <filesystem>

#include "sim/topology/dot_io.h"
#include "sim/topology/nccl_xml.h"
#include "sim/topology/units.h"

namespace moesim {
namespace {

// ---- Default figures and where they come from ----
// NVLink 4 (H100/H200 SXM): 900 GB/s bidirectional per GPU -> 450 GB/s per direction
//   (NVIDIA H100 Tensor Core GPU datasheet; DGX H100/H200 user guide).
// H800 SXM: NVLink limited to 400 GB/s bidirectional -> 200 GB/s per direction; DeepEP's README
//   quotes ~160 GB/s achievable NVLink and ~50 GB/s per CX7 400 Gb/s NIC on its H800 testbed.
// NVLink 5 (GB200 NVL72): 1.8 TB/s bidirectional per GPU -> 900 GB/s per direction
//   (NVIDIA GB200 NVL72 product page).
// NIC: ConnectX-7 400 Gb/s InfiniBand NDR, one per GPU in DGX H100 (DGX H100 datasheet).
// PCIe Gen5 x16 between GPU and NIC: 64 GB/s per direction (PCI-SIG Gen5 32 GT/s x16, raw).
// Latencies are orders of magnitude for one hop (NVSwitch or PCIe traversal ~0.25 us; an IB
//   switch hop with cables and NIC ~0.5 us); they matter only for small messages and are
//   replaced by `moeprof fit` calibrations.
struct Figures {
  double nvlink_bw, nic_bw, pcie_bw;
  Seconds nvlink_lat, pcie_lat, net_lat;
};
constexpr Figures kH100{450e9, 50e9, 64e9, 0.25e-6, 0.25e-6, 0.5e-6};
constexpr Figures kH800{200e9, 50e9, 64e9, 0.25e-6, 0.25e-6, 0.5e-6};

// Typed access to "key=value" preset parameters; remembers which keys were read so unknown
// keys are reported.
class Params {
 public:
  Params(const PresetParams& p, const std::string& source, const std::vector<std::string>& known)
      : p_(p), source_(source) {
    for (const auto& [k, v] : p) {
      bool found = false;
      std::string list;
      for (const auto& kd : known) {
        const std::string key = kd.substr(0, kd.find('='));
        found |= key == k;
        list += (list.empty() ? "" : ", ") + key;
      }
      if (!found && error_.empty()) error_ = "unknown parameter '" + k + "' (this preset takes: " + list + ")";
    }
  }
  const std::string& error() const { return error_; }

  int integer(const std::string& key, int def, int min_value = 1) {
    auto it = p_.find(key);
    if (it == p_.end()) return def;
    char* end = nullptr;
    const long v = std::strtol(it->second.c_str(), &end, 10);
    if (end == it->second.c_str() || *end != '\0' || v < min_value || v > 1000000) {
      fail(key, "must be an integer >= " + std::to_string(min_value) + " and <= 1000000, got '" + it->second + "'");
      return def;
    }
    return static_cast<int>(v);
  }
  double number(const std::string& key, double def, double min_value) {
    auto it = p_.find(key);
    if (it == p_.end()) return def;
    char* end = nullptr;
    const double v = std::strtod(it->second.c_str(), &end);
    if (end == it->second.c_str() || *end != '\0' || !(v >= min_value) || !std::isfinite(v)) {
      fail(key, "must be a number >= " + std::to_string(min_value) + ", got '" + it->second + "'");
      return def;
    }
    return v;
  }
  double bandwidth(const std::string& key, double def) {
    auto it = p_.find(key);
    if (it == p_.end()) return def;
    auto r = parse_bandwidth(it->second);
    if (!r.ok()) { fail(key, r.message()); return def; }
    if (!(*r > 0)) { fail(key, "bandwidth must be positive"); return def; }
    return *r;
  }
  Seconds duration(const std::string& key, Seconds def) {
    auto it = p_.find(key);
    if (it == p_.end()) return def;
    auto r = parse_duration(it->second);
    if (!r.ok()) { fail(key, r.message()); return def; }
    if (!(*r >= 0)) { fail(key, "latency must be non-negative"); return def; }
    return *r;
  }
  std::string text(const std::string& key, const std::string& def) {
    auto it = p_.find(key);
    return it == p_.end() ? def : it->second;
  }
  void fail(const std::string& key, const std::string& what) {
    if (error_.empty()) error_ = "parameter " + key + ": " + what;
  }
  Error as_error() const { return make_error(source_, "", error_); }

 private:
  const PresetParams& p_;
  std::string source_;
  std::string error_;
};

// Refuses sizes that would not fit in memory, with an estimate, before building anything.
Status check_size(const std::string& source, double num_gpus) {
  constexpr double kMaxGpus = 1 << 20;
  if (num_gpus > kMaxGpus) {
    return make_error(source, "", "topology with " + std::to_string(static_cast<long long>(num_gpus)) +
                                      " GPUs refused: at least ~" +
                                      std::to_string(static_cast<long long>(num_gpus * 600 / 1e9)) +
                                      " GB for the graph alone; moesim supports up to 1,048,576 GPUs");
  }
  return {};
}

// Node-level parts shared by the NVSwitch presets: GPUs on one NVSwitch plane, one NIC per GPU
// over PCIe. Returns the NIC vertex of each local GPU.
std::vector<int> add_nvswitch_node(Topology& t, int node, int gpus, double nvlink_bw, Seconds nvlink_lat,
                                   double pcie_bw, Seconds pcie_lat, bool with_nics) {
  const std::string n = "n" + std::to_string(node);
  const int sw = t.add_vertex(VertexKind::kNvSwitch, n + ".nvswitch", node, 1);
  std::vector<int> nics;
  for (int g = 0; g < gpus; ++g) {
    const int gpu = t.add_vertex(VertexKind::kGpu, n + ".gpu" + std::to_string(g), node, 0);
    t.add_duplex(gpu, sw, nvlink_bw, nvlink_lat, LinkClass::kNvlink);
    if (with_nics) {
      const int nic = t.add_vertex(VertexKind::kNic, n + ".nic" + std::to_string(g), node, 1);
      t.add_duplex(gpu, nic, pcie_bw, pcie_lat, LinkClass::kPcie);
      nics.push_back(nic);
    }
  }
  return nics;
}

// Rail-optimised fabric: NIC of local rank r on every node goes to rail r's leaf (leaves of
// `leaf_radix` nodes each); leaves join through spines for traffic between rails or groups.
Result<std::unique_ptr<Topology>> build_rail_like(const PresetParams& pp, const std::string& source,
                                                  const std::vector<std::string>& known, const Figures& fig,
                                                  int default_nodes, const std::string& name) {
  Params p(pp, source, known);
  const int nodes = p.integer("nodes", default_nodes);
  const int gpn = p.integer("gpus_per_node", 8);
  const double nvlink_bw = p.bandwidth("nvlink_bw", fig.nvlink_bw);
  const double nic_bw = p.bandwidth("nic_bw", fig.nic_bw);
  const double pcie_bw = p.bandwidth("pcie_bw", fig.pcie_bw);
  const int leaf_radix = p.integer("leaf_radix", 32);
  const double oversub = p.number("oversubscription", 1.0, 1.0);
  const Seconds nvlink_lat = p.duration("nvlink_latency", fig.nvlink_lat);
  const Seconds net_lat = p.duration("net_latency", fig.net_lat);
  if (!p.error().empty()) return p.as_error();
  MOESIM_RETURN_IF_ERROR(check_size(source, static_cast<double>(nodes) * gpn));
  auto t = std::make_unique<Topology>(name);
  std::vector<std::vector<int>> nics(nodes);
  for (int n = 0; n < nodes; ++n) {
    nics[n] = add_nvswitch_node(*t, n, gpn, nvlink_bw, nvlink_lat, pcie_bw, fig.pcie_lat, nodes > 1);
  }
  if (nodes > 1) {
    const int groups = (nodes + leaf_radix - 1) / leaf_radix;
    std::vector<std::vector<int>> leaf(gpn, std::vector<int>(groups));
    for (int r = 0; r < gpn; ++r) {
      for (int g = 0; g < groups; ++g) {
        leaf[r][g] = t->add_vertex(VertexKind::kSwitch, "rail" + std::to_string(r) + ".leaf" + std::to_string(g), -1, 2);
      }
    }
    for (int n = 0; n < nodes; ++n) {
      for (int r = 0; r < gpn; ++r) t->add_duplex(nics[n][r], leaf[r][n / leaf_radix], nic_bw, net_lat, LinkClass::kNetwork);
    }
    // Spines: as many as GPUs per node; each leaf spreads its downlink bandwidth over them,
    // divided by the oversubscription ratio.
    const int spines = p.integer("spines", gpn);
    std::vector<int> spine(spines);
    for (int s = 0; s < spines; ++s) spine[s] = t->add_vertex(VertexKind::kSwitch, "spine" + std::to_string(s), -1, 3);
    for (int r = 0; r < gpn; ++r) {
      for (int g = 0; g < groups; ++g) {
        const int down = std::min(leaf_radix, nodes - g * leaf_radix);
        const double up_bw = down * nic_bw / (spines * oversub);
        for (int s = 0; s < spines; ++s) t->add_duplex(leaf[r][g], spine[s], up_bw, net_lat, LinkClass::kNetwork);
      }
    }
  }
  MOESIM_RETURN_IF_ERROR(t->finalize(source));
  return t;
}

const std::vector<std::string> kRailParams = {
    "nodes=8", "gpus_per_node=8", "nvlink_bw=450GB/s", "nic_bw=400Gb/s", "pcie_bw=64GB/s",
    "leaf_radix=32", "spines=<gpus_per_node>", "oversubscription=1", "nvlink_latency=0.25us", "net_latency=0.5us"};

Result<std::unique_ptr<Topology>> build_dgx_h100(const PresetParams& p, const std::string& s) {
  auto params = kRailParams;
  params[0] = "nodes=1";
  return build_rail_like(p, s, params, kH100, 1, "dgx-h100");
}
Result<std::unique_ptr<Topology>> build_dgx_h800(const PresetParams& p, const std::string& s) {
  auto params = kRailParams;
  params[0] = "nodes=1";
  params[2] = "nvlink_bw=200GB/s";
  return build_rail_like(p, s, params, kH800, 1, "dgx-h800");
}
Result<std::unique_ptr<Topology>> build_rail(const PresetParams& p, const std::string& s) {
  return build_rail_like(p, s, kRailParams, kH100, 8, "rail");
}

const std::vector<std::string> kFatTreeParams = {
    "nodes=16", "gpus_per_node=8", "nodes_per_leaf=4", "spines=8", "oversubscription=1",
    "nvlink_bw=450GB/s", "nic_bw=400Gb/s", "pcie_bw=64GB/s", "nvlink_latency=0.25us", "net_latency=0.5us"};

// Two-tier leaf/spine: all NICs of a node on the node's leaf, leaves to every spine with
// uplink = downlink / oversubscription.
Result<std::unique_ptr<Topology>> build_fat_tree(const PresetParams& pp, const std::string& source) {
  Params p(pp, source, kFatTreeParams);
  const int nodes = p.integer("nodes", 16);
  const int gpn = p.integer("gpus_per_node", 8);
  const int per_leaf = p.integer("nodes_per_leaf", 4);
  const int spines = p.integer("spines", 8);
  const double oversub = p.number("oversubscription", 1.0, 1.0);
  const double nvlink_bw = p.bandwidth("nvlink_bw", kH100.nvlink_bw);
  const double nic_bw = p.bandwidth("nic_bw", kH100.nic_bw);
  const double pcie_bw = p.bandwidth("pcie_bw", kH100.pcie_bw);
  const Seconds nvlink_lat = p.duration("nvlink_latency", kH100.nvlink_lat);
  const Seconds net_lat = p.duration("net_latency", kH100.net_lat);
  if (!p.error().empty()) return p.as_error();
  MOESIM_RETURN_IF_ERROR(check_size(source, static_cast<double>(nodes) * gpn));
  auto t = std::make_unique<Topology>("fat-tree");
  const int leaves = (nodes + per_leaf - 1) / per_leaf;
  std::vector<int> leaf(leaves), spine(spines);
  std::vector<std::vector<int>> nics(nodes);
  for (int n = 0; n < nodes; ++n) nics[n] = add_nvswitch_node(*t, n, gpn, nvlink_bw, nvlink_lat, pcie_bw, kH100.pcie_lat, true);
  for (int l = 0; l < leaves; ++l) leaf[l] = t->add_vertex(VertexKind::kSwitch, "leaf" + std::to_string(l), -1, 2);
  for (int s = 0; s < spines; ++s) spine[s] = t->add_vertex(VertexKind::kSwitch, "spine" + std::to_string(s), -1, 3);
  for (int n = 0; n < nodes; ++n) {
    for (int g = 0; g < gpn; ++g) t->add_duplex(nics[n][g], leaf[n / per_leaf], nic_bw, net_lat, LinkClass::kNetwork);
  }
  for (int l = 0; l < leaves; ++l) {
    const int down_nodes = std::min(per_leaf, nodes - l * per_leaf);
    const double up_bw = down_nodes * gpn * nic_bw / (spines * oversub);
    for (int s = 0; s < spines; ++s) t->add_duplex(leaf[l], spine[s], up_bw, net_lat, LinkClass::kNetwork);
  }
  MOESIM_RETURN_IF_ERROR(t->finalize(source));
  return t;
}

const std::vector<std::string> kNvl72Params = {"racks=1", "gpus=72", "nvlink_bw=900GB/s", "nic_bw=400Gb/s",
                                               "pcie_bw=64GB/s", "nvlink_latency=0.25us", "net_latency=0.5us"};

// One NVLink domain per rack (NVL72: 72 GPUs, 18 NVSwitch trays drawn as one switch plane);
// racks join through a rail-less leaf per rack and spines (one per GPU of a rack / 8).
Result<std::unique_ptr<Topology>> build_nvl72(const PresetParams& pp, const std::string& source) {
  Params p(pp, source, kNvl72Params);
  const int racks = p.integer("racks", 1);
  const int gpus = p.integer("gpus", 72);
  const double nvlink_bw = p.bandwidth("nvlink_bw", 900e9);
  const double nic_bw = p.bandwidth("nic_bw", 50e9);
  const double pcie_bw = p.bandwidth("pcie_bw", 64e9);
  const Seconds nvlink_lat = p.duration("nvlink_latency", 0.25e-6);
  const Seconds net_lat = p.duration("net_latency", 0.5e-6);
  if (!p.error().empty()) return p.as_error();
  MOESIM_RETURN_IF_ERROR(check_size(source, static_cast<double>(racks) * gpus));
  auto t = std::make_unique<Topology>("nvl72");
  std::vector<std::vector<int>> nics(racks);
  for (int r = 0; r < racks; ++r) nics[r] = add_nvswitch_node(*t, r, gpus, nvlink_bw, nvlink_lat, pcie_bw, 0.25e-6, racks > 1);
  if (racks > 1) {
    const int spines = std::max(1, gpus / 8);
    std::vector<int> leaf(racks), spine(spines);
    for (int r = 0; r < racks; ++r) leaf[r] = t->add_vertex(VertexKind::kSwitch, "leaf" + std::to_string(r), -1, 2);
    for (int s = 0; s < spines; ++s) spine[s] = t->add_vertex(VertexKind::kSwitch, "spine" + std::to_string(s), -1, 3);
    for (int r = 0; r < racks; ++r) {
      for (int g = 0; g < gpus; ++g) t->add_duplex(nics[r][g], leaf[r], nic_bw, net_lat, LinkClass::kNetwork);
      for (int s = 0; s < spines; ++s) t->add_duplex(leaf[r], spine[s], gpus * nic_bw / spines, net_lat, LinkClass::kNetwork);
    }
  }
  MOESIM_RETURN_IF_ERROR(t->finalize(source));
  return t;
}

// Torus: GPUs are the routers, each linked to its two neighbours in every dimension (with
// wrap-around). "dims=4x4" or "dims=4x4x4". The 100 GB/s default per link and direction is a
// round figure, not a product's: set link_bw for the system at hand.
Result<std::unique_ptr<Topology>> build_torus(const PresetParams& pp, const std::string& source, int ndims) {
  const std::vector<std::string> known = {ndims == 2 ? "dims=4x4" : "dims=4x4x4", "link_bw=100GB/s", "latency=0.5us"};
  Params p(pp, source, known);
  const std::string dims_text = p.text("dims", ndims == 2 ? "4x4" : "4x4x4");
  const double bw = p.bandwidth("link_bw", 100e9);
  const Seconds lat = p.duration("latency", 0.5e-6);
  std::vector<int> dims;
  {
    size_t start = 0;
    while (start <= dims_text.size()) {
      const size_t x = dims_text.find('x', start);
      const std::string part = dims_text.substr(start, x == std::string::npos ? std::string::npos : x - start);
      char* end = nullptr;
      const long v = std::strtol(part.c_str(), &end, 10);
      if (part.empty() || *end != '\0' || v < 2 || v > 100000) {
        p.fail("dims", "expected " + std::to_string(ndims) + " sizes >= 2 joined by 'x', got '" + dims_text + "'");
        break;
      }
      dims.push_back(static_cast<int>(v));
      if (x == std::string::npos) break;
      start = x + 1;
    }
    if (p.error().empty() && static_cast<int>(dims.size()) != ndims) {
      p.fail("dims", "expected " + std::to_string(ndims) + " sizes, got '" + dims_text + "'");
    }
  }
  if (!p.error().empty()) return p.as_error();
  double total = 1;
  for (int d : dims) total *= d;
  MOESIM_RETURN_IF_ERROR(check_size(source, total));
  const int n = static_cast<int>(total);
  auto t = std::make_unique<Topology>(ndims == 2 ? "torus2d" : "torus3d");
  for (int i = 0; i < n; ++i) t->add_vertex(VertexKind::kGpu, "gpu" + std::to_string(i), i, 0);
  std::vector<int> stride(ndims, 1);
  for (int d = 1; d < ndims; ++d) stride[d] = stride[d - 1] * dims[d - 1];
  for (int i = 0; i < n; ++i) {
    for (int d = 0; d < ndims; ++d) {
      const int coord = (i / stride[d]) % dims[d];
      const int next = i + (((coord + 1) % dims[d]) - coord) * stride[d];
      // A size-2 ring has one neighbour each way; link it once.
      if (dims[d] == 2 && coord == 1) continue;
      t->add_duplex(i, next, bw, lat, LinkClass::kNvlink);
    }
  }
  MOESIM_RETURN_IF_ERROR(t->finalize(source));
  return t;
}

Result<std::unique_ptr<Topology>> build_torus2d(const PresetParams& p, const std::string& s) { return build_torus(p, s, 2); }
Result<std::unique_ptr<Topology>> build_torus3d(const PresetParams& p, const std::string& s) { return build_torus(p, s, 3); }

// A star: GPUs on one switch. The textbook case for closed forms.
Result<std::unique_ptr<Topology>> build_star(const PresetParams& pp, const std::string& source) {
  Params p(pp, source, {"gpus=8", "link_bw=100GB/s", "latency=1us"});
  const int gpus = p.integer("gpus", 8, 2);
  const double bw = p.bandwidth("link_bw", 100e9);
  const Seconds lat = p.duration("latency", 1e-6);
  if (!p.error().empty()) return p.as_error();
  MOESIM_RETURN_IF_ERROR(check_size(source, gpus));
  auto t = std::make_unique<Topology>("star");
  const int sw = t->add_vertex(VertexKind::kSwitch, "switch", -1, 2);
  for (int g = 0; g < gpus; ++g) {
    const int v = t->add_vertex(VertexKind::kGpu, "gpu" + std::to_string(g), g, 0);
    t->add_duplex(v, sw, bw, lat, LinkClass::kNetwork);
  }
  MOESIM_RETURN_IF_ERROR(t->finalize(source));
  return t;
}

}  // namespace

const std::vector<PresetInfo>& topology_presets() {
  static const std::vector<PresetInfo> table = [] {
    auto one_node = kRailParams;
    one_node[0] = "nodes=1";
    auto h800 = one_node;
    h800[2] = "nvlink_bw=200GB/s";
    return std::vector<PresetInfo>{
        {"dgx-h100", "NVSwitch nodes of 8 H100/H200 (NVLink 4, 450 GB/s/dir), CX-7 400 Gb/s per GPU; rail fabric when nodes>1", one_node, build_dgx_h100},
        {"dgx-h200", "same fabric as dgx-h100 (H200 keeps NVLink 4)", one_node, build_dgx_h100},
        {"dgx-h800", "H800 nodes as in DeepEP's testbed: NVLink 200 GB/s/dir, CX-7 400 Gb/s per GPU, rail fabric", h800, build_dgx_h800},
        {"rail", "multi-node rail-optimised fabric: NIC r of every node on rail leaf r, leaves joined by spines", kRailParams, build_rail},
        {"fat-tree", "two-tier leaf/spine fat-tree with oversubscription, NVSwitch nodes", kFatTreeParams, build_fat_tree},
        {"nvl72", "one NVLink 5 domain of 72 GPUs (GB200 NVL72 style), racks joined by a leaf/spine network", kNvl72Params, build_nvl72},
        {"torus2d", "2D torus, GPUs as routers (dims=AxB)", {"dims=4x4", "link_bw=100GB/s", "latency=0.5us"}, build_torus2d},
        {"torus3d", "3D torus, GPUs as routers (dims=AxBxC)", {"dims=4x4x4", "link_bw=100GB/s", "latency=0.5us"}, build_torus3d},
        {"star", "GPUs on a single switch (for closed-form checks)", {"gpus=8", "link_bw=100GB/s", "latency=1us"}, build_star},
    };
  }();
  return table;
}

Result<TopologySpec> parse_topology_arg(const std::string& arg) {
  TopologySpec spec;
  if (arg.empty()) return Error{"--topology: empty value"};
  const std::string ext = std::filesystem::path(arg).extension().string();
  if (ext == ".dot" || ext == ".gv" || ext == ".xml") {  // .xml: NCCL topology XML (nccl_xml.h)
    spec.set_dot_file(arg);
    return spec;
  }
  const size_t colon = arg.find(':');
  spec.set_preset(arg.substr(0, colon));
  if (colon != std::string::npos) {
    std::string rest = arg.substr(colon + 1);
    size_t start = 0;
    while (start < rest.size()) {
      size_t comma = rest.find(',', start);
      if (comma == std::string::npos) comma = rest.size();
      const std::string kv = rest.substr(start, comma - start);
      const size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        return Error{"--topology: expected key=value after ':', got '" + kv + "' in '" + arg + "'"};
      }
      (*spec.mutable_params())[kv.substr(0, eq)] = kv.substr(eq + 1);
      start = comma + 1;
    }
  }
  return spec;
}

Result<std::unique_ptr<Topology>> build_topology(const TopologySpec& spec, const std::string& source,
                                                 const std::string& base_dir) {
  if (!spec.dot_file().empty()) {
    if (!spec.preset().empty()) return make_error(source, "topology", "give either preset or dot_file, not both");
    std::filesystem::path path(spec.dot_file());
    if (path.is_relative() && !base_dir.empty()) path = std::filesystem::path(base_dir) / path;
    if (path.extension() == ".xml") return load_topology_nccl_xml(path.string());
    return load_topology_dot(path.string());
  }
  std::string names;
  for (const auto& p : topology_presets()) {
    if (spec.preset() == p.name) {
      PresetParams params(spec.params().begin(), spec.params().end());
      return p.build(params, source.empty() ? std::string("topology ") + p.name : source + ": topology " + p.name);
    }
    names += (names.empty() ? "" : ", ") + std::string(p.name);
  }
  return make_error(source, "topology", "unknown preset '" + spec.preset() + "' (known: " + names + ")");
}

}  // namespace moesim
