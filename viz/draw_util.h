// Drawing helpers shared by the views: heat maps from a HeatmapGeometry, colour bars, axes
// with nice ticks, line plots, and conversions between the plain layout types and ImGui's.
// Call from the UI thread inside an ImGui frame.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include <imgui.h>

#include "viz/colormap.h"
#include "viz/geometry.h"
#include "viz/heatmap_layout.h"

namespace moesim::viz {

inline ImU32 to_im(Rgb8 c, uint8_t alpha = 255) { return pack_abgr(c, alpha); }
inline ImVec2 to_im(Vec2 v) { return {v.x, v.y}; }
inline Rect rect_of(ImVec2 a, ImVec2 b) { return {a.x, a.y, b.x, b.y}; }

constexpr ImU32 kTextColor = IM_COL32(220, 220, 225, 255);
constexpr ImU32 kDimTextColor = IM_COL32(150, 150, 160, 255);
constexpr ImU32 kAxisColor = IM_COL32(110, 110, 120, 255);
constexpr ImU32 kPanelColor = IM_COL32(24, 24, 30, 255);
constexpr ImU32 kMarkerColor = IM_COL32(80, 220, 255, 255);

// Reserves `size` pixels of the window as an item (so the mouse over it is "ours") and
// returns its rectangle. `id` keys the item.
Rect reserve_canvas(const char* id, ImVec2 size);

// Fills every cell with heat_color(t(row, col)) (t in [0, 1]), one rectangle per cell: for
// small maps (bars, slots).
void draw_heatmap(ImDrawList* dl, const HeatmapGeometry& g, const std::function<double(int, int)>& t);

// A heat map as one OpenGL texture (one texel per cell, nearest filtering) drawn as a single
// quad, with the gaps painted over it as lines. Under a software rasteriser every triangle
// costs set-up time, so 501 x 32 cells as 2 triangles instead of 32,000 is what keeps a frame
// of the big expert-load maps within budget. The texture is refilled only when the caller's
// `key` (what the map shows) changes. Owns its GL texture; UI thread only.
class HeatmapTexture {
 public:
  HeatmapTexture() = default;
  ~HeatmapTexture();
  HeatmapTexture(const HeatmapTexture&) = delete;
  HeatmapTexture& operator=(const HeatmapTexture&) = delete;

  // Refills the texture when `key` or the size changes; t(row, col) in [0, 1].
  void update(uint64_t key, int rows, int cols, const std::function<double(int, int)>& t);
  // Draws into g's area (g must have the texture's rows and columns); gaps in `gap_color`.
  void draw(ImDrawList* dl, const HeatmapGeometry& g, ImU32 gap_color) const;

 private:
  unsigned texture_ = 0;
  uint64_t key_ = 0;
  int rows_ = 0, cols_ = 0;
};

// Combines values into a cache key (FNV-1a over their bytes).
uint64_t cache_key(std::initializer_list<uint64_t> parts);

// The colour behind every view (the main window draws no background of its own; the app
// clears to this colour), used for heat-map gaps.
ImU32 background_color();

// A vertical colour bar with its max value and zero labelled.
void draw_colorbar(ImDrawList* dl, Rect r, ValueScale scale, double max_value, const std::string& max_label);

// Ticks and labels below `plot` (x axis, values lo..hi) or left of it (y axis).
void draw_x_axis(ImDrawList* dl, Rect plot, double lo, double hi, int max_ticks,
                 const std::function<std::string(double)>& label);
void draw_y_axis(ImDrawList* dl, Rect plot, double lo, double hi, int max_ticks,
                 const std::function<std::string(double)>& label);

struct PlotSeries {
  const float* y = nullptr;  // y[i] at x = i
  int n = 0;
  ImU32 color = kTextColor;
  std::string label;
};
// Line plot of series over x = 0..n-1 in `plot`, y range [0, y_max]; legend at the top right.
void draw_line_plot(ImDrawList* dl, Rect plot, const std::vector<PlotSeries>& series, double y_max);

// Text centred in a rectangle (clipped to it).
void draw_centered_text(ImDrawList* dl, Rect r, ImU32 color, const std::string& text);

}  // namespace moesim::viz
