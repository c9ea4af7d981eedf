#include "sim/moe/scenario.h"

#include <cmath>
#include <filesystem>

#include <unistd.h>

#include "sim/collectives/alltoall.h"
#include "traces/proto_io.h"

namespace moesim {

const char* default_scenario_text() {
  // DeepSeek-V3 (technical report, arXiv 2412.19437, and its config.json): 61 layers, the first 3
  // dense; 256 routed + 1 shared expert of width 2048; top-8 of 8 groups, 4 groups per token;
  // hidden 7168; 128 heads; FP8 dispatch, BF16 combine. Cluster: 8 DGX H100-style nodes on a
  // rail fabric, EP64. Routing: Zipf-skewed popularity with node-limited routing (4 nodes).
  return R"(name: "deepseek-v3-ep64-h100"
mode: "training"
steps: 1
seed: 1
model {
  name: "DeepSeek-V3"
  num_layers: 61
  first_k_dense: 3
  moe_layer_interval: 1
  hidden_size: 7168
  moe_intermediate_size: 2048
  dense_intermediate_size: 18432
  num_routed_experts: 256
  num_shared_experts: 1
  top_k: 8
  n_group: 8
  topk_group: 4
  scoring_func: "sigmoid"
  num_attention_heads: 128
  head_dim: 128
  seq_len: 4096
  dispatch_bytes_per_element: 1
  combine_bytes_per_element: 2
  weight_bytes_per_element: 2
  gated_ffn: true
}
parallel {
  ep: 64
  dp: 1
  tp: 1
  tokens_per_gpu: 4096
  micro_batches: 1
  overlap: false
}
topology {
  preset: "rail"
  params { key: "nodes" value: "8" }
  ecmp: "split"
}
algorithm: "rail"
network: "flow"
routing {
  model: "zipf"
  zipf_exponent: 0.5
  max_nodes_per_token: 4
  sampled_tokens_per_gpu: 256
}
placement {
  policy: "contiguous"
}
hardware {
  name: "h100"
}
)";
}

const Scenario& default_scenario() {
  static const Scenario s = [] {
    Scenario sc;
    auto st = parse_proto(default_scenario_text(), ProtoFormat::kText, "<default scenario>", &sc);
    if (!st.ok()) std::abort();  // the embedded text is part of the program
    return sc;
  }();
  return s;
}

Result<Scenario> load_scenario(const std::string& path) {
  Scenario file;
  MOESIM_RETURN_IF_ERROR(load_proto(path, &file));
  Scenario s = default_scenario();
  // A file that names a topology replaces the default's (params are a map: merging would mix).
  // Likewise a model: proto3 cannot tell a written 0/false from an absent field, so merging
  // would keep DeepSeek-V3's first_k_dense 3, shared expert, groups and gated FFN under a
  // model that sets them to 0/false (Mixtral, GPT-MoE) - a silently different model.
  if (file.has_topology()) s.clear_topology();
  if (file.has_model()) s.clear_model();
  if (file.has_routing()) s.clear_routing();
  s.MergeFrom(file);
  const auto dir = std::filesystem::path(path).parent_path();
  auto resolve = [&](std::string* p) {
    if (!p->empty() && std::filesystem::path(*p).is_relative()) *p = (dir / *p).string();
  };
  resolve(s.mutable_topology()->mutable_dot_file());
  resolve(s.mutable_routing()->mutable_trace_file());
  resolve(s.mutable_placement()->mutable_file());
  resolve(s.mutable_calibration_file());
  return s;
}

std::vector<bool> moe_layer_mask(const ModelSpec& m) {
  std::vector<bool> mask(m.num_layers(), false);
  const uint32_t interval = std::max(1u, m.moe_layer_interval());
  for (uint32_t l = m.first_k_dense(); l < m.num_layers(); ++l) {
    // Every interval-th layer after the dense prefix, counting the last of each run (GShard
    // places MoE on every other layer: layers 1, 3, 5, ... with interval 2).
    mask[l] = ((l - m.first_k_dense() + 1) % interval) == 0;
  }
  return mask;
}

