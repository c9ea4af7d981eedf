// The Profiles view rendered by the real application under Xvfb on a SYNTHETIC profile and
// calibration (tests/viz/synthetic_profile.h: made-up figures, not a measurement): markers
// where the points are, filled for the points the fit saw and hollow for held-out ones, the
// fitted curve in its colour where the calibration puts it, and files that do not open.
#include <algorithm>
#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>

#include "tests/viz/headless_util.h"
#include "tests/viz/synthetic_profile.h"
#include "traces/file_io.h"
#include "traces/proto_io.h"
#include "viz/view_profile.h"

namespace moesim::viz {
namespace {

using testing::Image;
using testing::pixel;

#define MAKE_APP_OR_SKIP(app, w, h)               \
  std::string why_;                               \
  auto app = testing::make_test_app(w, h, &why_); \
  if (!app) GTEST_SKIP() << "no OpenGL window: " << why_;

Rgb8 rgb(ImU32 c) { return {static_cast<uint8_t>(c & 0xFF), static_cast<uint8_t>((c >> 8) & 0xFF), static_cast<uint8_t>((c >> 16) & 0xFF)}; }

// Whether a pixel within `radius` of (x, y) has colour `c` (anti-aliased edges blend, so
// allow some tolerance).
bool colour_near(const Image& img, float x, float y, int radius, ImU32 c, int tolerance) {
  for (int dy = -radius; dy <= radius; ++dy) {
    for (int dx = -radius; dx <= radius; ++dx) {
      const int px = static_cast<int>(std::lround(x)) + dx, py = static_cast<int>(std::lround(y)) + dy;
      if (px < 0 || py < 0 || px >= img.width || py >= img.height) continue;
      if (testing::near(pixel(img, px, py), rgb(c), tolerance)) return true;
    }
  }
  return false;
}

std::shared_ptr<const Document> synthetic_profile_doc() {
  return Document::from_profile(testing::make_synthetic_profile(), "synthetic_profile.pb",
                                "synthetic profile (test fixture)");
}
std::shared_ptr<const Document> synthetic_calibration_doc() {
  return Document::from_calibration(testing::make_synthetic_calibration(), "synthetic_calibration.pb",
                                    "synthetic calibration (test fixture)", nullptr, "", "");
}

TEST(ProfileView, SyntheticPointsAndFittedCurves) {
  MAKE_APP_OR_SKIP(app, 1400, 900);
  app->add_document(synthetic_profile_doc());
  app->add_document(synthetic_calibration_doc());
  app->set_active_document(0);
  ASSERT_TRUE(app->select_view("profiles").ok());
  auto* view = static_cast<ProfileView*>(app->selected_view());
  const Image img = testing::render(*app);
  ASSERT_EQ(view->sources().calibration, &app->documents()[1]->calibration());
  const Profile& profile = app->documents()[0]->profile();
  const Calibration& cal = app->documents()[1]->calibration();

  const ProfileView::PlotFrame* a2a = view->plot("alltoall-time");
  ASSERT_NE(a2a, nullptr);
  EXPECT_EQ(a2a->x.scale, AxisScale::kLog);
  EXPECT_EQ(a2a->y.scale, AxisScale::kLog);
  EXPECT_EQ(a2a->num_points, testing::kSyntheticAllToAllPoints + 2);  // uniform + alltoallv
  EXPECT_GT(a2a->num_curve_points, 100);

  // Something is drawn over most of the plot's width: not the panel or its grid.
  const Rect& r = a2a->plot;
  int drawn = 0;
  for (int y = static_cast<int>(r.y0) + 1; y < static_cast<int>(r.y1) - 1; ++y) {
    for (int x = static_cast<int>(r.x0) + 1; x < static_cast<int>(r.x1) - 1; ++x) {
      const Rgb8 c = pixel(img, x, y);
      if (!testing::near(c, rgb(kPanelColor), 3) && !testing::near(c, Rgb8{48, 48, 56}, 3)) ++drawn;
    }
  }
  EXPECT_GT(drawn, 1500);

  // Every uniform point at (size, median): filled in the point colour when the fit saw it
  // (even index), a ring in the held-out colour otherwise.
  int seen = 0;
  for (const auto& rec : profile.records()) {
    if (rec.benchmark() != "alltoall" || rec.timed_out()) continue;
    const float x = a2a->x.to_px(rec.size_bytes()), y = a2a->y.to_px(rec.median_s());
    ASSERT_TRUE(r.contains(x, y)) << rec.size_bytes();
    if (rec.index() % 2 == 0) {
      EXPECT_TRUE(testing::near(pixel(img, static_cast<int>(std::lround(x)), static_cast<int>(std::lround(y))),
                                rgb(kProfilePointColor), 8))
          << "fitted point at " << rec.size_bytes();
    } else {
      EXPECT_TRUE(colour_near(img, x, y, 5, kProfileHeldOutColor, 25)) << "held-out ring at " << rec.size_bytes();
      EXPECT_FALSE(testing::near(pixel(img, static_cast<int>(std::lround(x)), static_cast<int>(std::lround(y))),
                                 rgb(kProfilePointColor), 40))
          << "held-out point filled at " << rec.size_bytes();
    }
    ++seen;
  }
  EXPECT_EQ(seen, testing::kSyntheticAllToAllPoints);

  // The fitted curve, half-way (in log size) between neighbouring points, at the closed-form
  // time of the fixture's model: 15 us + 2 us + 3 m / 4e9 below 16 KiB per peer, 27 us +
  // 12 m / 40e9 above (m = size / 4), written out here rather than taken from the view.
  auto model_s = [](double size) {
    const double m = size / 4;
    return m < 16384 ? 17e-6 + 3 * m / 4e9 : 27e-6 + 12 * m / 40e9;
  };
  int curve_hits = 0, probes = 0;
  for (int i = 0; i + 1 < testing::kSyntheticAllToAllPoints; ++i) {
    const double size = 4096.0 * (1 << i) * std::sqrt(2.0);
    if (std::fabs(size / 4 - 16384) < 8192) continue;  // the jump between regimes
    ++probes;
    curve_hits += colour_near(img, a2a->x.to_px(size), a2a->y.to_px(model_s(size)), 2, kProfileCurveColor, 30);
  }
  EXPECT_EQ(curve_hits, probes);
  // ...and not where there is no curve: a decade below it.
  EXPECT_FALSE(colour_near(img, a2a->x.to_px(4096 * 8), a2a->y.to_px(model_s(4096 * 8) / 10), 2, kProfileCurveColor, 30));

  // The other plots have their points and curves.
  for (const char* id : {"alltoall-busbw", "p2p", "gemm", "kernels"}) {
    const auto* p = view->plot(id);
    ASSERT_NE(p, nullptr) << id;
    EXPECT_GT(p->num_points, 4) << id;
    EXPECT_GT(p->num_curve_points, 50) << id;
  }
  EXPECT_EQ(view->plot("p2p")->num_points, 12);
  EXPECT_EQ(view->plot("gemm")->num_points, 8);
  EXPECT_EQ(view->plot("kernels")->num_points, 10);
  // GEMM: the curve at 128 tokens per expert is half of max_flops (1 TFLOP/s).
  const auto* gemm = view->plot("gemm");
  EXPECT_EQ(gemm->y.scale, AxisScale::kLinear);
  EXPECT_TRUE(colour_near(img, gemm->x.to_px(128), gemm->y.to_px(0.5 * cal.gemm().max_flops()), 2, kProfileCurveColor, 30));
}

TEST(ProfileView, CalibrationAloneShowsTheFitReportPoints) {
  MAKE_APP_OR_SKIP(app, 1200, 800);
  app->add_document(synthetic_calibration_doc());
  ASSERT_EQ(app->selected_view()->name(), std::string("profiles"));  // chosen for a calibration
  auto* view = static_cast<ProfileView*>(app->selected_view());
  const Image img = testing::render(*app);
  EXPECT_EQ(view->sources().profile, nullptr);
  ASSERT_NE(view->plot("alltoall-time"), nullptr);
  EXPECT_EQ(view->plot("alltoall-time")->num_points, 7);  // the residuals of the even sizes
  EXPECT_EQ(view->plot("gemm"), nullptr);                 // no residuals for it in the fixture
  EXPECT_GT(testing::distinct_colors(img), 10);
}

TEST(ProfileView, FilesThatDoNotOpen) {
  MAKE_APP_OR_SKIP(app, 900, 600);
  const std::string dir = testing::scratch_dir();
  std::string bytes;
  ASSERT_TRUE(testing::make_synthetic_profile().SerializeToString(&bytes));
  const std::string truncated = dir + "/profile_truncated.pb";
  ASSERT_TRUE(write_file_atomic(truncated, bytes.substr(0, bytes.size() - 1)).ok());
  const Status st = app->open(truncated);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(truncated + ": neither a SimResult"), std::string::npos) << st.message();
  ASSERT_EQ(app->errors().size(), 1u);
  app->add_document(synthetic_profile_doc());
  ASSERT_TRUE(app->select_view("profiles").ok());
  const Image img = testing::render(*app);  // the error line and the profile, no crash
  EXPECT_GT(testing::distinct_colors(img), 10);
  // The command line: a profile and its calibration make a screenshot of the Profiles view; a
  // truncated one exits 2 and writes nothing.
  const std::string moeviz = std::string(MOESIM_BIN_DIR) + "/moeviz";
  ASSERT_TRUE(save_proto(dir + "/synthetic_profile.pb", testing::make_synthetic_profile()).ok());
  ASSERT_TRUE(save_proto(dir + "/synthetic_calibration.json", testing::make_synthetic_calibration()).ok());
  const std::string png = dir + "/profiles.png";
  std::filesystem::remove(png);
  auto r = testing::run_command(moeviz + " " + dir + "/synthetic_calibration.json --size 1000x700 --screenshot " + png);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("view profiles"), std::string::npos) << r.output;
  EXPECT_TRUE(std::filesystem::exists(png));
  std::filesystem::remove(png);
  r = testing::run_command(moeviz + " " + truncated + " --view profiles --screenshot " + png);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("moeviz: " + truncated + ":"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(png));
}

}  // namespace
}  // namespace moesim::viz
