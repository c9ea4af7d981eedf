#include "viz/profile_model.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace moesim::viz {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool in_range(double x, double lo, double hi) { return x >= lo && (hi == 0 || x < hi); }

// The rule of sim/calibration's alltoall_regime(): the regime holding x, else the first (below it) or
// the last (above every regime).
template <typename Range>
int regime_index(const Range& regimes, double x) {
  const int n = static_cast<int>(regimes.size());
  if (n == 0) return -1;
  for (int i = 0; i < n; ++i) {
    if (in_range(x, regimes[i]->min_message_bytes(), regimes[i]->max_message_bytes())) return i;
  }
  return x < regimes[0]->min_message_bytes() ? 0 : n - 1;
}

// The FitSummary name "p2p same-node regime 1" -> "same-node".
std::string p2p_class_of_fit(const std::string& name) {
  const std::string prefix = "p2p ";
  if (name.rfind(prefix, 0) != 0) return "";
  const size_t end = name.find(' ', prefix.size());
  return name.substr(prefix.size(), end == std::string::npos ? std::string::npos : end - prefix.size());
}

}  // namespace

bool record_succeeded(const ProfileRecord& r) { return !r.timed_out() && r.error().empty() && r.median_s() > 0; }

bool record_fitted(const ProfileRecord& r, const std::string& holdout) {
  if (r.benchmark() == "alltoallv" || !record_succeeded(r)) return false;
  if (holdout == "none") return true;
  if (holdout == "odd-indices") return r.index() % 2 == 0;
  return false;
}

const AllToAllRegime* fitted_alltoall_regime(const Calibration& c, double bytes_per_peer, int* index) {
  std::vector<const AllToAllRegime*> regimes;
  for (const auto& r : c.alltoall()) regimes.push_back(&r);
  const int i = regime_index(regimes, bytes_per_peer);
  if (index != nullptr) *index = i;
  return i < 0 ? nullptr : regimes[i];
}

const LinkClassCalibration* fitted_link(const Calibration& c, const std::string& link_class, double bytes,
                                        int* index) {
  std::vector<const LinkClassCalibration*> regimes;
  for (const auto& l : c.links()) {
    if (l.link_class() == link_class) regimes.push_back(&l);
  }
  const int i = regime_index(regimes, bytes);
  if (index != nullptr) *index = i;
  return i < 0 ? nullptr : regimes[i];
}

double fitted_alltoall_time_s(const Calibration& c, int num_ranks, double bytes_per_peer) {
  const AllToAllRegime* r = fitted_alltoall_regime(c, bytes_per_peer);
  if (r == nullptr || num_ranks < 2 || !(bytes_per_peer >= 0) || !(r->rank_bandwidth_bytes_per_s() > 0)) return kNaN;
  const double n = num_ranks;
  // Max-min rate of each of the k equal flows into a rank (k = n-1 peers, plus its copy to
  // itself with self_copy): k share a rank link, all n k share the hub.
  const double k = r->self_copy() ? n : n - 1;
  double drain_s = k * bytes_per_peer / r->rank_bandwidth_bytes_per_s();
  if (r->shared_bandwidth_bytes_per_s() > 0) {
    drain_s = std::max(drain_s, n * k * bytes_per_peer / r->shared_bandwidth_bytes_per_s());
  }
  const double issue_s = (n - 1) * r->per_message_s();
  return r->launch_s() + 2 * r->link_latency_s() + std::max(drain_s, issue_s);
}

double alltoall_busbw_gb_per_s(double size_bytes, double time_s, int num_ranks) {
  if (!(time_s > 0) || num_ranks < 1) return kNaN;
  return size_bytes / time_s * (num_ranks - 1) / num_ranks / 1e9;
}

double fitted_p2p_time_s(const Calibration& c, const std::string& link_class, double bytes) {
  const LinkClassCalibration* l = fitted_link(c, link_class, bytes);
  if (l == nullptr || !(l->bandwidth_bytes_per_s() > 0)) return kNaN;
  return l->latency_s() + bytes / l->bandwidth_bytes_per_s();
}

