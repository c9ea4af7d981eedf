#include "viz/heatmap_layout.h"

#include <algorithm>
#include <cmath>

namespace moesim::viz {

HeatmapGeometry::HeatmapGeometry(Rect area, int rows, int cols, float gap_px)
    : area_(area), rows_(std::max(rows, 0)), cols_(std::max(cols, 0)) {
  if (rows_ == 0 || cols_ == 0) return;
  pitch_x_ = area.width() / cols_;
  pitch_y_ = area.height() / rows_;
  gap_x_ = pitch_x_ >= kMinCellForGapPx ? gap_px : 0.0f;
  gap_y_ = pitch_y_ >= kMinCellForGapPx ? gap_px : 0.0f;
}

Rect HeatmapGeometry::cell(int row, int col) const {
  const float x0 = area_.x0 + col * pitch_x_;
  const float y0 = area_.y0 + row * pitch_y_;
  return {x0, y0, x0 + pitch_x_ - gap_x_, y0 + pitch_y_ - gap_y_};
}

bool HeatmapGeometry::hit(float x, float y, int* row, int* col) const {
  if (rows_ == 0 || cols_ == 0 || !area_.contains(x, y)) return false;
  const int c = std::min(cols_ - 1, static_cast<int>((x - area_.x0) / pitch_x_));
  const int r = std::min(rows_ - 1, static_cast<int>((y - area_.y0) / pitch_y_));
  if (!cell(r, c).contains(x, y)) return false;
  *row = r;
  *col = c;
  return true;
}

std::vector<int> fold_columns(int num_cols, float width_px) {
  std::vector<int> starts;
  if (num_cols <= 0) return {0};
  const int drawn = std::clamp(static_cast<int>(std::floor(width_px)), 1, num_cols);
  starts.reserve(drawn + 1);
  // Bresenham-style split: drawn column i covers [i*n/d, (i+1)*n/d).
  for (int i = 0; i <= drawn; ++i) {
    starts.push_back(static_cast<int>(static_cast<long long>(i) * num_cols / drawn));
  }
  return starts;
}

}  // namespace moesim::viz
