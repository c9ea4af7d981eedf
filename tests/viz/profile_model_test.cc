// The Profiles view's numbers without GL: log axes, the fitted curves against hand-computed
// values, measured series from a SYNTHETIC profile (tests/viz/synthetic_profile.h), pairing of
// open documents, and loading profiles and calibrations by content.
#include "viz/profile_model.h"

#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>

#include "tests/viz/synthetic_profile.h"
#include "tests/viz/synthetic_result.h"
#include "traces/file_io.h"
#include "traces/proto_io.h"
#include "viz/plot_axis.h"

namespace moesim::viz {
namespace {

std::string temp_dir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/viz_profile_model_test/" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(AxisMap, LogAxisSpendsEqualPixelsPerDecade) {
  AxisMap x{1, 1000, 0, 300, AxisScale::kLog};
  ASSERT_TRUE(x.valid());
  EXPECT_FLOAT_EQ(x.to_px(1), 0);
  EXPECT_FLOAT_EQ(x.to_px(10), 100);
  EXPECT_FLOAT_EQ(x.to_px(100), 200);
  EXPECT_NEAR(x.to_px(std::sqrt(10.0)), 50, 1e-4);  // half a decade
  EXPECT_NEAR(x.to_value(250), std::pow(10.0, 2.5), 1e-9);
  EXPECT_TRUE(std::isnan(x.to_px(0)));
  EXPECT_TRUE(std::isnan(x.to_px(-5)));
  // A y axis runs bottom (px_lo) to top (px_hi): 10 is a third of the way up from 400.
  AxisMap y{1, 1000, 400, 100, AxisScale::kLog};
  EXPECT_FLOAT_EQ(y.to_px(10), 300);
  EXPECT_NEAR(y.to_value(200), 100, 1e-9);
  AxisMap lin{0, 50, 10, 110, AxisScale::kLinear};
  EXPECT_FLOAT_EQ(lin.to_px(25), 60);
  EXPECT_DOUBLE_EQ(lin.to_value(30), 10);
  EXPECT_FALSE((AxisMap{0, 10, 0, 1, AxisScale::kLog}).valid());
  EXPECT_FALSE((AxisMap{5, 5, 0, 1, AxisScale::kLinear}).valid());
}

TEST(AxisMap, CoveringRanges) {
  double lo = 0, hi = 0;
  ASSERT_TRUE(covering_range({10, 1000, -1, 0, NAN}, AxisScale::kLog, 0.0, &lo, &hi));
  EXPECT_DOUBLE_EQ(lo, 10);
  EXPECT_DOUBLE_EQ(hi, 1000);
  // 10% of the two decades on each side: 10^0.8 .. 10^3.2.
  ASSERT_TRUE(covering_range({10, 1000}, AxisScale::kLog, 0.1, &lo, &hi));
  EXPECT_NEAR(lo, std::pow(10.0, 0.8), 1e-9);
  EXPECT_NEAR(hi, std::pow(10.0, 3.2), 1e-9);
  // One value still gets a quarter of a decade around it.
  ASSERT_TRUE(covering_range({100}, AxisScale::kLog, 0.0, &lo, &hi));
  EXPECT_NEAR(lo, std::pow(10.0, 1.875), 1e-9);
  EXPECT_NEAR(hi, std::pow(10.0, 2.125), 1e-9);
  // Linear, non-negative data: from 0, padded at the top by 10% of 8.
  ASSERT_TRUE(covering_range({2, 8}, AxisScale::kLinear, 0.1, &lo, &hi));
  EXPECT_DOUBLE_EQ(lo, 0);
  EXPECT_DOUBLE_EQ(hi, 8.8);
  EXPECT_FALSE(covering_range({-1, 0}, AxisScale::kLog, 0.1, &lo, &hi));
  EXPECT_FALSE(covering_range({}, AxisScale::kLinear, 0.1, &lo, &hi));
}

TEST(AxisMap, LogTicks) {
  EXPECT_EQ(log_tick_values(1, 1e6, 10), (std::vector<double>{1, 10, 100, 1e3, 1e4, 1e5, 1e6}));
  EXPECT_EQ(log_tick_values(1, 1e6, 3), (std::vector<double>{1, 1e3, 1e6}));  // every third decade
  EXPECT_EQ(log_tick_values(0.9, 1.1e3, 10), (std::vector<double>{1, 10, 100, 1e3}));
  // Less than three decades: 1, 2, 5 x 10^k.
  EXPECT_EQ(log_tick_values(3, 40, 10), (std::vector<double>{5, 10, 20}));
  EXPECT_TRUE(log_tick_values(0, 10, 5).empty());
}

TEST(FittedCurves, AllToAllClosedFormByHand) {
  const Calibration c = testing::make_synthetic_calibration();
  const int n = 4;
  // Regime 1 (bytes per peer < 16384): 15 us + 2 x 1 us + 3 x 1024 B / 4 GB/s = 17.768 us.
  EXPECT_NEAR(fitted_alltoall_time_s(c, n, 1024), 17.768e-6, 1e-15);
  // Regime 2, 1 MiB per peer: rank links give each flow 20e9 / 3 B/s, the shared link 40e9 / 12,
  // which binds: 27 us + 12 x 1048576 / 40e9 = 27 us + 314.5728 us.
  EXPECT_NEAR(fitted_alltoall_time_s(c, n, 1048576), 27e-6 + 314.5728e-6, 1e-15);
  // At the boundary the second regime applies: 27 us + 12 x 16384 / 40e9 = 31.9152 us.
  EXPECT_NEAR(fitted_alltoall_time_s(c, n, 16384), 31.9152e-6, 1e-15);
  int index = -1;
  EXPECT_EQ(fitted_alltoall_regime(c, 16383.5, &index), &c.alltoall(0));
  EXPECT_EQ(index, 0);
  EXPECT_EQ(fitted_alltoall_regime(c, 1e15, &index), &c.alltoall(1));  // past the last: the last
  EXPECT_EQ(index, 1);
  // The plot's x is the size per rank (n x bytes per peer), nccl-tests' convention.
  EXPECT_NEAR(curve_value(c, {CurveKind::kAllToAllTime, n, ""}, 4096), 17.768e-6, 1e-15);
  // busbw = 4096 B / 17.768 us x 3/4 = 0.172895... GB/s.
  EXPECT_NEAR(curve_value(c, {CurveKind::kAllToAllBusbw, n, ""}, 4096), 0.1728950923, 1e-9);
  EXPECT_NEAR(alltoall_busbw_gb_per_s(1048576, 1e-3, 4), 0.786432, 1e-12);

  // Issue-bound: 3 messages at 100 us each outlast 3 x 1000 B at 1 GB/s (3 us).
  Calibration slow;
  slow.mutable_environment()->set_num_ranks(4);
  auto* r = slow.add_alltoall();
  r->set_min_message_bytes(100);  // below the first regime: the first
  r->set_per_message_s(1e-4);
  r->set_rank_bandwidth_bytes_per_s(1e9);
  EXPECT_NEAR(fitted_alltoall_time_s(slow, 4, 1000), 3e-4, 1e-15);
  EXPECT_NEAR(fitted_alltoall_time_s(slow, 4, 10), 3e-4, 1e-15);
  EXPECT_NEAR(fitted_alltoall_time_s(slow, 4, 1e6), 3e-3, 1e-15);  // 3 x 1e6 / 1e9
  EXPECT_TRUE(std::isnan(fitted_alltoall_time_s(slow, 1, 1000)));
  EXPECT_TRUE(std::isnan(fitted_alltoall_time_s(Calibration(), 4, 1000)));
}

TEST(FittedCurves, P2pGemmKernelsByHand) {
  const Calibration c = testing::make_synthetic_calibration();
  EXPECT_NEAR(fitted_p2p_time_s(c, "same-node", 1e6), 2e-6 + 5e-5, 1e-15);
  EXPECT_NEAR(fitted_p2p_time_s(c, "other-node", 1e6), 8e-6 + 2e-4, 1e-15);
  EXPECT_TRUE(std::isnan(fitted_p2p_time_s(c, "nvlink", 1e6)));
  // max_flops * t / (t + half): half at t = half, three quarters at 3 x half.
  EXPECT_NEAR(fitted_gemm_flops_per_s(c.gemm(), 128), 1e12, 1);
  EXPECT_NEAR(fitted_gemm_flops_per_s(c.gemm(), 384), 1.5e12, 1);
  GemmCalibration with_launch = c.gemm();
  with_launch.set_launch_s(1e-6);
  // 2 x 128 x 1024 x 2048 = 536870912 flops take 536.870912 us at 1 TFLOP/s, plus 1 us.
  EXPECT_NEAR(fitted_gemm_flops_per_s(with_launch, 128), 536870912 / 537.870912e-6, 1);
  // 1000 tokens: 5 us + 1000 / 2e8 s = 10 us -> 1e8 tokens/s.
  EXPECT_NEAR(fitted_kernel_tokens_per_s(c.kernels(0), 1000), 1e8, 1e-3);
  EXPECT_NEAR(curve_value(c, {CurveKind::kKernelThroughput, 0, "permute"}, 800), 800 / (8e-6 + 8e-6), 1e-3);
  EXPECT_TRUE(std::isnan(curve_value(c, {CurveKind::kKernelThroughput, 0, "unknown"}, 800)));
}

TEST(FittedCurves, SamplesBreakAtTheRegimeSwitch) {
  const Calibration c = testing::make_synthetic_calibration();
  const CurveSpec spec{CurveKind::kAllToAllTime, 4, ""};
  const auto s = sample_curve(c, spec, 4096, 16 << 20, 50);
  ASSERT_EQ(s.size(), 50u);
  EXPECT_DOUBLE_EQ(s.front().x, 4096);
  EXPECT_NEAR(s.back().x, 16 << 20, 1e-6);
  int switches = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(s[i].segment, s[i].x / 4 < 16384 ? 0 : 1);
    EXPECT_DOUBLE_EQ(s[i].y, curve_value(c, spec, s[i].x));
    if (i > 0) switches += s[i].segment != s[i - 1].segment;
  }
  EXPECT_EQ(switches, 1);
  EXPECT_TRUE(sample_curve(c, spec, 0, 10, 50).empty());
}

