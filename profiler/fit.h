// Least-squares fits behind `moeprof fit`: the alpha-beta model of communication and the
// linear time models of kernels and expert GEMMs, with residual reports.
//
// Alpha-beta: t(x) = alpha + beta * x (x = bytes a rank sends, alpha = fixed cost, 1/beta =
// bandwidth). Timings span five decades (microseconds to seconds), so an ordinary least squares
// fit would serve only the largest sizes. We minimise the squared *relative* residuals:
//   minimise  sum_i ((alpha + beta x_i - y_i) / y_i)^2
// i.e. weighted least squares with weights w_i = 1 / y_i^2, solved in closed form from the
// normal equations
//   [S   Sx ] [alpha]   [Sy ]      S = sum w, Sx = sum w x, Sxx = sum w x^2,
//   [Sx  Sxx] [beta ] = [Sxy],     Sy = sum w y, Sxy = sum w x y.
// alpha and beta are physical (>= 0): when the unconstrained optimum has a negative one, the
// fit is redone with that parameter fixed at 0 (the constrained optimum of a convex problem
// with one active bound).
//
// Regimes: message-passing libraries switch protocol with size (NCCL LL/LL128/Simple, MPI
// eager/rendezvous) and CPU copies fall out of cache, so one line rarely fits 1 KiB..1 GiB.
// fit_segmented() splits the sorted points into up to K contiguous regimes, each its own
// alpha-beta line, choosing the split by dynamic programming over all breakpoints and the
// number of regimes by the Bayesian information criterion
//   BIC(K) = n ln(max(RSS/n, floor^2)) + (3K - 1) ln n
// (2 parameters per regime plus K - 1 breakpoints; the floor, 2% relative error, keeps the
// criterion from rewarding fits tighter than timing noise).
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "traces/proto/profile.pb.h"

namespace moesim::profiler {

struct FitPoint {
  double x = 0;
  double y = 0;          // measured time, > 0
  std::string label;     // benchmark/case, for residual reports
};

struct LinearModel {
  double alpha = 0;      // intercept
  double beta = 0;       // slope
  double operator()(double x) const { return alpha + beta * x; }
};

// Relative least squares with alpha, beta >= 0. Empty input gives {0, 0}; a single point
// (or points at one x) gives the line through the origin (alpha = 0) unless x = 0.
LinearModel fit_linear_relative(const std::vector<FitPoint>& points);

// Sum of squared relative residuals of `m` on `points`.
double relative_rss(const LinearModel& m, const std::vector<FitPoint>& points);

struct Regime {
  double x_min = 0;      // applies to x in [x_min, x_max); x_max = 0: no upper bound
  double x_max = 0;
  LinearModel model;
  std::vector<FitPoint> points;
};

// Up to `max_regimes` regimes of at least `min_points` points each (points are sorted by x
// here). Fewer points than 2 * min_points give one regime.
std::vector<Regime> fit_segmented(std::vector<FitPoint> points, int max_regimes, int min_points);

// The regime whose [x_min, x_max) holds x (the last one for x beyond every bound).
const Regime& regime_for(const std::vector<Regime>& regimes, double x);

// Relative error (predicted - measured) / measured.
inline double rel_error(double predicted, double measured) {
  return measured != 0 ? (predicted - measured) / measured : 0.0;
}

// Residual report of a fit: `predict` maps a point to the model's time.
template <typename Predict>
FitSummary summarize_fit(const std::string& name, const std::string& model, const std::vector<FitPoint>& points,
                         const std::string& benchmark, Predict predict);

}  // namespace moesim::profiler

#include "profiler/fit_inl.h"
