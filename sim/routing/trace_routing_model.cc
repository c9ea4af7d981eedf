#include "sim/routing/trace_routing_model.h"

#include <algorithm>
#include <cmath>

#include "sim/routing/random.h"
#include "traces/check.h"

namespace moesim::routing {
namespace {

// Binomial(n, p) draw: inversion for small means (exact), normal approximation otherwise.
int64_t binomial(int64_t n, double p, Rng& rng) {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(n, 1.0 - p, rng);
  const double mean = static_cast<double>(n) * p;
  if (mean < 10) {
    // P(X = x+1) = P(X = x) * (n - x) / (x + 1) * p / q.
    const double q = 1.0 - p, ratio = p / q;
    double prob = std::pow(q, static_cast<double>(n));
    double u = rng.uniform();
    int64_t x = 0;
    while (u > prob && x < n) {
      u -= prob;
      prob *= ratio * static_cast<double>(n - x) / static_cast<double>(x + 1);
      ++x;
    }
    return x;
  }
  const double x = std::round(mean + std::sqrt(mean * (1.0 - p)) * rng.normal());
  return static_cast<int64_t>(std::clamp(x, 0.0, static_cast<double>(n)));
}

}  // namespace

Status check_trace_for_routing(const ExpertLoadTrace& trace, const RoutingContext& ctx,
                               const std::string& source) {
  const uint64_t steps = trace.num_steps(), layers = trace.num_layers(), experts = trace.num_experts();
  if (steps == 0) return make_error(source, "num_steps", "the trace has no snapshots");
  if (layers == 0) return make_error(source, "num_layers", "the trace has no layers");
  if (experts != static_cast<uint64_t>(ctx.num_experts)) {
    return make_error(source, "num_experts",
                      "the trace has " + std::to_string(experts) + " experts per layer, the model " +
                          std::to_string(ctx.num_experts));
  }
  if (static_cast<uint64_t>(trace.counts_size()) != steps * layers * experts) {
    return make_error(source, "counts",
                      "holds " + std::to_string(trace.counts_size()) + " values, expected num_steps x "
                      "num_layers x num_experts = " + std::to_string(steps * layers * experts));
  }
  for (int i = 0; i < trace.counts_size(); ++i) {
    if (!std::isfinite(trace.counts(i)) || trace.counts(i) < 0) {
      return make_error(source, "counts[" + std::to_string(i) + "]",
                        "must be finite and >= 0, got " + std::to_string(trace.counts(i)));
    }
  }
  if (trace.rank_counts_size() > 0) {
    const uint64_t want = steps * trace.num_ranks() * layers * experts;
    if (static_cast<uint64_t>(trace.rank_counts_size()) != want) {
      return make_error(source, "rank_counts",
                        "holds " + std::to_string(trace.rank_counts_size()) + " values, expected "
                        "num_steps x num_ranks x num_layers x num_experts = " + std::to_string(want));
    }
    for (int i = 0; i < trace.rank_counts_size(); ++i) {
      if (!std::isfinite(trace.rank_counts(i)) || trace.rank_counts(i) < 0) {
        return make_error(source, "rank_counts[" + std::to_string(i) + "]",
                          "must be finite and >= 0, got " + std::to_string(trace.rank_counts(i)));
      }
    }
  }
  return {};
}

TraceRoutingModel::TraceRoutingModel(ExpertLoadTrace trace, const RoutingContext& ctx)
    : trace_(std::move(trace)), ctx_(ctx) {
  use_rank_counts_ = trace_.rank_counts_size() > 0 &&
                     trace_.num_ranks() == static_cast<uint32_t>(ctx.num_src_gpus);
}

void TraceRoutingModel::route(int step, int layer, LayerRouting* out) {
  MOESIM_CHECK(step >= 0 && layer >= 0) << "step " << step << ", layer " << layer;
  const int num_src = ctx_.num_src_gpus, num_experts = ctx_.num_experts;
  const int64_t snap = step % trace_.num_steps(), tl = layer % trace_.num_layers();
  const int64_t layers = trace_.num_layers();
  out->num_src = num_src;
  out->top_k = ctx_.top_k;
  out->num_experts = num_experts;
  out->sampled_tokens = 0;
  out->expert_ids.clear();
  out->token_scale = 1.0;
  out->tokens_dropped = 0;
  out->counts.assign(static_cast<size_t>(num_src) * num_experts, 0.0);
  if (use_rank_counts_) {
    for (int src = 0; src < num_src; ++src) {
      const int64_t base = ((snap * num_src + src) * layers + tl) * num_experts;
      for (int e = 0; e < num_experts; ++e)
        out->counts[static_cast<size_t>(src) * num_experts + e] = trace_.rank_counts(base + e);
    }
    return;
  }
  const int64_t base = (snap * layers + tl) * num_experts;
  double total = 0;
  for (int e = 0; e < num_experts; ++e) total += trace_.counts(base + e);
  if (!(total > 0)) return;  // nobody routed anything in this snapshot
  const double target = static_cast<double>(ctx_.tokens_per_gpu) * num_src * ctx_.top_k;
  Rng rng(stream_seed(ctx_.seed, StreamKind::kTraceSpread, {step, layer}));
  for (int e = 0; e < num_experts; ++e) {
    const double n = trace_.counts(base + e) * target / total;
    const double whole = std::floor(n);
    int64_t left = static_cast<int64_t>(whole);
    // Multinomial over equal shares: source s takes Binomial(left, 1 / (sources remaining)).
    for (int src = 0; src < num_src; ++src) {
      const int64_t x = src == num_src - 1 ? left : binomial(left, 1.0 / (num_src - src), rng);
      out->counts[static_cast<size_t>(src) * num_experts + e] = static_cast<double>(x);
      left -= x;
    }
    out->counts[static_cast<size_t>(rng.below(num_src)) * num_experts + e] += n - whole;
  }
}

}  // namespace moesim::routing
