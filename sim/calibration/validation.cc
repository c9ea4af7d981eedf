#include "sim/calibration/validation.h"

#include <algorithm>
#include <cmath>

#include "sim/calibration/calibration.h"
#include "sim/collectives/alltoall_study.h"
#include "sim/moe/hardware.h"

namespace moesim {
namespace {

Result<double> simulate_collective(const ProfileRecord& r, const Calibration& c) {
  const int n = static_cast<int>(r.num_ranks());
  TrafficMatrix m;
  if (r.benchmark() == "alltoall") {
    m = TrafficMatrix::Uniform(n, r.bytes_per_peer());
  } else {
    if (r.matrix_bytes_size() != n * n) {
      return Error{"record '" + r.case_name() + "': matrix_bytes has " + std::to_string(r.matrix_bytes_size()) +
                   " entries, expected " + std::to_string(n * n)};
    }
    m = dense_with_self(n, std::vector<double>(r.matrix_bytes().begin(), r.matrix_bytes().end()));
  }
  if (static_cast<int>(c.environment().num_ranks()) != n) {
    return Error{"record '" + r.case_name() + "' ran on " + std::to_string(n) + " ranks but the calibration describes " +
                 std::to_string(c.environment().num_ranks())};
  }
  AllToAllOptions opt;
  opt.coalesce_rel = 0;
  opt.top_links = 0;
  MOESIM_ASSIGN_OR_RETURN(AllToAllResult res, simulate_on_measured_machine(c, m, r.size_bytes(), opt));
  return res.completion_time_s();
}

Result<double> simulate_p2p(const ProfileRecord& r, const Calibration& c) {
  const auto* l = link_calibration(c, r.link_class(), r.size_bytes());
  if (!l) return Error{"no '" + r.link_class() + "' link figures in the calibration"};
  const int n = std::max({2, r.src_rank() + 1, r.dst_rank() + 1});
  MOESIM_ASSIGN_OR_RETURN(auto topo, build_shared_star(n, l->bandwidth_bytes_per_s(), 0.0, l->latency_s() / 2));
  TrafficMatrix m;
  m.num_gpus = n;
  m.entries.push_back({static_cast<uint32_t>(r.src_rank()), static_cast<uint32_t>(r.dst_rank()), r.size_bytes()});
  AllToAllOptions opt;
  opt.costs = CollectiveCosts{0, 0};
  opt.coalesce_rel = 0;
  opt.top_links = 0;
  MOESIM_ASSIGN_OR_RETURN(AllToAllResult res, simulate_alltoall(*topo, m, r.size_bytes(), opt));
  return res.completion_time_s();
}

Result<double> simulate_gemm(const ProfileRecord& r, const Calibration& c) {
  if (!c.has_gemm() || c.gemm().max_flops() <= 0) return Error{"no gemm figures in the calibration"};
  // The measured device's own figures: peak = the fitted asymptote, memory never binding (the
  // fit measured whole calls, memory traffic included).
  HardwareSpec hw;
  hw.set_peak_flops(c.gemm().max_flops());
  hw.set_hbm_bytes_per_s(1e30);
  apply_gemm_calibration(c, &hw);
  const double tokens = static_cast<double>(r.num_tokens());
  const double flops_per_token = 2.0 * r.hidden() * r.ffn_hidden();
  return grouped_gemm_time(hw, &tokens, 1, flops_per_token, 0.0, 1.0);
}

Result<double> simulate_kernel(const ProfileRecord& r, const Calibration& c) {
  for (const auto& k : c.kernels()) {
    if (k.kernel() == r.case_name()) return k.overhead_s() + static_cast<double>(r.num_tokens()) / k.tokens_per_s();
  }
  return Error{"no figures for kernel '" + r.case_name() + "' in the calibration"};
}

}  // namespace

Result<ValidationReport> validate_calibration(const Profile& profile, const Calibration& c, const ValidationOptions& o) {
  MOESIM_RETURN_IF_ERROR(check_holdout(o.holdout));
  ValidationReport rep;
  std::vector<double> errors;
  for (const auto& r : profile.records()) {
    if (!o.benchmark.empty() && r.benchmark() != o.benchmark) continue;
    if (r.timed_out() || !r.error().empty() || !(r.median_s() > 0)) {
      ++rep.skipped;
      continue;
    }
    const bool fitted = record_used_by_fit(r, o.holdout);
    if (fitted && !o.include_fitted) continue;
    Result<double> sim = Error{""};
    if (r.benchmark() == "alltoall" || r.benchmark() == "alltoallv") {
      if (r.num_ranks() < 2) {
        ++rep.skipped;
        continue;
      }
      sim = simulate_collective(r, c);
    } else if (r.benchmark() == "p2p") {
      sim = simulate_p2p(r, c);
    } else if (r.benchmark() == "gemm") {
      sim = simulate_gemm(r, c);
    } else if (r.benchmark() == "kernel") {
      sim = simulate_kernel(r, c);
    } else {
      ++rep.skipped;
      rep.notes.push_back("unknown benchmark '" + r.benchmark() + "' skipped");
      continue;
    }
    if (!sim.ok()) {
      ++rep.skipped;
      const std::string note = r.benchmark() + ": " + sim.message();
      if (std::find(rep.notes.begin(), rep.notes.end(), note) == rep.notes.end()) rep.notes.push_back(note);
      continue;
    }
    ValidationCase vc;
    vc.benchmark = r.benchmark();
    vc.case_name = r.case_name();
    vc.size = (r.benchmark() == "kernel" || r.benchmark() == "gemm") ? static_cast<double>(r.num_tokens()) : r.size_bytes();
    vc.measured_s = r.median_s();
    vc.simulated_s = *sim;
    vc.rel_error = (vc.simulated_s - vc.measured_s) / vc.measured_s;
    vc.fitted = fitted;
    errors.push_back(std::fabs(vc.rel_error));
    rep.cases.push_back(std::move(vc));
  }
  if (!errors.empty()) {
    std::sort(errors.begin(), errors.end());
    const size_t n = errors.size();
    rep.median_abs_error = n % 2 ? errors[n / 2] : 0.5 * (errors[n / 2 - 1] + errors[n / 2]);
    rep.max_abs_error = errors.back();
  }
  return rep;
}

}  // namespace moesim
