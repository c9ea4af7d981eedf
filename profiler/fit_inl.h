// Template part of fit.h (residual reports).
#pragma once

#include <algorithm>
#include <cmath>

namespace moesim::profiler {

template <typename Predict>
FitSummary summarize_fit(const std::string& name, const std::string& model, const std::vector<FitPoint>& points,
                         const std::string& benchmark, Predict predict) {
  FitSummary s;
  s.set_name(name);
  s.set_model(model);
  s.set_num_points(static_cast<uint32_t>(points.size()));
  double sq = 0, worst = 0;
  for (const auto& p : points) {
    const double pred = predict(p);
    const double e = rel_error(pred, p.y);
    sq += e * e;
    worst = std::max(worst, std::fabs(e));
    auto* r = s.add_residuals();
    r->set_benchmark(benchmark);
    r->set_case_name(p.label);
    r->set_x(p.x);
    r->set_measured_s(p.y);
    r->set_predicted_s(pred);
    r->set_rel_error(e);
  }
  s.set_rms_rel_error(points.empty() ? 0.0 : std::sqrt(sq / static_cast<double>(points.size())));
  s.set_max_abs_rel_error(worst);
  return s;
}

}  // namespace moesim::profiler