double fitted_gemm_flops_per_s(const GemmCalibration& g, double tokens_per_expert) {
  if (!(g.max_flops() > 0) || !(tokens_per_expert > 0)) return kNaN;
  const double rate = g.max_flops() * tokens_per_expert / (tokens_per_expert + g.half_efficiency_tokens());
  if (g.launch_s() <= 0 || g.hidden() == 0 || g.ffn_hidden() == 0) return rate;
  const double flops = 2.0 * tokens_per_expert * g.hidden() * g.ffn_hidden();
  return flops / (flops / rate + g.launch_s());
}

double fitted_kernel_tokens_per_s(const KernelCalibration& k, double tokens) {
  if (!(k.tokens_per_s() > 0) || !(tokens > 0)) return kNaN;
  return tokens / (k.overhead_s() + tokens / k.tokens_per_s());
}

ProfileSeries profile_series(const Profile& p, const std::string& holdout) {
  ProfileSeries s;
  for (int i = 0; i < p.records_size(); ++i) {
    const ProfileRecord& r = p.records(i);
    if (!record_succeeded(r)) {
      ++s.num_failed;
      continue;
    }
    ProfilePoint pt;
    pt.fitted = !holdout.empty() && record_fitted(r, holdout);
    pt.record = i;
    pt.label = r.case_name();
    const double p90_s = r.p90_s() >= r.median_s() ? r.p90_s() : 0.0;
    if (r.benchmark() == "alltoall" && r.num_ranks() >= 2) {
      if (s.alltoall_ranks == 0) s.alltoall_ranks = static_cast<int>(r.num_ranks());
      if (static_cast<int>(r.num_ranks()) != s.alltoall_ranks) continue;  // one communicator size per plot
      const int n = s.alltoall_ranks;
      pt.x = r.size_bytes();
      pt.y = r.median_s();
      pt.y_p90 = p90_s;
      s.alltoall_time.push_back(pt);
      pt.y = alltoall_busbw_gb_per_s(r.size_bytes(), r.median_s(), n);
      pt.y_p90 = p90_s > 0 ? alltoall_busbw_gb_per_s(r.size_bytes(), p90_s, n) : 0.0;
      s.alltoall_busbw.push_back(pt);
    } else if (r.benchmark() == "alltoallv") {
      pt.x = r.size_bytes();
      pt.y = r.median_s();
      pt.y_p90 = p90_s;
      s.alltoallv_time.push_back(pt);
    } else if (r.benchmark() == "p2p") {
      pt.x = r.size_bytes();
      pt.y = r.median_s();
      pt.y_p90 = p90_s;
      s.p2p[r.link_class()].push_back(pt);
    } else if (r.benchmark() == "gemm" && r.num_tokens() > 0) {
      if (s.gemm.empty()) {
        s.gemm_hidden = r.hidden();
        s.gemm_ffn_hidden = r.ffn_hidden();
      }
      if (r.hidden() != s.gemm_hidden || r.ffn_hidden() != s.gemm_ffn_hidden) continue;
      const double flops = r.flops() > 0 ? r.flops() : 2.0 * r.num_tokens() * r.hidden() * r.ffn_hidden();
      pt.x = static_cast<double>(r.num_tokens());
      pt.y = flops / r.median_s();
      pt.y_p90 = p90_s > 0 ? flops / p90_s : 0.0;
      s.gemm.push_back(pt);
    } else if (r.benchmark() == "kernel" && r.num_tokens() > 0) {
      pt.x = static_cast<double>(r.num_tokens());
      pt.y = pt.x / r.median_s();
      pt.y_p90 = p90_s > 0 ? pt.x / p90_s : 0.0;
      s.kernels[r.case_name()].push_back(pt);
    }
  }
  return s;
}

