// The Profiles view's fitted all-to-all curve is the simulator's: viz does not link sim, so
// profile_model.cc states the uniform all-to-all on the measured star in closed form; this test
// (which may link sim) checks it against simulate_on_measured_machine() -- what `moesim
// validate` does: the regime's star and collective costs -- and checks the regime and
// hold-out rules viz mirrors against sim/calibration's own.
#include <cmath>

#include <gtest/gtest.h>

#include "sim/calibration/calibration.h"
#include "sim/collectives/alltoall_study.h"
#include "tests/viz/synthetic_profile.h"
#include "viz/profile_model.h"

namespace moesim::viz {
namespace {

double simulated_s(const Calibration& c, int n, double bytes_per_peer) {
  AllToAllOptions opt;
  opt.coalesce_rel = 0;
  opt.top_links = 0;
  auto r = simulate_on_measured_machine(c, TrafficMatrix::Uniform(n, bytes_per_peer), bytes_per_peer * n, opt);
  EXPECT_TRUE(r.ok()) << r.message();
  return r.ok() ? r->completion_time_s() : 0.0;
}

Calibration with_ranks(Calibration c, int n) {
  c.mutable_environment()->set_num_ranks(static_cast<uint32_t>(n));
  c.mutable_environment()->clear_rank_node();
  return c;
}

TEST(ProfileModelVsSim, UniformAllToAllOnTheMeasuredStar) {
  Calibration base = testing::make_synthetic_calibration();
  // A third regime where posting messages is what takes the time.
  base.mutable_alltoall(1)->set_max_message_bytes(1 << 22);
  auto* issue = base.add_alltoall();
  issue->set_min_message_bytes(1 << 22);
  issue->set_launch_s(5e-6);
  issue->set_per_message_s(2e-3);
  issue->set_rank_bandwidth_bytes_per_s(50e9);
  issue->set_link_latency_s(0.5e-6);
  for (bool self_copy : {false, true}) {
    // With self copies, each rank's copy to itself also crosses its link and the hub.
    for (auto& r : *base.mutable_alltoall()) r.set_self_copy(self_copy);
    for (int n : {2, 4, 8}) {
      const Calibration c = with_ranks(base, n);
      for (double m : {64.0, 1024.0, 16383.0, 16384.0, 1e6, 3e6, 5e6, 6e7}) {
        const double sim = simulated_s(c, n, m);
        EXPECT_NEAR(fitted_alltoall_time_s(c, n, m), sim, 1e-9 * sim) << "n=" << n << " m=" << m << " self " << self_copy;
        EXPECT_EQ(fitted_alltoall_regime(c, m), alltoall_regime(c, m)) << m;
      }
    }
  }
}

TEST(ProfileModelVsSim, RegimeAndHoldOutRulesMatchSim) {
  const Calibration c = testing::make_synthetic_calibration();
  for (double b : {0.0, 10.0, 1e3, 1e6, 1e9}) {
    for (const char* cls : {"same-node", "other-node", "none"}) {
      EXPECT_EQ(fitted_link(c, cls, b), link_calibration(c, cls, b)) << cls << " " << b;
    }
  }
  const Profile p = testing::make_synthetic_profile();
  for (const char* holdout : {"odd-indices", "none"}) {
    for (const auto& r : p.records()) {
      EXPECT_EQ(record_fitted(r, holdout), record_used_by_fit(r, holdout)) << r.benchmark() << " " << r.index();
    }
  }
}

}  // namespace
}  // namespace moesim::viz
