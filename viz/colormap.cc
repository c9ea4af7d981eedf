#include "viz/colormap.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace moesim::viz {
namespace {

struct Stop {
  double t;
  Rgb8 c;
};

// Control points of the heat map. Luminances (BT.709, linearised): about 0.006, 0.05, 0.16,
// 0.36, 0.90 — strictly increasing, checked by colormap_test.
constexpr std::array<Stop, 5> kHeatStops = {{
    {0.00, {20, 12, 44}},
    {0.25, {104, 26, 120}},
    {0.50, {196, 58, 92}},
    {0.75, {246, 132, 40}},
    {1.00, {252, 246, 170}},
}};

double srgb_to_linear(uint8_t v) {
  const double c = v / 255.0;
  return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

uint8_t lerp_u8(uint8_t a, uint8_t b, double f) {
  return static_cast<uint8_t>(std::lround(a + (static_cast<double>(b) - a) * f));
}

}  // namespace

Rgb8 heat_color(double t) {
  if (!(t > 0.0)) return kHeatStops.front().c;  // also catches NaN
  if (t >= 1.0) return kHeatStops.back().c;
  for (size_t i = 1; i < kHeatStops.size(); ++i) {
    if (t <= kHeatStops[i].t) {
      const Stop& a = kHeatStops[i - 1];
      const Stop& b = kHeatStops[i];
      const double f = (t - a.t) / (b.t - a.t);
      return {lerp_u8(a.c.r, b.c.r, f), lerp_u8(a.c.g, b.c.g, f), lerp_u8(a.c.b, b.c.b, f)};
    }
  }
  return kHeatStops.back().c;
}

double relative_luminance(Rgb8 c) {
  return 0.2126 * srgb_to_linear(c.r) + 0.7152 * srgb_to_linear(c.g) + 0.0722 * srgb_to_linear(c.b);
}

double scale_value(double v, double max_value, ValueScale scale) {
  if (!(max_value > 0.0) || !(v > 0.0)) return 0.0;
  double t = scale == ValueScale::kLog ? std::log1p(v) / std::log1p(max_value) : v / max_value;
  return std::clamp(t, 0.0, 1.0);
}

Rgb8 event_kind_color(int kind) {
  switch (kind) {
    case 0: return {96, 140, 200};   // dense: steel blue
    case 1: return {150, 110, 200};  // gating: lavender
    case 2: return {232, 150, 50};   // dispatch: orange
    case 3: return {70, 180, 100};   // expert: green
    case 4: return {230, 90, 70};    // combine: red
    case 5: return {120, 120, 120};  // wait: grey
    case 6: return {210, 190, 60};   // migration: yellow
    default: return {200, 200, 200};
  }
}

const char* event_kind_name(int kind) {
  switch (kind) {
    case 0: return "dense";
    case 1: return "gating";
    case 2: return "dispatch";
    case 3: return "expert";
    case 4: return "combine";
    case 5: return "wait";
    case 6: return "migration";
    default: return "?";
  }
}

}  // namespace moesim::viz
