#include "viz/heatmap_layout.h"

#include <gtest/gtest.h>

namespace moesim::viz {
namespace {

TEST(HeatmapGeometry, CellsTileTheAreaWithGaps) {
  // 100 x 50 px for 5 rows x 10 columns: 10 px pitch both ways, 1 px gap right and below.
  const HeatmapGeometry g({10, 20, 110, 70}, 5, 10, 1.0f);
  EXPECT_FLOAT_EQ(g.pitch_x(), 10);
  EXPECT_FLOAT_EQ(g.pitch_y(), 10);
  const Rect c = g.cell(2, 3);
  EXPECT_FLOAT_EQ(c.x0, 40);
  EXPECT_FLOAT_EQ(c.y0, 40);
  EXPECT_FLOAT_EQ(c.x1, 49);
  EXPECT_FLOAT_EQ(c.y1, 49);
  const Rect last = g.cell(4, 9);
  EXPECT_FLOAT_EQ(last.x1, 109);
  EXPECT_FLOAT_EQ(last.y1, 69);
}

TEST(HeatmapGeometry, HitTestsCellsAndGaps) {
  const HeatmapGeometry g({10, 20, 110, 70}, 5, 10, 1.0f);
  int r = -1, c = -1;
  ASSERT_TRUE(g.hit(45, 45, &r, &c));
  EXPECT_EQ(r, 2);
  EXPECT_EQ(c, 3);
  EXPECT_FALSE(g.hit(49.5f, 45, &r, &c));  // the gap right of (2, 3)
  EXPECT_FALSE(g.hit(5, 45, &r, &c));      // left of the grid
  EXPECT_FALSE(g.hit(50, 70, &r, &c));     // bottom edge is outside
}

TEST(HeatmapGeometry, NoGapForNarrowCells) {
  // 30 px for 10 columns: 3 px pitch is below kMinCellForGapPx, so cells touch.
  const HeatmapGeometry g({10, 0, 40, 100}, 4, 10, 1.0f);
  EXPECT_FLOAT_EQ(g.gap_x(), 0);
  EXPECT_FLOAT_EQ(g.gap_y(), 1);
  EXPECT_FLOAT_EQ(g.cell(0, 1).x0, 13);
  EXPECT_FLOAT_EQ(g.cell(0, 1).x1, 16);
}

TEST(HeatmapGeometry, EmptyGridHitsNothing) {
  const HeatmapGeometry g({0, 0, 10, 10}, 0, 3, 1.0f);
  int r, c;
  EXPECT_FALSE(g.hit(5, 5, &r, &c));
}

TEST(FoldColumns, MoreColumnsThanPixels) {
  // 501 snapshots into 200 px: 200 drawn columns covering 2 or 3 snapshots each, none lost.
  const auto s = fold_columns(501, 200.0f);
  ASSERT_EQ(s.size(), 201u);
  EXPECT_EQ(s.front(), 0);
  EXPECT_EQ(s.back(), 501);
  for (size_t i = 1; i < s.size(); ++i) {
    const int span = s[i] - s[i - 1];
    EXPECT_TRUE(span == 2 || span == 3) << i;
  }
}

TEST(FoldColumns, FewerColumnsThanPixelsIsIdentity) {
  const auto s = fold_columns(10, 100.0f);
  ASSERT_EQ(s.size(), 11u);
  for (int i = 0; i <= 10; ++i) EXPECT_EQ(s[i], i);
}

TEST(FoldColumns, DegenerateWidths) {
  EXPECT_EQ(fold_columns(5, 0.5f), (std::vector<int>{0, 5}));
  EXPECT_EQ(fold_columns(0, 100.0f), (std::vector<int>{0}));
}

}  // namespace
}  // namespace moesim::viz