ProfileSeries fit_report_series(const Calibration& c) {
  ProfileSeries s;
  s.from_fit_report = true;
  s.alltoall_ranks = static_cast<int>(c.environment().num_ranks());
  const double n = s.alltoall_ranks;
  s.gemm_hidden = c.gemm().hidden();
  s.gemm_ffn_hidden = c.gemm().ffn_hidden();
  for (const auto& f : c.fit().fits()) {
    for (const auto& r : f.residuals()) {
      if (!(r.measured_s() > 0)) continue;
      ProfilePoint pt;
      pt.fitted = true;
      pt.label = r.case_name();
      if (r.benchmark() == "alltoall" && n >= 2) {
        pt.x = r.x() * n;  // residual x is bytes per peer; the plot's size is bytes per rank
        pt.y = r.measured_s();
        s.alltoall_time.push_back(pt);
        pt.y = alltoall_busbw_gb_per_s(pt.x, r.measured_s(), s.alltoall_ranks);
        s.alltoall_busbw.push_back(pt);
      } else if (r.benchmark() == "p2p") {
        pt.x = r.x();
        pt.y = r.measured_s();
        s.p2p[p2p_class_of_fit(f.name())].push_back(pt);
      } else if (r.benchmark() == "gemm" && s.gemm_hidden > 0 && s.gemm_ffn_hidden > 0) {
        pt.x = r.x();
        pt.y = 2.0 * r.x() * s.gemm_hidden * s.gemm_ffn_hidden / r.measured_s();
        s.gemm.push_back(pt);
      } else if (r.benchmark() == "kernel" && r.x() > 0) {
        pt.x = r.x();
        pt.y = r.x() / r.measured_s();
        s.kernels[r.case_name()].push_back(pt);
      }
    }
  }
  auto by_x = [](const ProfilePoint& a, const ProfilePoint& b) { return a.x < b.x; };
  std::sort(s.alltoall_time.begin(), s.alltoall_time.end(), by_x);
  std::sort(s.alltoall_busbw.begin(), s.alltoall_busbw.end(), by_x);
  for (auto& [cls, pts] : s.p2p) std::sort(pts.begin(), pts.end(), by_x);
  std::sort(s.gemm.begin(), s.gemm.end(), by_x);
  for (auto& [name, pts] : s.kernels) std::sort(pts.begin(), pts.end(), by_x);
  return s;
}

double curve_value(const Calibration& c, const CurveSpec& spec, double x, int* segment) {
  int seg = 0;
  double y = kNaN;
  switch (spec.kind) {
    case CurveKind::kAllToAllTime:
    case CurveKind::kAllToAllBusbw: {
      if (spec.num_ranks < 2) break;
      const double m = x / spec.num_ranks;
      fitted_alltoall_regime(c, m, &seg);
      const double t = fitted_alltoall_time_s(c, spec.num_ranks, m);
      y = spec.kind == CurveKind::kAllToAllTime ? t : alltoall_busbw_gb_per_s(x, t, spec.num_ranks);
      break;
    }
    case CurveKind::kP2pTime:
      fitted_link(c, spec.name, x, &seg);
      y = fitted_p2p_time_s(c, spec.name, x);
      break;
    case CurveKind::kGemmFlops:
      if (c.has_gemm()) y = fitted_gemm_flops_per_s(c.gemm(), x);
      break;
    case CurveKind::kKernelThroughput:
      for (const auto& k : c.kernels()) {
        if (k.kernel() == spec.name) y = fitted_kernel_tokens_per_s(k, x);
      }
      break;
  }
  if (segment != nullptr) *segment = seg;
  return y;
}

std::vector<CurveSample> sample_curve(const Calibration& c, const CurveSpec& spec, double x_lo, double x_hi,
                                      int num_samples) {
  std::vector<CurveSample> out;
  if (!(x_lo > 0) || !(x_hi >= x_lo) || num_samples < 2) return out;
  const double d0 = std::log10(x_lo), d1 = std::log10(x_hi);
  out.reserve(static_cast<size_t>(num_samples));
  for (int i = 0; i < num_samples; ++i) {
    const double x = std::pow(10.0, d0 + (d1 - d0) * i / (num_samples - 1));
    int seg = 0;
    const double y = curve_value(c, spec, x, &seg);
    if (std::isfinite(y)) out.push_back({x, y, seg});
  }
  return out;
}

