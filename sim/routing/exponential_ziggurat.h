// Exp(1) variates by the ziggurat method (Marsaglia & Tsang 2000), for the per-token races of
// the token selector, where a log per draw dominated the cost.
//
// The area under f(x) = e^-x is covered by n = 256 strips of equal area v: strip 0 is the base
// rectangle [0, r] x [0, f(r)] plus the tail x > r (area f(r) too, so its width is
// x_0 = v / f(r) = r + 1); strip i >= 1 is [0, x_i] x [f(x_i), f(x_{i+1})] with
//     x_1 = r,  x_{i+1} = -ln(f(x_i) + v / x_i),  x_256 = 0,
// r = 7.69711747013104972, v = (r + 1) e^-r = 0.0039496598225815572 (the constants that make
// x_256 land on 0). A draw picks a strip i uniformly and x = u x_i: if x < x_{i+1} the point is
// under the curve (accept: 98.9% of draws); strip 0 beyond r samples the tail r + Exp(1)
// (memoryless); otherwise accept if a uniform height in [f(x_i), f(x_{i+1})] lies below f(x),
// else retry. The strip index uses the low 8 bits of a 64-bit word and u its top 53 bits, so
// they are independent (Doornik 2005's caution about reusing bits).
// Include random.h, not this file. Tables are built once (thread-safe static initialisation); drawing is thread-safe per Rng.
#pragma once

#include <array>
#include <cmath>

#include "sim/routing/random.h"  // Rng (random.h includes this file at its end)

namespace moesim::routing {

struct ExponentialZiggurat {
  static constexpr int kStrips = 256;
  static constexpr double kR = 7.69711747013104972;
  static constexpr double kV = 0.0039496598225815571993;
  std::array<double, kStrips + 1> x;  // strip widths, x[0] = r + 1 > x[1] = r > ... > x[256] = 0
  std::array<double, kStrips + 1> f;  // e^-x[i]

  ExponentialZiggurat() {
    x[0] = kV / std::exp(-kR);
    x[1] = kR;
    for (int i = 1; i < kStrips; ++i) x[i + 1] = -std::log(std::exp(-x[i]) + kV / x[i]);
    x[kStrips] = 0.0;
    for (int i = 0; i <= kStrips; ++i) f[i] = std::exp(-x[i]);
  }
  static const ExponentialZiggurat& get() {
    static const ExponentialZiggurat table;
    return table;
  }
};

inline double Rng::exponential_fast() {
  const ExponentialZiggurat& z = ExponentialZiggurat::get();
  while (true) {
    const uint64_t word = next_u64();
    const int i = static_cast<int>(word & 0xff);
    const double x = static_cast<double>(word >> 11) * 0x1.0p-53 * z.x[i];
    if (x < z.x[i + 1]) return x;
    if (i == 0) return ExponentialZiggurat::kR + exponential();
    if (z.f[i] + uniform() * (z.f[i + 1] - z.f[i]) < std::exp(-x)) return x;
  }
}

}  // namespace moesim::routing
