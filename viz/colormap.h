// Colour maps for moeviz: a sequential heat map whose luminance rises strictly with the value
// (so "hotter is brighter" holds in print, for colour-blind readers and in tests), a value
// scale that maps data to [0, 1], and fixed colours for timeline event kinds.
// Plain functions on plain values; no GL, no ImGui. Thread-safe.
#pragma once

#include <cstdint>

namespace moesim::viz {

struct Rgb8 {
  uint8_t r = 0, g = 0, b = 0;
};

// Heat map for t in [0, 1] (clamped): near-black violet -> magenta -> orange -> pale yellow.
// Piecewise linear between control points chosen so relative luminance increases strictly.
Rgb8 heat_color(double t);

// Relative luminance (ITU-R BT.709 weights on linearised sRGB), in [0, 1].
double relative_luminance(Rgb8 c);

// Packs a colour as ImGui's ImU32 (0xAABBGGRR) without depending on ImGui.
inline uint32_t pack_abgr(Rgb8 c, uint8_t alpha = 255) {
  return (uint32_t{alpha} << 24) | (uint32_t{c.b} << 16) | (uint32_t{c.g} << 8) | uint32_t{c.r};
}

// How data values become colour positions.
enum class ValueScale { kLinear, kLog };

// Maps v in [0, max_value] to [0, 1]. Log uses log1p(v)/log1p(max) so zero stays at 0 and the
// long tail of a skewed expert load stays visible. max_value <= 0 maps everything to 0.
double scale_value(double v, double max_value, ValueScale scale);

// Fixed colours of the timeline event kinds (TimelineEvent::Kind 0..6), chosen to be
// distinguishable: dense, gating, dispatch, expert, combine, wait, migration.
Rgb8 event_kind_color(int kind);
const char* event_kind_name(int kind);
constexpr int kNumEventKinds = 7;

}  // namespace moesim::viz
