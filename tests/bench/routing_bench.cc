// Routing one training step of a DeepSeek-V3-shaped model: 58 MoE layers, 256 routed experts,
// top-8, 64 source GPUs (8 nodes of 8), 512 sampled tokens per GPU (262,144 expert choices per
// layer). Target: under ~0.3 s per step on one core (release build).
//   BM_RouteStep/zipf           Zipf popularity, no limits: the O(k)-per-token fast path
//   BM_RouteStep/deepseek_v3    + group-limited (8 groups, top-4) and node-limited (4 of 8
//                               nodes) routing and the bias balancing update
//   BM_RouteStep/correlated     + co-selection (correlation 0.3) and capacity factor 1.25
// Counters: tokens/s (sampled tokens routed per second).
#include <benchmark/benchmark.h>

#include "sim/routing/routing_model.h"

namespace moesim {
namespace {

RoutingContext deepseek_v3_context() {
  RoutingContext ctx;
  ctx.num_experts = 256;
  ctx.top_k = 8;
  ctx.num_src_gpus = 64;
  ctx.tokens_per_gpu = 4096;
  ctx.num_moe_layers = 58;
  ctx.num_nodes = 8;
  ctx.seed = 1;
  return ctx;
}

void route_steps(benchmark::State& state, const RoutingSpec& spec, const RoutingContext& ctx) {
  auto model = make_routing_model(spec, ctx, "routing_bench");
  if (!model.ok()) {
    state.SkipWithError(model.message().c_str());
    return;
  }
  LayerRouting r;
  std::vector<std::vector<double>> loads(ctx.num_moe_layers);
  int step = 0;
  for (auto _ : state) {
    for (int layer = 0; layer < ctx.num_moe_layers; ++layer) {
      (*model)->route(step, layer, &r);
      loads[layer].assign(r.num_experts, 0.0);
      for (int s = 0; s < r.num_src; ++s)
        for (int e = 0; e < r.num_experts; ++e) loads[layer][e] += r.counts[s * r.num_experts + e];
    }
    (*model)->end_step(step, loads);
    benchmark::DoNotOptimize(r.counts.data());
    ++step;
  }
  state.counters["tokens/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * ctx.num_moe_layers * ctx.num_src_gpus * 512,
      benchmark::Counter::kIsRate);
}

void BM_RouteStep_Zipf(benchmark::State& state) {
  RoutingSpec spec;
  spec.set_model("zipf");
  spec.set_zipf_exponent(1.0);
  route_steps(state, spec, deepseek_v3_context());
}

void BM_RouteStep_DeepSeekV3(benchmark::State& state) {
  RoutingSpec spec;
  spec.set_model("zipf");
  spec.set_zipf_exponent(1.0);
  spec.set_n_group(8);
  spec.set_topk_group(4);
  spec.set_max_nodes_per_token(4);
  spec.set_balancing("bias");
  spec.set_bias_update_speed(0.001);
  route_steps(state, spec, deepseek_v3_context());
}

void BM_RouteStep_Correlated(benchmark::State& state) {
  RoutingSpec spec;
  spec.set_model("zipf");
  spec.set_zipf_exponent(1.0);
  spec.set_n_group(8);
  spec.set_topk_group(4);
  spec.set_max_nodes_per_token(4);
  spec.set_correlation(0.3);
  spec.set_capacity_factor(1.25);
  route_steps(state, spec, deepseek_v3_context());
}

BENCHMARK(BM_RouteStep_Zipf)->Name("BM_RouteStep/zipf")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RouteStep_DeepSeekV3)->Name("BM_RouteStep/deepseek_v3")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RouteStep_Correlated)->Name("BM_RouteStep/correlated")->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace moesim

BENCHMARK_MAIN();
