#include "profiler/fit.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace moesim::profiler {
namespace {

struct Sums {
  double s = 0, sx = 0, sxx = 0, sy = 0, sxy = 0;
};

Sums weighted_sums(const std::vector<FitPoint>& pts, size_t begin, size_t end) {
  Sums z;
  for (size_t i = begin; i < end; ++i) {
    const auto& p = pts[i];
    if (!(p.y > 0)) continue;
    const double w = 1.0 / (p.y * p.y);
    z.s += w;
    z.sx += w * p.x;
    z.sxx += w * p.x * p.x;
    z.sy += w * p.y;
    z.sxy += w * p.x * p.y;
  }
  return z;
}

LinearModel solve(const Sums& z) {
  LinearModel m;
  if (z.s <= 0) return m;
  const double det = z.s * z.sxx - z.sx * z.sx;
  // Points at one x (det ~ 0 relative to its terms) leave the slope undetermined: go through
  // the origin, or take the mean when that x is 0.
  if (det <= 1e-12 * z.s * z.sxx) {
    if (z.sxx > 0) m.beta = z.sxy / z.sxx;
    else m.alpha = z.sy / z.s;
    return m;
  }
  m.beta = (z.s * z.sxy - z.sx * z.sy) / det;
  m.alpha = (z.sy - m.beta * z.sx) / z.s;
  if (m.alpha < 0) {  // alpha fixed at 0: minimise sum w (b x - y)^2
    m.alpha = 0;
    m.beta = z.sxx > 0 ? z.sxy / z.sxx : 0;
  }
  if (m.beta < 0) {  // beta fixed at 0: weighted mean
    m.beta = 0;
    m.alpha = z.sy / z.s;
  }
  return m;
}

double rss_range(const LinearModel& m, const std::vector<FitPoint>& pts, size_t begin, size_t end) {
  double r = 0;
  for (size_t i = begin; i < end; ++i) {
    const double e = rel_error(m(pts[i].x), pts[i].y);
    r += e * e;
  }
  return r;
}

}  // namespace

LinearModel fit_linear_relative(const std::vector<FitPoint>& points) {
  return solve(weighted_sums(points, 0, points.size()));
}

double relative_rss(const LinearModel& m, const std::vector<FitPoint>& points) {
  return rss_range(m, points, 0, points.size());
}

std::vector<Regime> fit_segmented(std::vector<FitPoint> pts, int max_regimes, int min_points) {
  std::stable_sort(pts.begin(), pts.end(), [](const FitPoint& a, const FitPoint& b) { return a.x < b.x; });
  const int n = static_cast<int>(pts.size());
  min_points = std::max(min_points, 1);
  const int kmax = std::max(1, std::min(max_regimes, n / min_points));
  // cost[i][j]: RSS of one line through points [i, j).
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> cost(n + 1, std::vector<double>(n + 1, inf));
  for (int i = 0; i < n; ++i) {
    for (int j = i + min_points; j <= n; ++j) {
      const LinearModel m = solve(weighted_sums(pts, i, j));
      cost[i][j] = rss_range(m, pts, i, j);
    }
  }
  // best[k][j]: least RSS of points [0, j) in k regimes; from[k][j]: start of the last regime.
  std::vector<std::vector<double>> best(kmax + 1, std::vector<double>(n + 1, inf));
  std::vector<std::vector<int>> from(kmax + 1, std::vector<int>(n + 1, -1));
  best[0][0] = 0;
  for (int k = 1; k <= kmax; ++k) {
    for (int j = 1; j <= n; ++j) {
      for (int i = 0; i < j; ++i) {
        if (best[k - 1][i] == inf || cost[i][j] == inf) continue;
        const double c = best[k - 1][i] + cost[i][j];
        if (c < best[k][j]) {
          best[k][j] = c;
          from[k][j] = i;
        }
      }
    }
  }
  constexpr double kNoiseFloor = 0.02;
  int chosen = 1;
  double chosen_bic = inf;
  for (int k = 1; k <= kmax; ++k) {
    if (best[k][n] == inf) continue;
    const double per_point = std::max(best[k][n] / std::max(n, 1), kNoiseFloor * kNoiseFloor);
    const double bic = n * std::log(per_point) + (3.0 * k - 1) * std::log(std::max(n, 2));
    if (bic < chosen_bic - 1e-9) {
      chosen_bic = bic;
      chosen = k;
    }
  }
  std::vector<Regime> regimes;
  if (n == 0) {
    regimes.push_back(Regime{});
    return regimes;
  }
  std::vector<int> starts;
  if (best[chosen][n] == inf) {
    // No segmentation exists: fewer points than min_points (a series measured at one size, a
    // half-finished profile) or non-finite residuals. One regime through every point; walking
    // `from` here would index pts[-1].
    starts.push_back(0);
  } else {
    for (int k = chosen, j = n; k > 0; --k) {
      const int i = from[k][j];
      starts.push_back(i);
      j = i;
    }
    std::reverse(starts.begin(), starts.end());
  }
  starts.push_back(n);
  for (size_t r = 0; r + 1 < starts.size(); ++r) {
    Regime g;
    g.points.assign(pts.begin() + starts[r], pts.begin() + starts[r + 1]);
    g.model = fit_linear_relative(g.points);
    regimes.push_back(std::move(g));
  }
  // Boundaries at the geometric mean of neighbouring regimes' outermost points (sizes double
  // from point to point, so this is the midpoint on the log scale).
  for (size_t r = 0; r + 1 < regimes.size(); ++r) {
    const double a = regimes[r].points.back().x, b = regimes[r + 1].points.front().x;
    const double edge = (a > 0 && b > 0) ? std::sqrt(a * b) : 0.5 * (a + b);
    regimes[r].x_max = edge;
    regimes[r + 1].x_min = edge;
  }
  return regimes;
}

const Regime& regime_for(const std::vector<Regime>& regimes, double x) {
  for (const auto& r : regimes) {
    if (x >= r.x_min && (r.x_max == 0 || x < r.x_max)) return r;
  }
  return x < regimes.front().x_min ? regimes.front() : regimes.back();
}

}  // namespace moesim::profiler
