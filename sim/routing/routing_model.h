// Routing models for the step simulator: who sends how many tokens to which expert, per
// training step and MoE layer.
//
// A RoutingModel is built once per scenario by make_routing_model() (models chosen by name from
// routing_models(), see --help) and then asked, step after step, for each MoE layer's routing
// of one micro-batch. It owns all its state (popularity, drift, balancing); callers own the
// LayerRouting they pass in. Not thread-safe: one model, one thread (route() reuses scratch).
//
// Representation of one layer (LayerRouting):
//  - token-choice models sample `sampled_tokens` tokens per source GPU; each token's `top_k`
//    expert ids are stored in selection order (best first), distinct within a token; -1 marks
//    an assignment dropped by the capacity limit.
//  - expert-choice: experts pick tokens, so a token may get 0..E experts. `top_k` is then the
//    largest number of experts any sampled token got in this layer (the row stride), rows are
//    padded with -1, which there means "no further expert", never a drop (tokens_dropped = 0).
//  - trace replay has no per-token information: sampled_tokens = 0, has_tokens() false.
//  - `counts` is always filled and already scaled to real tokens.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "traces/proto/expert_load.pb.h"
#include "traces/proto/routing.pb.h"
#include "traces/status.h"

namespace moesim {

struct RoutingContext {
  int num_experts = 0;       // routed experts (logical) at step 0
  int top_k = 0;
  int num_src_gpus = 0;      // GPUs of one EP group that route tokens (sources)
  int tokens_per_gpu = 0;    // tokens per GPU per micro-batch
  int num_moe_layers = 0;
  // Nodes spanned by the EP group (for node-limited routing); experts are laid out contiguously
  // by node: expert e "belongs" to node e / (E / num_nodes) (DeepSeek-V3 semantics).
  int num_nodes = 1;
  int n_group = 0, topk_group = 0;  // group-limited (from the model); RoutingSpec's override
  uint64_t seed = 0;
};

struct LayerRouting {
  int num_src = 0, top_k = 0, num_experts = 0;
  // Sampled tokens per source GPU: expert ids, [num_src][sampled_tokens][top_k] flattened;
  // -1 marks a dropped assignment (capacity overflow). Distinct experts within one token.
  int sampled_tokens = 0;
  std::vector<int32_t> expert_ids;
  double token_scale = 1.0;  // real tokens per sampled token (tokens_per_gpu / sampled_tokens)
  // Always filled: token assignments per (source GPU, expert), scaled to real tokens,
  // [num_src][num_experts].
  std::vector<double> counts;
  double tokens_dropped = 0;  // real assignments dropped by capacity, this layer, all sources
  bool has_tokens() const { return sampled_tokens > 0; }  // false for trace replay
};

class RoutingModel {
 public:
  virtual ~RoutingModel() = default;
  // Routes one micro-batch of layer `layer` at training step `step`. Steps are visited in
  // increasing order (balancing dynamics and drift are stateful); layers in any order within a
  // step. The result depends only on (seed, step, layer) and the loads given to end_step().
  virtual void route(int step, int layer, LayerRouting* out) = 0;
  // Called once after all layers of a step, with the loads observed (counts per expert summed
  // over sources, one vector per MoE layer; an empty vector = layer not observed) so balancing
  // dynamics (aux loss, DeepSeek bias update) can react.
  virtual void end_step(int step, const std::vector<std::vector<double>>& expert_load_per_layer) {}
  // Experts may be added during training (continual learning): current count at a step.
  virtual int num_experts_at(int step) const = 0;
};

struct RoutingModelInfo {
  const char* name;
  const char* description;
};
// The table of model names for --help, in display order.
const std::vector<RoutingModelInfo>& routing_models();

// Builds the model `spec.model` after validating `spec` against `ctx`. Errors read
// "<spec_source>: routing.<field>: <problem>". For "trace", the file is read here.
Result<std::unique_ptr<RoutingModel>> make_routing_model(const RoutingSpec& spec,
                                                         const RoutingContext& ctx,
                                                         const std::string& spec_source);

// Trace replay from an already loaded trace (tests, or a caller that loaded it itself).
// Errors name `trace.source()` (or "trace" when empty).
Result<std::unique_ptr<RoutingModel>> make_trace_routing_model(ExpertLoadTrace trace,
                                                               const RoutingContext& ctx);

}  // namespace moesim