Status validate_scenario(const Scenario& s, const std::string& src) {
  auto err = [&](const std::string& field, const std::string& what) { return make_error(src, field, what); };
  const auto& m = s.model();
  const auto& p = s.parallel();
  if (s.mode() != "training" && s.mode() != "prefill" && s.mode() != "decode") {
    return err("mode", "must be training, prefill or decode, got '" + s.mode() + "'");
  }
  if (s.steps() < 1) return err("steps", "must be at least 1");
  if (s.steps() > 10000000) {
    return err("steps", std::to_string(s.steps()) + " steps refused: at least ~" +
                            std::to_string(static_cast<long long>(s.steps() * 100.0 / 1e6)) +
                            " MB of per-step results alone; the limit is 10,000,000");
  }
  if (m.num_layers() < 1) return err("model.num_layers", "must be at least 1");
  if (m.first_k_dense() >= m.num_layers()) {
    return err("model.first_k_dense", "must be below model.num_layers (" + std::to_string(m.num_layers()) + ")");
  }
  if (m.hidden_size() < 1) return err("model.hidden_size", "must be positive");
  if (m.moe_intermediate_size() < 1) return err("model.moe_intermediate_size", "must be positive");
  if (m.num_routed_experts() < 1) return err("model.num_routed_experts", "must be positive");
  if (m.top_k() < 1) return err("model.top_k", "must be at least 1");
  if (m.top_k() > m.num_routed_experts()) {
    return err("model.top_k", "top-k " + std::to_string(m.top_k()) + " is larger than the " +
                                  std::to_string(m.num_routed_experts()) + " routed experts");
  }
  if (m.num_layers() > 100000 || m.hidden_size() > 1000000 || m.num_routed_experts() > 1000000) {
    return err("model", "sizes beyond 100,000 layers, hidden 1,000,000 or 1,000,000 experts are refused");
  }
  for (auto [v, f] : {std::pair{m.dispatch_bytes_per_element(), "model.dispatch_bytes_per_element"},
                      std::pair{m.combine_bytes_per_element(), "model.combine_bytes_per_element"},
                      std::pair{m.weight_bytes_per_element(), "model.weight_bytes_per_element"}}) {
    if (!(v > 0) || !std::isfinite(v) || v > 16) return err(f, "must be between 0 and 16 bytes, got " + std::to_string(v));
  }
  const auto mask = moe_layer_mask(m);
  if (std::count(mask.begin(), mask.end(), true) == 0) {
    return err("model.moe_layer_interval", "no layer is MoE with these settings");
  }
  if (p.ep() < 1) return err("parallel.ep", "must be at least 1");
  if (p.dp() < 1) return err("parallel.dp", "must be at least 1");
  if (p.tp() < 1) return err("parallel.tp", "must be at least 1");
  if (p.tokens_per_gpu() < 1) return err("parallel.tokens_per_gpu", "must be at least 1");
  if (p.micro_batches() < 1) return err("parallel.micro_batches", "must be at least 1");
  const double gpus = static_cast<double>(p.ep()) * p.dp();
  if (gpus > 1 << 20) {
    return err("parallel", std::to_string(static_cast<long long>(gpus)) + " GPUs (ep x dp) refused: about " +
                               std::to_string(static_cast<long long>(gpus * gpus * 8 / 1e9)) +
                               " GB for one traffic matrix; the limit is 1,048,576 GPUs");
  }
  {
    // Measured peak memory (docs/LIMITS.md, tests/bench/limits_bench.cc): per pair of GPUs of
    // one EP group (ep^2 x dp pairs) about 350 bytes with the analytic network and 1.1 KB with
    // the flow model; per pair of any two GPUs (routing tables) about 50 bytes; plus ~50 MB.
    // A run that cannot fit in this machine's memory is refused now rather than OOM-killed.
    const double per_pair_bytes = s.network() == "analytic" ? 350.0 : 1100.0;
    const double ep_pairs = static_cast<double>(p.ep()) * p.ep() * p.dp();
    const double need_bytes = ep_pairs * per_pair_bytes + gpus * gpus * 50.0 + 50e6;
    const double have_bytes = static_cast<double>(::sysconf(_SC_PHYS_PAGES)) * static_cast<double>(::sysconf(_SC_PAGE_SIZE));
    if (have_bytes > 0 && need_bytes > have_bytes) {
      return err("parallel", std::to_string(static_cast<long long>(gpus)) + " GPUs (ep x dp) need about " +
                                 std::to_string(static_cast<long long>(need_bytes / 1e9)) + " GB at " +
                                 (s.network().empty() ? std::string("flow") : s.network()) +
                                 " level, more than this machine's " +
                                 std::to_string(static_cast<long long>(have_bytes / 1e9)) + " GB" +
                                 (s.network() == "analytic" ? "" : "; the analytic network needs less"));
    }
  }
  if (p.tokens_per_gpu() > 100000000) return err("parallel.tokens_per_gpu", "more than 100,000,000 tokens per GPU refused");
  const uint32_t slots = m.num_routed_experts() + s.placement().redundant_experts();
  if (s.placement().file().empty() && slots % p.ep() != 0) {
    return err("parallel.ep", "model.num_routed_experts (" + std::to_string(m.num_routed_experts()) +
                                  ") + placement.redundant_experts (" + std::to_string(s.placement().redundant_experts()) +
                                  ") = " + std::to_string(slots) + " expert slots do not divide over ep = " +
                                  std::to_string(p.ep()) + " GPUs; add redundant experts (replicas) or change ep");
  }
  if (m.n_group() > 0 && m.num_routed_experts() % m.n_group() != 0) {
    return err("model.n_group", std::to_string(m.n_group()) + " groups do not divide " +
                                    std::to_string(m.num_routed_experts()) + " experts");
  }
  if (m.topk_group() > m.n_group()) return err("model.topk_group", "is larger than model.n_group");
  if (auto a = parse_algorithm(s.algorithm()); !a.ok()) return err("algorithm", a.message());
  if (auto n = parse_network_mode(s.network()); !n.ok()) return err("network", n.message());
  if (!s.topology().ecmp().empty() && s.topology().ecmp() != "split" && s.topology().ecmp() != "hash") {
    return err("topology.ecmp", "must be split or hash, got '" + s.topology().ecmp() + "'");
  }
  if (s.simulated_layers() > 0 && s.simulated_layers() > m.num_layers()) {
    return err("simulated_layers", "is larger than the number of layers");
  }
  return {};
}

}  // namespace moesim
