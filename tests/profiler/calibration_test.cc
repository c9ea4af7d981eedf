// Fit and validation end to end on synthetic profiles whose times follow known figures: the fit
// must recover the figures and the simulator must reproduce the held-out cases.
#include <cmath>

#include <gtest/gtest.h>

#include "profiler/calibrate.h"
#include "sim/calibration/calibration.h"
#include "sim/calibration/validation.h"
#include "traces/proto_io.h"

namespace moesim {
namespace {

constexpr int kRanks = 4;
constexpr double kA2aAlpha = 5e-6;       // launch + two hops
constexpr double kRankSendBw = 2e9;      // bytes/s one rank sends in a uniform all-to-all
constexpr double kP2pAlpha = 1e-6;       // one-way latency
constexpr double kP2pBw = 8e9;

ProfileRecord comm_record(const std::string& bench, uint32_t index, double size, double t) {
  ProfileRecord r;
  r.set_benchmark(bench);
  r.set_index(index);
  r.set_num_ranks(bench == "p2p" ? 2 : kRanks);
  r.set_size_bytes(size);
  r.set_median_s(t);
  r.add_times_s(t);
  return r;
}

// Four host ranks on two cores (oversubscribed): the fit keeps self copies off the links.
Profile synthetic_profile() {
  Profile p;
  auto* env = p.mutable_environment();
  env->set_backend("host");
  env->set_num_ranks(kRanks);
  env->set_num_nodes(1);
  env->set_ranks_per_node(kRanks);
  env->set_cpu_cores(2);
  for (int r = 0; r < kRanks; ++r) env->add_rank_node(0);
  uint32_t i = 0;
  for (double m = 1024; m <= 16.0 * 1024 * 1024; m *= 2, ++i) {
    // Uniform: every rank sends (n-1) m bytes at kRankSendBw.
    auto r = comm_record("alltoall", i, m * kRanks, kA2aAlpha + (kRanks - 1) * m / kRankSendBw);
    r.set_case_name("uniform");
    r.set_bytes_per_peer(m);
    *p.add_records() = r;
  }
  i = 0;
  for (double s = 1024; s <= 16.0 * 1024 * 1024; s *= 2, ++i) {
    auto r = comm_record("p2p", i, s, kP2pAlpha + s / kP2pBw);
    r.set_case_name("0<->1 same-node");
    r.set_src_rank(0);
    r.set_dst_rank(1);
    r.set_link_class("same-node");
    *p.add_records() = r;
  }
  return p;
}

TEST(Calibration, HeldOutRule) {
  ProfileRecord r;
  r.set_benchmark("alltoall");
  r.set_median_s(1);
  r.set_index(2);
  EXPECT_TRUE(record_used_by_fit(r, "odd-indices"));
  r.set_index(3);
  EXPECT_FALSE(record_used_by_fit(r, "odd-indices"));
  EXPECT_TRUE(record_used_by_fit(r, "none"));
  r.set_benchmark("alltoallv");
  EXPECT_FALSE(record_used_by_fit(r, "none"));  // uneven cases are validation only
  r.set_benchmark("p2p");
  r.set_timed_out(true);
  EXPECT_FALSE(record_used_by_fit(r, "none"));
  EXPECT_FALSE(check_holdout("every-third").ok());
}

TEST(Calibration, FitRecoversFiguresAndSharedLink) {
  auto c = profiler::fit_calibration(synthetic_profile(), "synthetic.pb", {});
  ASSERT_TRUE(c.ok()) << c.message();
  ASSERT_EQ(c->links_size(), 1);
  EXPECT_NEAR(c->links(0).latency_s(), kP2pAlpha, 1e-12);
  EXPECT_NEAR(c->links(0).bandwidth_bytes_per_s(), kP2pBw, 1e-3 * kP2pBw);
  ASSERT_EQ(c->alltoall_size(), 1);
  const auto& a = c->alltoall(0);
  // p2p (8 GB/s) beats what a rank achieves in the all-to-all (2 GB/s): contention for a
  // shared link of n * 2 GB/s = 8 GB/s; rank links take the p2p figure.
  EXPECT_NEAR(a.rank_bandwidth_bytes_per_s(), kP2pBw, 1e-3 * kP2pBw);
  EXPECT_NEAR(a.shared_bandwidth_bytes_per_s(), kRanks * kRankSendBw, 1e-3 * kRanks * kRankSendBw);
  // Two hops of half the p2p latency each, the rest of alpha is launch.
  EXPECT_NEAR(a.link_latency_s(), kP2pAlpha / 2, 1e-12);
  EXPECT_NEAR(a.launch_s(), kA2aAlpha - kP2pAlpha, 1e-11);
}

TEST(Calibration, SimulatorReproducesHeldOutAndUnevenCases) {
  Profile p = synthetic_profile();
  // Uneven: rank 0 sends 4 MiB to rank 1 only. One flow through a rank link (8 GB/s) and the
  // shared link (8 GB/s): 5 us + 4 MiB / 8 GB/s.
  const double bytes = 4.0 * 1024 * 1024;
  ProfileRecord v = comm_record("alltoallv", 0, bytes / kRanks, kA2aAlpha + bytes / kP2pBw);
  v.set_case_name("one pair");
  for (int s = 0; s < kRanks; ++s)
    for (int d = 0; d < kRanks; ++d) v.add_matrix_bytes(s == 0 && d == 1 ? bytes : 0.0);
  *p.add_records() = v;
  // Uneven: every rank sends 1 MiB to rank 0 only: the shared link carries 3 MiB at 8 GB/s,
  // rank 0's incoming link 3 MiB at 8 GB/s: 5 us + 3 MiB / 8 GB/s.
  ProfileRecord w = comm_record("alltoallv", 1, 3.0 * 1024 * 1024 / kRanks, kA2aAlpha + 3.0 * 1024 * 1024 / kP2pBw);
  w.set_case_name("incast");
  for (int s = 0; s < kRanks; ++s)
    for (int d = 0; d < kRanks; ++d) w.add_matrix_bytes(d == 0 && s != 0 ? 1024.0 * 1024 : 0.0);
  *p.add_records() = w;

  auto c = profiler::fit_calibration(p, "synthetic.pb", {});
  ASSERT_TRUE(c.ok()) << c.message();
  auto rep = validate_calibration(p, *c, {});
  ASSERT_TRUE(rep.ok()) << rep.message();
  // Held out: 7 odd alltoall sizes + 7 odd p2p sizes + 2 uneven cases.
  EXPECT_EQ(rep->cases.size(), 16u);
  for (const auto& k : rep->cases) {
    EXPECT_FALSE(k.fitted);
    EXPECT_LT(std::fabs(k.rel_error), 1e-3) << k.benchmark << " " << k.case_name << " " << k.size;
  }
  EXPECT_LT(rep->max_abs_error, 1e-3);
  ValidationOptions all;
  all.include_fitted = true;
  EXPECT_EQ(validate_calibration(p, *c, all)->cases.size(), 32u);
}

// Two host ranks with a core each: a rank's copy to itself is one more message through its
// link. Uniform: t = 3 us + 2 m / (10 GB/s) (each rank receives m from its peer and m from
// itself), so the rank link is 10 GB/s; no p2p, so no latency and nothing shared.
Profile two_rank_host_profile() {
  Profile p;
  auto* env = p.mutable_environment();
  env->set_backend("host");
  env->set_num_ranks(2);
  env->set_num_nodes(1);
  env->set_ranks_per_node(2);
  env->set_cpu_cores(2);
  uint32_t i = 0;
  for (double m = 1024; m <= 16.0 * 1024 * 1024; m *= 2, ++i) {
    ProfileRecord r;
    r.set_benchmark("alltoall");
    r.set_case_name("uniform");
    r.set_index(i);
    r.set_num_ranks(2);
    r.set_bytes_per_peer(m);
    r.set_size_bytes(2 * m);
    r.set_median_s(3e-6 + 2 * m / 10e9);
    *p.add_records() = r;
  }
  return p;
}

TEST(Calibration, HostRanksWithACoreEachCopyToThemselvesThroughTheirLink) {
  Profile p = two_rank_host_profile();
  // Uneven, bytes [src][dst] = {{a, x}, {y, d}}: rank 1's link carries x from rank 0 and its own
  // d, rank 0's carries y and a; the links drain at 10 GB/s, so t = 3 us + max(x + d, y + a) / B.
  const double a = 1e6, x = 3e6, y = 0.5e6, d = 4e6;
  ProfileRecord v;
  v.set_benchmark("alltoallv");
  v.set_case_name("hot rank 1");
  v.set_num_ranks(2);
  v.set_size_bytes((a + x + y + d) / 2);
  v.set_median_s(3e-6 + (x + d) / 10e9);
  for (double b : {a, x, y, d}) v.add_matrix_bytes(b);
  *p.add_records() = v;

  auto c = profiler::fit_calibration(p, "two_ranks.pb", {});
  ASSERT_TRUE(c.ok()) << c.message();
  ASSERT_EQ(c->alltoall_size(), 1);
  const auto& r = c->alltoall(0);
  EXPECT_TRUE(r.self_copy());
  EXPECT_NEAR(r.rank_bandwidth_bytes_per_s(), 10e9, 1e-6 * 10e9);
  EXPECT_EQ(r.shared_bandwidth_bytes_per_s(), 0);
  EXPECT_NEAR(r.launch_s(), 3e-6, 1e-12);
  // The measured star has a self port per rank: 2 ranks + 2 ports, 2 links per rank + 1 per port.
  auto t = build_measured_topology(*c, 1e6);
  ASSERT_TRUE(t.ok()) << t.message();
  EXPECT_EQ((*t)->num_gpus(), 4);
  EXPECT_EQ((*t)->num_links(), 6);

  auto rep = validate_calibration(p, *c, {});
  ASSERT_TRUE(rep.ok()) << rep.message();
  ASSERT_FALSE(rep->cases.empty());
  for (const auto& k : rep->cases) EXPECT_LT(std::fabs(k.rel_error), 1e-6) << k.case_name << " " << k.size;
  // Without the self copy the same case would be timed by x / B alone (303 us for 703 us).
  Calibration peers_only = *c;
  peers_only.mutable_alltoall(0)->set_self_copy(false);
  AllToAllOptions opt;
  opt.coalesce_rel = 0;
  auto sim = simulate_on_measured_machine(peers_only, dense_with_self(2, {a, x, y, d}), v.size_bytes(), opt);
  ASSERT_TRUE(sim.ok()) << sim.message();
  EXPECT_NEAR(sim->completion_time_s(), 3e-6 + x / 10e9, 1e-12);
  // The report counts the two ranks, not the ports.
  auto with_self = simulate_on_measured_machine(*c, dense_with_self(2, {a, x, y, d}), v.size_bytes(), opt);
  ASSERT_TRUE(with_self.ok());
  EXPECT_EQ(with_self->num_gpus(), 2u);
  EXPECT_DOUBLE_EQ(with_self->total_bytes(), x + y);
}

TEST(Calibration, GemmEfficiencyRecovered) {
  // flop/s(t) = P t / (t + h) with P = 50 GFLOP/s, h = 64: time = 2HF (t + h) / P.
  const double P = 50e9, h = 64, H = 256, F = 512;
  Profile p;
  p.mutable_environment()->set_num_ranks(1);
  uint32_t i = 0;
  for (int t = 1; t <= 4096; t *= 2, ++i) {
    ProfileRecord r;
    r.set_benchmark("gemm");
    r.set_index(i);
    r.set_num_tokens(static_cast<uint64_t>(t));
    r.set_hidden(static_cast<uint32_t>(H));
    r.set_ffn_hidden(static_cast<uint32_t>(F));
    r.set_median_s(2 * H * F * (t + h) / P);
    *p.add_records() = r;
  }
  auto c = profiler::fit_calibration(p, "gemm.pb", {});
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_NEAR(c->gemm().max_flops(), P, 1e-6 * P);
  EXPECT_NEAR(c->gemm().half_efficiency_tokens(), h, 1e-6 * h);
  auto rep = validate_calibration(p, *c, {});
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->cases.size(), 6u);  // t = 2, 8, ..., 2048
  EXPECT_LT(rep->max_abs_error, 1e-9);
  // Applied to an H100 spec (989 TFLOP/s): efficiency = 50e9 / 989e12.
  HardwareSpec hw;
  hw.set_peak_flops(989e12);
  apply_gemm_calibration(*c, &hw);
  EXPECT_NEAR(hw.max_gemm_efficiency(), P / 989e12, 1e-15);
  EXPECT_NEAR(hw.half_efficiency_tokens(), h, 1e-6);
}

TEST(Calibration, LoadRejectsBadFigures) {
  Calibration c;
  auto* l = c.add_links();
  l->set_link_class("same-node");
  l->set_latency_s(1e-6);
  l->set_bandwidth_bytes_per_s(-1);
  const std::string path = ::testing::TempDir() + "/bad_calibration.json";
  ASSERT_TRUE(save_proto(path, c).ok());
  auto r = load_calibration(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("links[0].bandwidth_bytes_per_s"), std::string::npos) << r.message();
  EXPECT_NE(r.message().find(path), std::string::npos);
  l->set_bandwidth_bytes_per_s(1e9);
  l->set_link_class("nvlink");
  ASSERT_TRUE(save_proto(path, c).ok());
  EXPECT_NE(load_calibration(path).message().find("link_class"), std::string::npos);
}

TEST(Calibration, AppliedToUserTopologyByLinkClass) {
  auto c = profiler::fit_calibration(synthetic_profile(), "synthetic.pb", {});
  ASSERT_TRUE(c.ok());
  // A measured star built from the calibration: 4 ranks, 3 links per path (2 rank links + shared).
  auto t = build_measured_topology(*c, 1e6);
  ASSERT_TRUE(t.ok()) << t.message();
  EXPECT_EQ((*t)->num_gpus(), kRanks);
  EXPECT_EQ((*t)->num_links(), 2 * kRanks + 1);
  EXPECT_NEAR(calibrated_costs(*c, 1e6).launch_s, kA2aAlpha - kP2pAlpha, 1e-11);
}

}  // namespace
}  // namespace moesim
