// Counter-based random streams for the routing models.
//
// Every random decision of a routing model is drawn from a stream keyed by what it is for
// (StreamKind) and where it happens (step, layer, source GPU, ...): the key is hashed with
// splitmix64 into the stream's starting state. So a layer's routing does not depend on which
// layers were routed before it, and the same seed gives the same result in any call order.
// Rng itself is splitmix64 used as a generator (state += golden gamma, output = mix(state)):
// 64-bit state, passes BigCrush, a few cycles per draw.
// Thread-safety: plain values; one Rng per thread.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>

namespace moesim::routing {

__extension__ typedef unsigned __int128 Uint128;  // GCC/Clang; __extension__ keeps -Wpedantic quiet

constexpr uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ULL;

// The splitmix64 finaliser (Steele, Lea, Flood 2014): a bijective 64-bit mix.
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

enum class StreamKind : uint64_t {
  kTokens = 1,         // per (step, layer, src): tokens' tasks and expert choices
  kInitPopularity,     // per (layer, task): Zipf permutation, Dirichlet draw
  kDrift,              // per (step, layer, task): random-walk step of the logits
  kAffinity,           // per (layer, num_experts): co-activation groups
  kTraceSpread,        // per (step, layer): spreading trace counts over sources
  kExpertChoice,       // per (step, layer): experts picking tokens
};

// Starting state of the stream for `kind` at the given coordinates.
inline uint64_t stream_seed(uint64_t seed, StreamKind kind, std::initializer_list<int64_t> coords) {
  uint64_t h = mix64(seed + kGoldenGamma * static_cast<uint64_t>(kind));
  for (int64_t c : coords) h = mix64(h ^ mix64(static_cast<uint64_t>(c) + kGoldenGamma));
  return h;
}

class Rng {
 public:
  explicit Rng(uint64_t state) : state_(state) {}
  uint64_t next_u64() { return mix64(state_ += kGoldenGamma); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // Uniform in (0, 1): never 0, so log() is finite.
  double uniform_open() { return (static_cast<double>(next_u64() >> 11) + 0.5) * 0x1.0p-53; }
  // Uniform integer in [0, n) (Lemire's multiply-shift; bias < n / 2^64).
  uint64_t below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<Uint128>(next_u64()) * n) >> 64);
  }
  // Exp(1) by inversion (one log).
  double exponential() { return -std::log(uniform_open()); }
  // Exp(1) by the ziggurat method (exponential_ziggurat.h): no log in 99% of draws.
  inline double exponential_fast();
  // N(0, 1) by Box-Muller (one of the pair; simplicity over speed, used per step, not per token).
  double normal() {
    const double r = std::sqrt(-2.0 * std::log(uniform_open()));
    return r * std::cos(6.283185307179586 * uniform());
  }
  // log of a Gamma(alpha, 1) variate, computed in log space so that tiny alphas (very skewed
  // Dirichlet draws) do not underflow to log(0). Marsaglia & Tsang (2000) for alpha >= 1; for
  // alpha < 1, Gamma(alpha) = Gamma(alpha + 1) * U^(1/alpha).
  double log_gamma(double alpha) {
    if (alpha < 1.0) return log_gamma(alpha + 1.0) + std::log(uniform_open()) / alpha;
    const double d = alpha - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    while (true) {
      double x, v;
      do {
        x = normal();
        v = 1.0 + c * x;
      } while (v <= 0.0);
      v = v * v * v;
      const double u = uniform_open();
      if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return std::log(d * v);
    }
  }

 private:
  uint64_t state_;
};

}  // namespace moesim::routing

#include "sim/routing/exponential_ziggurat.h"
