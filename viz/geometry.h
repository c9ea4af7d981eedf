// Screen-space rectangles and points shared by the layout functions (pixels, y down).
// Plain values; thread-safe.
#pragma once

namespace moesim::viz {

struct Vec2 {
  float x = 0, y = 0;
};

struct Rect {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  float width() const { return x1 - x0; }
  float height() const { return y1 - y0; }
  bool contains(float x, float y) const { return x >= x0 && x < x1 && y >= y0 && y < y1; }
};

}  // namespace moesim::viz
