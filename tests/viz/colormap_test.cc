#include "viz/colormap.h"

#include <cmath>
#include <set>

#include <gtest/gtest.h>

namespace moesim::viz {
namespace {

TEST(HeatColor, LuminanceRisesStrictlyWithValue) {
  // "Hotter is brighter" must hold everywhere, not only at the control points.
  double prev = -1;
  for (int i = 0; i <= 200; ++i) {
    const double lum = relative_luminance(heat_color(i / 200.0));
    EXPECT_GT(lum, prev) << "t=" << i / 200.0;
    prev = lum;
  }
}

TEST(HeatColor, ClampsOutOfRangeAndNaN) {
  const Rgb8 lo = heat_color(0), hi = heat_color(1);
  for (double t : {-1.0, std::nan("")}) {
    const Rgb8 c = heat_color(t);
    EXPECT_EQ(c.r, lo.r);
    EXPECT_EQ(c.g, lo.g);
    EXPECT_EQ(c.b, lo.b);
  }
  const Rgb8 c = heat_color(7);
  EXPECT_EQ(c.r, hi.r);
  EXPECT_EQ(c.g, hi.g);
  EXPECT_EQ(c.b, hi.b);
}

TEST(RelativeLuminance, BlackAndWhite) {
  EXPECT_DOUBLE_EQ(relative_luminance({0, 0, 0}), 0.0);
  EXPECT_NEAR(relative_luminance({255, 255, 255}), 1.0, 1e-12);
}

TEST(ScaleValue, LinearAndLog) {
  EXPECT_DOUBLE_EQ(scale_value(5, 10, ValueScale::kLinear), 0.5);
  // log1p(e - 1) / log1p(e^2 - 1) = 1 / 2.
  EXPECT_NEAR(scale_value(std::exp(1.0) - 1, std::exp(2.0) - 1, ValueScale::kLog), 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(scale_value(0, 10, ValueScale::kLog), 0.0);
  EXPECT_DOUBLE_EQ(scale_value(3, 0, ValueScale::kLinear), 0.0);
  EXPECT_DOUBLE_EQ(scale_value(30, 10, ValueScale::kLinear), 1.0);
}

TEST(PackAbgr, MatchesImGuiLayout) {
  // ImGui's IM_COL32(r, g, b, a) is a << 24 | b << 16 | g << 8 | r.
  EXPECT_EQ(pack_abgr({1, 2, 3}, 4), 0x04030201u);
}

TEST(EventKindColor, AllKindsDistinctAndNamed) {
  std::set<uint32_t> colors;
  std::set<std::string> names;
  for (int k = 0; k < kNumEventKinds; ++k) {
    colors.insert(pack_abgr(event_kind_color(k)));
    names.insert(event_kind_name(k));
  }
  EXPECT_EQ(colors.size(), static_cast<size_t>(kNumEventKinds));
  EXPECT_EQ(names.size(), static_cast<size_t>(kNumEventKinds));
  EXPECT_STREQ(event_kind_name(3), "expert");
}

}  // namespace
}  // namespace moesim::viz