double relative_time_error(CurveKind kind, double measured_y, double predicted_y) {
  if (!(measured_y > 0) || !(predicted_y > 0)) return kNaN;
  if (kind == CurveKind::kAllToAllTime || kind == CurveKind::kP2pTime) return (predicted_y - measured_y) / measured_y;
  return measured_y / predicted_y - 1;
}

std::vector<HeldOutRow> held_out_errors(const ProfileSeries& s, const Calibration& c) {
  std::vector<HeldOutRow> rows;
  auto add = [&](const std::string& name, const std::vector<ProfilePoint>& pts, const CurveSpec& spec) {
    std::vector<double> errors;
    for (const auto& p : pts) {
      if (p.fitted) continue;
      const double e = relative_time_error(spec.kind, p.y, curve_value(c, spec, p.x));
      if (std::isfinite(e)) errors.push_back(std::fabs(e));
    }
    if (errors.empty()) return;
    std::sort(errors.begin(), errors.end());
    const size_t n = errors.size();
    HeldOutRow r;
    r.benchmark = name;
    r.num_points = static_cast<int>(n);
    r.median_abs_rel_error = n % 2 ? errors[n / 2] : 0.5 * (errors[n / 2 - 1] + errors[n / 2]);
    r.max_abs_rel_error = errors.back();
    rows.push_back(std::move(r));
  };
  if (s.from_fit_report) return rows;
  add("alltoall", s.alltoall_time, {CurveKind::kAllToAllTime, s.alltoall_ranks, ""});
  for (const auto& [cls, pts] : s.p2p) add("p2p " + cls, pts, {CurveKind::kP2pTime, 0, cls});
  add("gemm", s.gemm, {CurveKind::kGemmFlops, 0, ""});
  for (const auto& [name, pts] : s.kernels) add("kernel " + name, pts, {CurveKind::kKernelThroughput, 0, name});
  return rows;
}

ProfileSources pair_profile_sources(const std::vector<std::shared_ptr<const Document>>& docs, int active) {
  ProfileSources s;
  if (active < 0 || active >= static_cast<int>(docs.size())) return s;
  const Document& doc = *docs[active];
  auto names_profile = [](const Calibration& c, const std::string& profile_path) {
    const std::string& f = c.profile_file();
    return !f.empty() && (f == profile_path || base_name(f) == base_name(profile_path));
  };
  if (doc.has_calibration()) {
    s.calibration = &doc.calibration();
    s.calibration_label = doc.label();
    if (doc.has_profile()) {
      s.profile = &doc.profile();
      s.profile_path = doc.profile_path();
      s.profile_label = base_name(doc.profile_path()) + " (the calibration's profile_file)";
      return s;
    }
    // Another open profile: the one profile_file names, else the latest.
    const Document* pick = nullptr;
    for (const auto& d : docs) {
      if (d->kind() != DocumentKind::kProfile) continue;
      if (names_profile(doc.calibration(), d->path())) {
        pick = d.get();
        break;
      }
      pick = d.get();
    }
    if (pick != nullptr) {
      s.profile = &pick->profile();
      s.profile_path = pick->path();
      s.profile_label = pick->label();
    }
    return s;
  }
  if (doc.has_profile()) {
    s.profile = &doc.profile();
    s.profile_path = doc.path();
    s.profile_label = doc.label();
    const Document* pick = nullptr;
    for (const auto& d : docs) {
      if (!d->has_calibration()) continue;
      if (names_profile(d->calibration(), doc.path())) {
        pick = d.get();
        break;
      }
      pick = d.get();
    }
    if (pick != nullptr) {
      s.calibration = &pick->calibration();
      s.calibration_label = pick->label();
    }
  }
  return s;
}

}  // namespace moesim::viz
