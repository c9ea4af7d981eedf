// Balancing dynamics: how the router reacts to the expert load it produced, step after step.
// The state is one additive offset per (layer, expert) on the selection logits, so a token
// chooses expert e with weight  w_e = exp(logit_e + offset_e)  (Plackett-Luce / Gumbel-top-k).
// After each step, with load_e the observed load of layer L (current experts only) and
// mean = average of load_e:
//   bias (DeepSeek-V3, auxiliary-loss-free balancing; gamma = bias_update_speed):
//       offset_e += gamma * sign(mean - load_e)
//     The bias enters the selection scores only (DeepSeek-V3 also leaves the gating weights
//     alone); moesim models selection only, so that is all it touches. Units: the bias is in
//     logit units (Gumbel noise of scale 1), so gamma = 0.001 (the paper's value) moves an
//     expert's selection weight by about 0.1% per step.
//   aux-loss (phenomenological; c = aux_loss_coef):
//       offset_e -= c * (load_e - mean) / mean
//     Why this form: with the Switch/GShard loss  L = alpha * E * sum_e f_e * P_e  the gradient
//     on expert e's router logit is proportional to its excess load f_e - 1/E (treating the
//     dispatch fractions f as constants, as the loss does), so the pull toward uniform is
//     proportional to the relative overload and fades as balance is reached — unlike the bias
//     rule, which moves every expert at a constant speed. c plays the role of alpha times the
//     learning rate; it is a knob, not a number to read off a training config.
// Layers whose load vector is empty, or whose mean load is 0, are left as they are.
// Not thread-safe (update() mutates).
#pragma once

#include <vector>

namespace moesim::routing {

enum class BalancingKind { kNone, kAuxLoss, kBias };

class Balancer {
 public:
  Balancer(BalancingKind kind, double strength, int num_layers, int max_experts);
  bool active() const { return kind_ != BalancingKind::kNone; }
  // Offsets of a layer, [max_experts] (experts beyond the current count stay 0).
  const std::vector<double>& offsets(int layer) const { return offsets_[layer]; }
  // Reacts to one step's observed loads, one vector per layer (size = current experts or 0).
  void update(const std::vector<std::vector<double>>& expert_load_per_layer);

 private:
  BalancingKind kind_;
  double strength_;
  std::vector<std::vector<double>> offsets_;
};

}  // namespace moesim::routing
