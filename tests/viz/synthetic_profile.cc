#include "tests/viz/synthetic_profile.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace moesim::viz::testing {
namespace {

constexpr double kN = kSyntheticProfileRanks;

// -3%, 0, +3%, -3%, ...: measurements that scatter about the curve by a known amount.
double wobble(int i) { return 1.0 + 0.03 * ((i % 3) - 1); }

// The fixture's all-to-all model, written out here (not taken from viz) so the view's curve is
// checked against an independent statement of it: t = launch + 2 L + (n-1) m / r_rank, or the
// shared link's n (n-1) m / B_s when that is slower.
double model_alltoall_s(double bytes_per_peer) {
  if (bytes_per_peer < kSyntheticRegimeBytesPerPeer) return 15e-6 + 2 * 1e-6 + (kN - 1) * bytes_per_peer / 4e9;
  return 25e-6 + 2 * 1e-6 + std::max((kN - 1) * bytes_per_peer / 20e9, kN * (kN - 1) * bytes_per_peer / 40e9);
}

ProfileRecord* timed(Profile* p, const std::string& benchmark, const std::string& case_name, uint32_t index,
                     double median_s) {
  ProfileRecord* r = p->add_records();
  r->set_benchmark(benchmark);
  r->set_case_name(case_name);
  r->set_index(index);
  r->set_num_ranks(kSyntheticProfileRanks);
  r->set_warmup(3);
  r->set_iterations(20);
  r->set_median_s(median_s);
  r->set_min_s(median_s * 0.95);
  r->set_mean_s(median_s * 1.02);
  r->set_p90_s(median_s * 1.1);
  r->set_timer("synthetic");
  r->set_implementation("synthetic fixture (not measured)");
  return r;
}

void add_fit(Calibration* c, const std::string& name, const std::string& benchmark, const std::string& model,
             const std::vector<std::pair<double, double>>& x_measured, double (*predict)(double)) {
  FitSummary* f = c->mutable_fit()->add_fits();
  f->set_name(name);
  f->set_model(model);
  double sum2 = 0, max_abs = 0;
  for (const auto& [x, measured] : x_measured) {
    FitResidual* r = f->add_residuals();
    r->set_benchmark(benchmark);
    r->set_case_name(benchmark);
    r->set_x(x);
    r->set_measured_s(measured);
    r->set_predicted_s(predict(x));
    r->set_rel_error((r->predicted_s() - measured) / measured);
    sum2 += r->rel_error() * r->rel_error();
    max_abs = std::max(max_abs, std::fabs(r->rel_error()));
  }
  f->set_num_points(static_cast<uint32_t>(x_measured.size()));
  f->set_rms_rel_error(x_measured.empty() ? 0 : std::sqrt(sum2 / x_measured.size()));
  f->set_max_abs_rel_error(max_abs);
}

}  // namespace

Calibration make_synthetic_calibration() {
  Calibration c;
  c.set_profile_file("synthetic_profile.pb");
  Environment* e = c.mutable_environment();
  e->set_backend("synthetic");
  e->set_num_ranks(kSyntheticProfileRanks);
  e->set_num_nodes(1);
  e->set_ranks_per_node(kSyntheticProfileRanks);
  for (int r = 0; r < kSyntheticProfileRanks; ++r) e->add_rank_node(0);

  auto* same = c.add_links();
  same->set_link_class("same-node");
  same->set_latency_s(2e-6);
  same->set_bandwidth_bytes_per_s(20e9);
  auto* other = c.add_links();
  other->set_link_class("other-node");
  other->set_latency_s(8e-6);
  other->set_bandwidth_bytes_per_s(5e9);

  auto* r0 = c.add_alltoall();
  r0->set_min_message_bytes(0);
  r0->set_max_message_bytes(kSyntheticRegimeBytesPerPeer);
  r0->set_launch_s(15e-6);
  r0->set_rank_bandwidth_bytes_per_s(4e9);
  r0->set_link_latency_s(1e-6);
  auto* r1 = c.add_alltoall();
  r1->set_min_message_bytes(kSyntheticRegimeBytesPerPeer);
  r1->set_max_message_bytes(0);
  r1->set_launch_s(25e-6);
  r1->set_rank_bandwidth_bytes_per_s(20e9);
  r1->set_shared_bandwidth_bytes_per_s(40e9);
  r1->set_link_latency_s(1e-6);

  auto* g = c.mutable_gemm();
  g->set_max_flops(2e12);
  g->set_half_efficiency_tokens(128);
  g->set_device("synthetic");
  g->set_hidden(1024);
  g->set_ffn_hidden(2048);

  auto* k0 = c.add_kernels();
  k0->set_kernel("gating_topk");
  k0->set_overhead_s(5e-6);
  k0->set_tokens_per_s(2e8);
  auto* k1 = c.add_kernels();
  k1->set_kernel("permute");
  k1->set_overhead_s(8e-6);
  k1->set_tokens_per_s(1e8);

  c.mutable_fit()->set_holdout("odd-indices");
  // The residuals of the points the "fit" saw: even indices of each sweep, as in the profile.
  std::vector<std::pair<double, double>> a2a_lo, a2a_hi;
  for (int i = 0; i < kSyntheticAllToAllPoints; i += 2) {
    const double m = 4096.0 * (1 << i) / kN;
    (m < kSyntheticRegimeBytesPerPeer ? a2a_lo : a2a_hi).push_back({m, model_alltoall_s(m) * wobble(i)});
  }
  add_fit(&c, "alltoall regime 1", "alltoall", "t = 17 us + (n-1) * bytes_per_peer / 4e9 B/s", a2a_lo, model_alltoall_s);
  add_fit(&c, "alltoall regime 2", "alltoall", "t = 27 us + (n-1) * bytes_per_peer / 3.33e9 B/s", a2a_hi, model_alltoall_s);
  c.mutable_fit()->mutable_fits(1)->set_note("synthetic: made-up residuals");
  return c;
}

