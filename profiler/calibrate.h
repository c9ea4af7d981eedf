// `moeprof fit`: a Profile in, a Calibration out (traces/proto/profile.proto), with the fit's
// residuals in Calibration.fit.
//
// What is fitted, each on the records record_used_by_fit() admits (sim/calibration):
//  - p2p, per link class: one-way t = latency + bytes / bandwidth, regimes by message size
//    (profiler/fit.h).
//  - alltoall (uniform, n ranks, m bytes per peer): t = alpha + beta * m per regime. On the
//    simulator's star of the measured machine t = launch + 2 * link_latency + (n-1) m / b, with
//    b the bandwidth at which one rank sends; so b = (n-1) / beta and launch = alpha minus the
//    two hops' latency (half of the p2p alpha each). Whether b is the rank's own link or the
//    host's shared memory system is told by p2p: when one pair alone moves data faster than
//    b (p2p bandwidth > 1.05 b), ranks contend for something shared: the rank links take the
//    p2p bandwidth and a shared link of n * b carries every byte (a uniform all-to-all moves
//    n (n-1) m bytes in (n-1) m / b); otherwise the rank links take b and nothing is shared.
//    Uneven all-to-allv cases then follow from max-min sharing of those links.
//    The per-message cost is not identifiable from one communicator size (every rank sends
//    n-1 messages of every size): it is folded into launch and reported as such.
//  - gemm: t = a + b * tokens. With flops(t) = 2 t H F at rate max_flops * t / (t + half):
//    t = (2 H F / max_flops) (t + half), so max_flops = 2 H F / b and half = a / b; a fixed
//    per-call cost cannot be told apart from half and is folded into it (launch_s = 0).
//  - kernel, per kernel: t = overhead + tokens / tokens_per_s.
// Thread-safety: pure function.
#pragma once

#include <string>

#include "traces/proto/profile.pb.h"
#include "traces/status.h"

namespace moesim::profiler {

struct FitOptions {
  std::string holdout = "odd-indices";
  int max_regimes = 3;
  int min_points_per_regime = 2;
};

Result<Calibration> fit_calibration(const Profile& profile, const std::string& profile_path, const FitOptions& options);

// Human-readable summary of a calibration and its fit (what `moeprof fit` prints).
std::string describe_calibration(const Calibration& c);

}  // namespace moesim::profiler