TEST(ProfileSeries, SyntheticProfile) {
  const Profile p = testing::make_synthetic_profile();
  const ProfileSeries s = profile_series(p, "odd-indices");
  EXPECT_EQ(s.alltoall_ranks, 4);
  ASSERT_EQ(s.alltoall_time.size(), 13u);  // the timed-out case is left out and counted
  EXPECT_EQ(s.num_failed, 1);
  EXPECT_EQ(s.alltoallv_time.size(), 2u);
  ASSERT_EQ(s.p2p.size(), 2u);
  EXPECT_EQ(s.p2p.at("same-node").size(), 6u);
  EXPECT_EQ(s.gemm.size(), 8u);
  EXPECT_EQ(s.gemm_hidden, 1024u);
  ASSERT_EQ(s.kernels.size(), 2u);
  EXPECT_EQ(s.kernels.at("permute").size(), 5u);
  for (size_t i = 0; i < s.alltoall_time.size(); ++i) {
    const ProfilePoint& pt = s.alltoall_time[i];
    EXPECT_EQ(pt.fitted, i % 2 == 0) << i;
    EXPECT_DOUBLE_EQ(pt.x, 4096.0 * (1 << i));
    EXPECT_DOUBLE_EQ(pt.y_p90, 1.1 * pt.y);
    // busbw from the median, and lower at the p90 time.
    EXPECT_NEAR(s.alltoall_busbw[i].y, pt.x / pt.y * 0.75 / 1e9, 1e-12);
    EXPECT_NEAR(s.alltoall_busbw[i].y_p90, s.alltoall_busbw[i].y / 1.1, 1e-12);
  }
  // GEMM: 2 x 4 x 1024 x 2048 flops over the median.
  const ProfileRecord& g1 = p.records(s.gemm[1].record);
  EXPECT_NEAR(s.gemm[1].y, 2.0 * 4 * 1024 * 2048 / g1.median_s(), 1e-3);
  // alltoallv is never fitted; without a hold-out rule nothing is marked fitted.
  EXPECT_FALSE(s.alltoallv_time[0].fitted);
  const ProfileSeries unmarked = profile_series(p, "");
  EXPECT_FALSE(unmarked.alltoall_time[0].fitted);
  const ProfileSeries all = profile_series(p, "none");
  EXPECT_TRUE(all.alltoall_time[1].fitted);
}

