// What the Profiles view plots, computed without ImGui or GL: the measured points of a
// `moeprof` Profile per benchmark, and the curves a `moeprof fit` Calibration predicts for them
// (traces/proto/profile.proto). Pure functions over the protobuf values; thread-safe.
//
// Fitted curves, as the simulator evaluates the calibration (sim/calibration, which viz does
// not link; tests/viz/profile_model_sim_test.cc checks the two agree):
//
//  - uniform all-to-all, n ranks, m bytes each rank sends each peer (m = size / n, size being
//    nccl-tests' bytes per rank, self included). The regime is the one whose
//    [min_message_bytes, max_message_bytes) holds m (below the first: the first; above the
//    last: the last), as sim's alltoall_regime() picks it. The simulator times the direct
//    algorithm on a star: rank -> hub_in at rank_bandwidth B_r with link_latency L, hub_in ->
//    hub_out at shared_bandwidth B_s (absent when 0), hub_out -> rank at B_r with L. The
//    n (n-1) flows of m bytes all start after launch_s; each rank link carries n-1 of them and
//    the shared link all n (n-1), so max-min gives every flow the same rate
//        r = min(B_r / (n-1), B_s / (n (n-1)))
//    and they drain together after m / r. A flow completes a path latency 2L after draining,
//    and a rank's i-th message no earlier than launch + i * per_message_s + 2L, so
//        t(m) = launch_s + 2 L + max(m / r, (n-1) * per_message_s)
//             = launch_s + 2 L + max((n-1) m / B_r, n (n-1) m / B_s, (n-1) per_message_s).
//    With the regime's self_copy, each rank's copy to itself is one more flow of m bytes into
//    its link (from its own port, across the hub): n - 1 becomes n in the two bandwidth terms.
//    moeprof's fit makes this reproduce its alpha-beta line t = alpha + beta m per regime.
//  - bus bandwidth (nccl-tests): busbw = size / t * (n-1) / n, in GB/s (1e9 bytes/s).
//  - point-to-point, per link class: t = latency_s + bytes / bandwidth_bytes_per_s of the
//    class's regime holding `bytes` (same selection rule).
//  - expert GEMM: achieved FLOP/s(t) = max_flops * t / (t + half_efficiency_tokens), t tokens
//    per expert (plus launch_s per call when the fit set one: the rate is then
//    flops / (flops / rate + launch_s), flops = 2 t H F).
//  - routing kernel: tokens/s(T) = T / (overhead_s + T / tokens_per_s).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "traces/proto/profile.pb.h"
#include "viz/document.h"

namespace moesim::viz {

// A record that measured something: no error, not timed out, a positive median.
bool record_succeeded(const ProfileRecord& r);
// Whether `moeprof fit` used the record under `holdout` ("odd-indices": even sweep indices;
// "none": all); uneven all-to-allv cases are never fitted. Mirrors sim's record_used_by_fit().
bool record_fitted(const ProfileRecord& r, const std::string& holdout);

const AllToAllRegime* fitted_alltoall_regime(const Calibration& c, double bytes_per_peer, int* index = nullptr);
const LinkClassCalibration* fitted_link(const Calibration& c, const std::string& link_class, double bytes,
                                        int* index = nullptr);

// The curves of the header comment; NaN where the calibration has no figures for them.
double fitted_alltoall_time_s(const Calibration& c, int num_ranks, double bytes_per_peer);
double alltoall_busbw_gb_per_s(double size_bytes, double time_s, int num_ranks);
double fitted_p2p_time_s(const Calibration& c, const std::string& link_class, double bytes);
double fitted_gemm_flops_per_s(const GemmCalibration& g, double tokens_per_expert);
double fitted_kernel_tokens_per_s(const KernelCalibration& k, double tokens);

// One measured point: x (bytes or tokens), y (seconds, GB/s, FLOP/s or tokens/s) at the
// median, y_p90 at the 90th percentile time (0 when the record has none), and whether the fit
// saw it. `record` indexes Profile.records (-1 for points from a FitReport).
struct ProfilePoint {
  double x = 0, y = 0, y_p90 = 0;
  bool fitted = false;
  int record = -1;
  std::string label;  // case name
};

// Everything the view plots from one profile (or, without one, from the calibration's
// FitReport residuals: the fitted points only).
struct ProfileSeries {
  int alltoall_ranks = 0;                      // communicator size of the uniform sweep
  std::vector<ProfilePoint> alltoall_time;     // x = size (bytes per rank), y = median s
  std::vector<ProfilePoint> alltoall_busbw;    // x = size, y = busbw GB/s (p90: at the p90 time)
  std::vector<ProfilePoint> alltoallv_time;    // uneven cases: x = mean size per rank
  std::map<std::string, std::vector<ProfilePoint>> p2p;      // link class -> x = bytes, y = s
  std::vector<ProfilePoint> gemm;              // x = tokens per expert, y = FLOP/s
  uint32_t gemm_hidden = 0, gemm_ffn_hidden = 0;
  std::map<std::string, std::vector<ProfilePoint>> kernels;  // kernel -> x = tokens, y = tokens/s
  int num_failed = 0;                          // records that timed out or failed
  bool from_fit_report = false;
};

// `holdout` marks the fitted points (the calibration's fit.holdout); empty: none marked.
ProfileSeries profile_series(const Profile& p, const std::string& holdout);
ProfileSeries fit_report_series(const Calibration& c);

// A curve sampled at `num_samples` log-spaced x in [x_lo, x_hi]; `segment` changes where the
// calibration switches regime (the view starts a new line there). Non-finite values are left out.
struct CurveSample {
  double x = 0, y = 0;
  int segment = 0;
};
enum class CurveKind { kAllToAllTime, kAllToAllBusbw, kP2pTime, kGemmFlops, kKernelThroughput };
struct CurveSpec {
  CurveKind kind = CurveKind::kAllToAllTime;
  int num_ranks = 0;           // all-to-all
  std::string name;            // p2p link class or kernel name
};
std::vector<CurveSample> sample_curve(const Calibration& c, const CurveSpec& spec, double x_lo, double x_hi,
                                      int num_samples);
// The curve's value at one x (what the samples hold), NaN where undefined.
double curve_value(const Calibration& c, const CurveSpec& spec, double x, int* segment = nullptr);

// (predicted - measured) / measured of the time a point stands for: y itself for time curves,
// and for rate curves (busbw, FLOP/s, tokens/s: time = work / rate) measured / predicted - 1.
double relative_time_error(CurveKind kind, double measured_y, double predicted_y);

// Held-out points (fitted == false) of one benchmark against the fitted curve: what `moesim
// validate` reports for them (uniform all-to-all, p2p, gemm, kernels; uneven all-to-allv needs
// the flow simulation and is left to it).
struct HeldOutRow {
  std::string benchmark;
  int num_points = 0;
  double median_abs_rel_error = 0, max_abs_rel_error = 0;
};
std::vector<HeldOutRow> held_out_errors(const ProfileSeries& s, const Calibration& c);

// The profile and calibration the view shows for the active document: its own profile or
// calibration (a calibration document carries the profile its profile_file names when that
// opened), completed from the other open documents: a calibration whose profile_file names the
// profile's path (or file name) first, else the most recently opened one; likewise a profile
// for a calibration. Null where there is none. Documents must outlive the result.
struct ProfileSources {
  const Profile* profile = nullptr;
  const Calibration* calibration = nullptr;
  std::string profile_label, calibration_label;
  std::string profile_path;
};
ProfileSources pair_profile_sources(const std::vector<std::shared_ptr<const Document>>& docs, int active);

}  // namespace moesim::viz
