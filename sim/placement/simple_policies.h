// `contiguous` and `round-robin`: the placements systems use when they do not balance.
//
//   contiguous:  expert e on GPU floor(e * G / E) (experts 0..3 on GPU 0, 4..7 on GPU 1, ...
//                when G divides E), as Megatron/DeepSpeed expert parallelism lays them out.
//   round-robin: expert e on GPU e % G.
// With more slots than experts, the extra slots hold replicas of the hottest experts (each next
// replica to the expert with the largest load per replica), placed in the policy's own order:
// contiguous fills the first GPU with a free slot, round-robin deals on to the next GPU.
// Under one-copy-per-gpu an extra replica skips GPUs that already hold its expert.
// Stateless, thread-safe.
#pragma once

#include "sim/placement/policy.h"

namespace moesim::placement {

class ContiguousPolicy : public PlacementPolicy {
 public:
  Result<Phy2Log> place(const LayerProblem& p) const override;
};

class RoundRobinPolicy : public PlacementPolicy {
 public:
  Result<Phy2Log> place(const LayerProblem& p) const override;
};

}  // namespace moesim::placement
