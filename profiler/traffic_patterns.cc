#include "profiler/traffic_patterns.h"

#include <algorithm>
#include <cmath>

#include "sim/routing/routing_model.h"
#include "traces/trace_import.h"

namespace moesim::profiler {

Result<std::vector<UnevenPattern>> routing_patterns(int n, int num_experts, unsigned long long seed) {
  const int e = std::max(n, (num_experts + n - 1) / n * n);
  std::vector<UnevenPattern> out;
  struct Model {
    const char* model;
    double param;
    std::string name;
  };
  const std::vector<Model> models = {{"zipf", 1.2, "zipf s=1.2"}, {"dirichlet", 0.3, "dirichlet alpha=0.3"}};
  for (const auto& m : models) {
    RoutingSpec spec;
    spec.set_model(m.model);
    if (std::string(m.model) == "zipf") spec.set_zipf_exponent(m.param);
    else spec.set_dirichlet_alpha(m.param);
    RoutingContext ctx;
    ctx.num_experts = e;
    ctx.top_k = std::min(2, e);
    ctx.num_src_gpus = n;
    ctx.tokens_per_gpu = 4096;
    ctx.num_moe_layers = 1;
    ctx.num_nodes = 1;
    ctx.seed = seed;
    MOESIM_ASSIGN_OR_RETURN(auto model, make_routing_model(spec, ctx, "moeprof routing pattern " + m.name));
    LayerRouting lr;
    model->route(0, 0, &lr);
    UnevenPattern p;
    p.name = m.name + " E=" + std::to_string(e);
    p.num_ranks = n;
    p.tokens.assign(static_cast<size_t>(n) * n, 0.0);
    for (int s = 0; s < n; ++s) {
      for (int x = 0; x < lr.num_experts; ++x) {
        const int d = static_cast<int>(static_cast<long long>(x) * n / lr.num_experts);
        p.tokens[static_cast<size_t>(s) * n + d] += lr.counts[static_cast<size_t>(s) * lr.num_experts + x];
      }
    }
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::vector<UnevenPattern>> trace_patterns(const std::string& path, int n, int max_cases) {
  MOESIM_ASSIGN_OR_RETURN(ExpertLoadTrace t, load_expert_load_trace(path));
  const int steps = static_cast<int>(t.num_steps()), layers = static_cast<int>(t.num_layers());
  const int experts = static_cast<int>(t.num_experts()), ranks = static_cast<int>(t.num_ranks());
  if (steps == 0 || layers == 0 || experts == 0) return make_error(path, "", "trace holds no counts");
  std::vector<std::pair<int, int>> picks;  // (step, layer)
  for (int dl = 0; dl < layers && static_cast<int>(picks.size()) < max_cases; ++dl) {
    const int layer = (layers / 2 + dl) % layers;
    for (int step : {0, steps / 2, steps - 1}) {
      if (static_cast<int>(picks.size()) >= max_cases) break;
      if (std::find(picks.begin(), picks.end(), std::pair{step, layer}) == picks.end()) picks.push_back({step, layer});
    }
  }
  std::vector<UnevenPattern> out;
  for (auto [step, layer] : picks) {
    UnevenPattern p;
    p.num_ranks = n;
    p.name = t.format() + " step " + std::to_string(t.step_ids_size() > step ? t.step_ids(step) : step) + " layer " +
             std::to_string(layer);
    p.tokens.assign(static_cast<size_t>(n) * n, 0.0);
    for (int x = 0; x < experts; ++x) {
      const int d = static_cast<int>(static_cast<long long>(x) * n / experts);
      if (ranks > 0 && t.rank_counts_size() > 0) {
        for (int r = 0; r < ranks; ++r) {
          const size_t i = ((static_cast<size_t>(step) * ranks + r) * layers + layer) * experts + x;
          const int s = static_cast<int>(static_cast<long long>(r) * n / ranks);
          p.tokens[static_cast<size_t>(s) * n + d] += t.rank_counts(static_cast<int>(i));
        }
      } else {
        const double c = t.counts(static_cast<int>((static_cast<size_t>(step) * layers + layer) * experts + x));
        for (int s = 0; s < n; ++s) p.tokens[static_cast<size_t>(s) * n + d] += c / n;
      }
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<double> pattern_bytes(const UnevenPattern& p, double mean_rank_bytes, double token_bytes) {
  double total = 0;
  for (double v : p.tokens) total += v;
  std::vector<double> bytes(p.tokens.size(), 0.0);
  if (total <= 0 || token_bytes <= 0) return bytes;
  const double scale = mean_rank_bytes * p.num_ranks / (total * token_bytes);  // tokens -> tokens
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = std::round(p.tokens[i] * scale) * token_bytes;
  return bytes;
}

}  // namespace moesim::profiler
