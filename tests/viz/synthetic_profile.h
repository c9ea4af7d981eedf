// SYNTHETIC test fixtures for the Profiles view: a moeprof Profile and the Calibration it is
// "fitted" with, built in code with made-up figures (4 ranks on one node, two all-to-all
// regimes, same-node and other-node p2p, an expert GEMM and two routing kernels). The
// measured medians are the calibration's own curves times a fixed +-3% wobble, so a test knows
// where every point and curve must be drawn. Nothing here was measured.
// Deterministic; thread-safe (pure functions).
#pragma once

#include "traces/proto/profile.pb.h"

namespace moesim::viz::testing {

constexpr int kSyntheticProfileRanks = 4;
constexpr int kSyntheticAllToAllPoints = 13;   // sizes 4 KiB .. 16 MiB per rank, doubling
constexpr double kSyntheticRegimeBytesPerPeer = 16384;  // second all-to-all regime from here

// The calibration the fixture's measurements follow; profile_file is "synthetic_profile.pb".
Calibration make_synthetic_calibration();
// Records: alltoall (13 uniform), alltoallv (2), p2p (6 same-node, 6 other-node), gemm (8),
// kernel (2 x 5), and one timed-out alltoall case; p90 = 1.1 x median.
Profile make_synthetic_profile();

}  // namespace moesim::viz::testing
