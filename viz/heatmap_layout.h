// Cell geometry of a heat map: `rows` x `cols` cells filling a rectangle, with a gap between
// cells when they are wide enough to afford one, and the folding of more columns than pixels.
// Views draw from this and hit-test the mouse with it; tests check pictures against it.
// Plain values; thread-safe.
#pragma once

#include <vector>

#include "viz/geometry.h"

namespace moesim::viz {

// Cells narrower or shorter than this get no gap (a gap would eat the cell).
constexpr float kMinCellForGapPx = 6.0f;

class HeatmapGeometry {
 public:
  HeatmapGeometry() = default;
  // Lays `rows` x `cols` cells into `area`; `gap_px` separates cells along an axis where the
  // cell pitch on that axis is at least kMinCellForGapPx.
  HeatmapGeometry(Rect area, int rows, int cols, float gap_px);

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  const Rect& area() const { return area_; }
  float pitch_x() const { return pitch_x_; }
  float pitch_y() const { return pitch_y_; }
  float gap_x() const { return gap_x_; }
  float gap_y() const { return gap_y_; }

  // The filled part of cell (row, col); the gap lies on its right and bottom.
  Rect cell(int row, int col) const;
  // The cell under a point, or false outside the grid or inside a gap.
  bool hit(float x, float y, int* row, int* col) const;

 private:
  Rect area_;
  int rows_ = 0, cols_ = 0;
  float pitch_x_ = 0, pitch_y_ = 0;
  float gap_x_ = 0, gap_y_ = 0;
};

// When a heat map has more columns than pixels, neighbouring columns share a drawn column.
// Returns, for each drawn column, the first data column it covers (size = drawn + 1, last entry
// = num_cols), drawn = min(num_cols, max(1, floor(width_px))). Each drawn column covers
// floor or ceil of num_cols / drawn data columns, so no data column is dropped.
std::vector<int> fold_columns(int num_cols, float width_px);

}  // namespace moesim::viz