Profile make_synthetic_profile() {
  Profile p;
  Environment* e = p.mutable_environment();
  e->set_backend("synthetic");
  e->set_num_ranks(kSyntheticProfileRanks);
  e->set_num_nodes(1);
  e->set_ranks_per_node(kSyntheticProfileRanks);
  e->set_cpu_model("synthetic fixture (not measured)");
  for (int i = 0; i < kSyntheticAllToAllPoints; ++i) {
    const double size = 4096.0 * (1 << i);
    const double m = size / kN;
    ProfileRecord* r = timed(&p, "alltoall", "uniform", static_cast<uint32_t>(i), model_alltoall_s(m) * wobble(i));
    r->set_size_bytes(size);
    r->set_bytes_per_peer(m);
    r->set_algbw_gb_per_s(size / r->median_s() / 1e9);
    r->set_busbw_gb_per_s(r->algbw_gb_per_s() * (kN - 1) / kN);
  }
  ProfileRecord* late = timed(&p, "alltoall", "uniform", kSyntheticAllToAllPoints, 0);
  late->set_size_bytes(4096.0 * (1 << kSyntheticAllToAllPoints));
  late->set_timed_out(true);
  late->clear_p90_s();
  for (int i = 0; i < 2; ++i) {
    const double size = i == 0 ? 262144 : 4194304;
    ProfileRecord* r = timed(&p, "alltoallv", "zipf s=1.2", static_cast<uint32_t>(i), model_alltoall_s(size / kN) * 1.25);
    r->set_size_bytes(size);
  }
  for (int cls = 0; cls < 2; ++cls) {
    for (int j = 0; j < 6; ++j) {
      const double bytes = 1024.0 * std::pow(4.0, j);
      const double t = cls == 0 ? 2e-6 + bytes / 20e9 : 8e-6 + bytes / 5e9;
      ProfileRecord* r = timed(&p, "p2p", cls == 0 ? "0->1 same-node" : "0->4 other-node", static_cast<uint32_t>(j),
                               t * wobble(j + cls));
      r->set_num_ranks(2);
      r->set_size_bytes(bytes);
      r->set_src_rank(0);
      r->set_dst_rank(cls == 0 ? 1 : 4);
      r->set_link_class(cls == 0 ? "same-node" : "other-node");
    }
  }
  for (int j = 0; j < 8; ++j) {
    const double tokens = std::pow(4.0, j);
    const double flops = 2.0 * tokens * 1024 * 2048;
    const double rate = 2e12 * tokens / (tokens + 128);
    ProfileRecord* r = timed(&p, "gemm", "expert", static_cast<uint32_t>(j), flops / rate * wobble(j));
    r->set_num_ranks(1);
    r->set_num_tokens(static_cast<uint64_t>(tokens));
    r->set_hidden(1024);
    r->set_ffn_hidden(2048);
    r->set_flops(flops);
    r->set_achieved_flops(flops / r->median_s());
  }
  for (int k = 0; k < 2; ++k) {
    for (int j = 0; j < 5; ++j) {
      const double tokens = 256.0 * std::pow(4.0, j);
      const double t = k == 0 ? 5e-6 + tokens / 2e8 : 8e-6 + tokens / 1e8;
      ProfileRecord* r = timed(&p, "kernel", k == 0 ? "gating_topk" : "permute", static_cast<uint32_t>(j), t * wobble(j + k));
      r->set_num_ranks(1);
      r->set_num_tokens(static_cast<uint64_t>(tokens));
      r->set_items_per_s(tokens / r->median_s());
    }
  }
  p.set_complete(true);
  return p;
}

}  // namespace moesim::viz::testing