TEST(ProfileSeries, HeldOutErrorsAgainstTheFixturesOwnModel) {
  // The fixture's medians are its model times 0.97, 1.0 or 1.03 (by index mod 3); odd indices
  // 1..11 are held out: wobbles 1.0, 0.97, 1.03, 1.0, 0.97, 1.03. The curve's time error is
  // 1/w - 1: 0, 0, -2.9126%, -2.9126%, +3.0928%, +3.0928% -> median 2.9126%, max 3.0928%.
  const ProfileSeries s = profile_series(testing::make_synthetic_profile(), "odd-indices");
  const auto rows = held_out_errors(s, testing::make_synthetic_calibration());
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0].benchmark, "alltoall");
  EXPECT_EQ(rows[0].num_points, 6);
  EXPECT_NEAR(rows[0].median_abs_rel_error, 1 - 1 / 1.03, 1e-12);
  EXPECT_NEAR(rows[0].max_abs_rel_error, 1 / 0.97 - 1, 1e-12);
  for (const auto& r : rows) EXPECT_LE(r.max_abs_rel_error, 1 / 0.97 - 1 + 1e-12) << r.benchmark;
  EXPECT_NEAR(relative_time_error(CurveKind::kGemmFlops, 1.0, 2.0), -0.5, 1e-15);  // twice the rate, half the time
  EXPECT_NEAR(relative_time_error(CurveKind::kP2pTime, 2.0, 3.0), 0.5, 1e-15);
}

