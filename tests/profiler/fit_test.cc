// Least-squares fits: known alpha/beta recovered from synthetic points, constraints, regimes.
#include "profiler/fit.h"

#include <cmath>

#include <gtest/gtest.h>

#include "profiler/stats.h"

namespace moesim::profiler {
namespace {

std::vector<FitPoint> line(double alpha, double beta, double from, double to) {
  std::vector<FitPoint> p;
  for (double x = from; x <= to; x *= 2) p.push_back({x, alpha + beta * x, "p"});
  return p;
}

TEST(Stats, MedianMinMeanP90) {
  // Sorted: 1 2 3 4 10: median 3, mean 4, p90 = x[ceil(4.5) - 1] = x[4] = 10.
  const SampleStats s = summarize({10, 2, 4, 1, 3});
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.mean, 4);
  EXPECT_DOUBLE_EQ(s.p90, 10);
  EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_EQ(summarize({}).count, 0);
}

TEST(FitLinear, RecoversExactAlphaBeta) {
  // 5 us + bytes / 10 GB/s, 1 KiB .. 64 MiB.
  const auto pts = line(5e-6, 1e-10, 1024, 64.0 * 1024 * 1024);
  const LinearModel m = fit_linear_relative(pts);
  EXPECT_NEAR(m.alpha, 5e-6, 1e-12);
  EXPECT_NEAR(m.beta, 1e-10, 1e-16);
  EXPECT_NEAR(relative_rss(m, pts), 0.0, 1e-18);
}

TEST(FitLinear, RelativeWeightsServeSmallSizes) {
  // Noise of +-10% alternating: relative least squares keeps every residual near 10%, where
  // ordinary least squares would let the microsecond points drift by far more.
  auto pts = line(2e-6, 2e-10, 1024, 1 << 26);
  for (size_t i = 0; i < pts.size(); ++i) pts[i].y *= (i % 2 ? 1.1 : 0.9);
  const LinearModel m = fit_linear_relative(pts);
  for (const auto& p : pts) EXPECT_LT(std::fabs(rel_error(m(p.x), p.y)), 0.15) << p.x;
}

TEST(FitLinear, NegativeInterceptIsClampedToZero) {
  // Points on t = -1 + 2x: the constrained optimum has alpha = 0, beta = sum w x y / sum w x^2.
  const std::vector<FitPoint> pts = {{1, 1, ""}, {2, 3, ""}, {3, 5, ""}};
  const LinearModel m = fit_linear_relative(pts);
  EXPECT_EQ(m.alpha, 0);
  double sxy = 0, sxx = 0;
  for (const auto& p : pts) {
    sxy += p.x / p.y;        // w x y with w = 1/y^2
    sxx += p.x * p.x / (p.y * p.y);
  }
  EXPECT_NEAR(m.beta, sxy / sxx, 1e-12);
}

TEST(FitLinear, SinglePointGoesThroughOrigin) {
  const LinearModel m = fit_linear_relative({{4, 8, ""}});
  EXPECT_EQ(m.alpha, 0);
  EXPECT_DOUBLE_EQ(m.beta, 2);
  EXPECT_EQ(fit_linear_relative({}).beta, 0);
}

TEST(FitSegmented, FindsTwoRegimes) {
  // Eager below 64 KiB: 1 us + x / 5 GB/s; rendezvous above: 20 us + x / 20 GB/s.
  auto a = line(1e-6, 2e-10, 1024, 32768);
  auto b = line(20e-6, 5e-11, 65536, 1 << 24);
  a.insert(a.end(), b.begin(), b.end());
  const auto regimes = fit_segmented(a, 3, 3);
  ASSERT_EQ(regimes.size(), 2u);
  EXPECT_NEAR(regimes[0].model.alpha, 1e-6, 1e-12);
  EXPECT_NEAR(regimes[0].model.beta, 2e-10, 1e-16);
  EXPECT_NEAR(regimes[1].model.alpha, 20e-6, 1e-11);
  EXPECT_NEAR(regimes[1].model.beta, 5e-11, 1e-16);
  // Boundary at the geometric mean of 32 KiB and 64 KiB.
  EXPECT_NEAR(regimes[0].x_max, std::sqrt(32768.0 * 65536.0), 1e-6);
  EXPECT_EQ(regime_for(regimes, 1000).model.alpha, regimes[0].model.alpha);
  EXPECT_EQ(regime_for(regimes, 1e9).model.alpha, regimes[1].model.alpha);
}

TEST(FitSegmented, OneLineStaysOneRegime) {
  const auto regimes = fit_segmented(line(3e-6, 1e-10, 1024, 1 << 26), 3, 3);
  EXPECT_EQ(regimes.size(), 1u);
}

TEST(FitSummary, ReportsResiduals) {
  const std::vector<FitPoint> pts = {{1, 1.0, "a"}, {2, 2.0, "b"}};
  // Predict 1.1 and 1.8: errors +10% and -10%.
  const auto s = summarize_fit("f", "model", pts, "p2p", [](const FitPoint& p) { return p.x == 1 ? 1.1 : 1.8; });
  ASSERT_EQ(s.residuals_size(), 2);
  EXPECT_NEAR(s.residuals(0).rel_error(), 0.1, 1e-12);
  EXPECT_NEAR(s.residuals(1).rel_error(), -0.1, 1e-12);
  EXPECT_NEAR(s.rms_rel_error(), 0.1, 1e-12);
  EXPECT_NEAR(s.max_abs_rel_error(), 0.1, 1e-12);
}

}  // namespace
}  // namespace moesim::profiler