TEST(ProfileSeries, FromTheFitReportAlone) {
  const Calibration c = testing::make_synthetic_calibration();
  const ProfileSeries s = fit_report_series(c);
  EXPECT_TRUE(s.from_fit_report);
  ASSERT_EQ(s.alltoall_time.size(), 7u);  // even indices 0..12
  EXPECT_DOUBLE_EQ(s.alltoall_time[0].x, 4096);  // 1024 bytes per peer x 4 ranks
  EXPECT_DOUBLE_EQ(s.alltoall_time[6].x, 4096.0 * (1 << 12));
  for (const auto& pt : s.alltoall_time) EXPECT_TRUE(pt.fitted);
}

TEST(ProfileSources, PairsProfilesWithTheirCalibrations) {
  const auto profile = Document::from_profile(testing::make_synthetic_profile(), "runs/synthetic_profile.pb",
                                              "synthetic_profile.pb");
  const auto cal = Document::from_calibration(testing::make_synthetic_calibration(), "cal.pb", "cal.pb", nullptr, "", "");
  Calibration other_c = testing::make_synthetic_calibration();
  other_c.set_profile_file("another.pb");
  const auto other = Document::from_calibration(other_c, "other.pb", "other.pb", nullptr, "", "");
  const std::vector<std::shared_ptr<const Document>> docs = {profile, cal, other};
  // The calibration naming the profile wins over the more recent one.
  ProfileSources s = pair_profile_sources(docs, 0);
  EXPECT_EQ(s.profile, &profile->profile());
  EXPECT_EQ(s.calibration, &cal->calibration());
  // A calibration without its own profile takes the open one.
  s = pair_profile_sources(docs, 2);
  EXPECT_EQ(s.calibration, &other->calibration());
  EXPECT_EQ(s.profile, &profile->profile());
  // A calibration that carries its profile shows that one.
  auto carried = std::make_shared<const Profile>(testing::make_synthetic_profile());
  const auto with = Document::from_calibration(testing::make_synthetic_calibration(), "w.pb", "w.pb", carried,
                                               "dir/synthetic_profile.pb", "");
  s = pair_profile_sources({profile, with}, 1);
  EXPECT_EQ(s.profile, carried.get());
  EXPECT_EQ(s.profile_path, "dir/synthetic_profile.pb");
  // Alone, a profile has no calibration.
  s = pair_profile_sources({profile}, 0);
  EXPECT_EQ(s.calibration, nullptr);
  EXPECT_EQ(pair_profile_sources({}, 0).profile, nullptr);
}

TEST(LoadProfileDocument, ProfilesAndCalibrationsByContent) {
  const std::string dir = temp_dir("by_content");
  Profile running = testing::make_synthetic_profile();
  // An unfinished run: without `complete`, a Profile's bytes would also parse as a SimResult
  // (fields 1 and 2 are messages in both), which only nested unknown fields give away.
  running.set_complete(false);
  for (const char* name : {"synthetic_profile.pb", "p.json", "p.textproto"}) {
    ASSERT_TRUE(save_proto(dir + "/" + name, running).ok());
    auto doc = load_document(dir + "/" + name);
    ASSERT_TRUE(doc.ok()) << doc.message();
    EXPECT_EQ(doc.value()->kind(), DocumentKind::kProfile) << name;
    EXPECT_EQ(doc.value()->profile().records_size(), running.records_size());
    EXPECT_FALSE(doc.value()->is_result());
  }
  // A calibration opens the profile its profile_file names, found beside it.
  ASSERT_TRUE(save_proto(dir + "/calibration.pb", testing::make_synthetic_calibration()).ok());
  auto cal = load_document(dir + "/calibration.pb");
  ASSERT_TRUE(cal.ok()) << cal.message();
  EXPECT_EQ(cal.value()->kind(), DocumentKind::kCalibration);
  ASSERT_TRUE(cal.value()->has_profile());
  EXPECT_EQ(cal.value()->profile_path(), dir + "/synthetic_profile.pb");
  EXPECT_EQ(cal.value()->profile().records_size(), running.records_size());
  EXPECT_STREQ(document_kind_name(cal.value()->kind()), "calibration");
  // Without it, a note says so; the calibration still opens.
  const std::string lonely = temp_dir("lonely");
  ASSERT_TRUE(save_proto(lonely + "/calibration.json", testing::make_synthetic_calibration()).ok());
  cal = load_document(lonely + "/calibration.json");
  ASSERT_TRUE(cal.ok()) << cal.message();
  EXPECT_FALSE(cal.value()->has_profile());
  EXPECT_NE(cal.value()->profile_note().find("synthetic_profile.pb not found"), std::string::npos)
      << cal.value()->profile_note();
  // Results are still results.
  ASSERT_TRUE(save_proto(dir + "/result.pb", testing::make_synthetic_result({})).ok());
  auto result = load_document(dir + "/result.pb");
  ASSERT_TRUE(result.ok()) << result.message();
  EXPECT_TRUE(result.value()->is_result());
}

TEST(LoadProfileDocument, TruncatedAndWrongFilesSayWhatIsWrong) {
  const std::string dir = temp_dir("bad");
  std::string bytes;
  ASSERT_TRUE(testing::make_synthetic_profile().SerializeToString(&bytes));
  for (size_t cut : {bytes.size() / 2 + 3, bytes.size() - 1, size_t{5}}) {
    const std::string path = dir + "/truncated.pb";
    ASSERT_TRUE(write_file_atomic(path, bytes.substr(0, cut)).ok());
    auto doc = load_document(path);
    // Cutting a message in the middle of a field fails to parse as any type; cutting between
    // records would leave a shorter, valid profile, which these cuts are not.
    ASSERT_FALSE(doc.ok()) << cut;
    EXPECT_NE(doc.message().find(path + ": neither a SimResult nor an ExpertLoadTrace"), std::string::npos)
        << doc.message();
  }
  ASSERT_TRUE(write_file_atomic(dir + "/cal.json", "{\"links\": [{\"latency\": 1}]}").ok());
  auto doc = load_document(dir + "/cal.json");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.message().find("cal.json"), std::string::npos) << doc.message();
}

}  // namespace
}  // namespace moesim::viz
