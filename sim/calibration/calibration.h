// Measured calibrations (`moeprof fit`) applied to the simulator's inputs: a topology's link
// figures, the collective costs and the GPU's expert-GEMM efficiency.
//
// A Calibration (traces/proto/profile.proto) describes the machine it was measured on per
// message-size regime. Applying it to a user topology maps link classes by where traffic
// flows: "same-node" figures go to NVLink and PCIe links, "other-node" figures to network links;
// a point-to-point latency is end to end and is split evenly over the two hops (GPU -> switch
// -> GPU) of the paths it was measured on. The collective costs (launch, per-message) come from
// the all-to-all regime of the message size. The measured machine itself is rebuilt by
// build_measured_topology(): a star whose ranks share one link (see AllToAllRegime), so that
// simulate_alltoall() reproduces measured all-to-all times.
// Thread-safety: pure functions over values; the topology passed in is modified.
#pragma once

#include <memory>
#include <string>

#include "sim/collectives/alltoall.h"
#include "sim/collectives/alltoall_study.h"
#include "sim/topology/topology.h"
#include "traces/proto/profile.pb.h"
#include "traces/proto/scenario.pb.h"
#include "traces/status.h"

namespace moesim {

// Message size that selects the bandwidth regime (the largest messages): what the step
// simulator uses, since MoE dispatch messages are megabytes.
inline constexpr double kLargeMessageBytes = 1e300;

// Loads (any proto format) and checks a calibration: finite non-negative figures, positive
// bandwidths, regimes in increasing order. Errors name the file and field.
Result<Calibration> load_calibration(const std::string& path);
Status check_calibration(const Calibration& c, const std::string& source);

// Whether `moeprof fit` uses a record under the hold-out rule `holdout`:
//   "odd-indices" (default): even-indexed points of each sweep (alltoall, p2p, gemm, kernel);
//   "none": every such point.
// Uneven all-to-allv cases are never fitted: they are the validation of the model.
bool record_used_by_fit(const ProfileRecord& r, const std::string& holdout);
Status check_holdout(const std::string& holdout);

// The regime of `message_bytes` (bytes one rank sends one peer); null when there is none.
const AllToAllRegime* alltoall_regime(const Calibration& c, double message_bytes);
const LinkClassCalibration* link_calibration(const Calibration& c, const std::string& link_class,
                                             double message_bytes);

// The message size that selects a regime for a traffic matrix: what each peer would get if the
// busiest rank's volume, max over ranks of max(bytes sent, bytes received) to/from others, were
// spread evenly over its n - 1 peers. A uniform all-to-all gives its bytes per peer. Regimes
// come from caches and protocols, which follow how much one rank moves, so a skewed matrix
// lands where its busiest rank's uniform equivalent would.
double regime_message_bytes(const TrafficMatrix& m);

// Star of `num_ranks` ranks on one hub: rank -> hub_in (rank_bandwidth, link_latency),
// hub_in -> hub_out (shared_bandwidth; absent when 0), hub_out -> rank. rank_node gives each
// rank's host (empty: all on node 0). With self_ports, GPU vertex num_ranks + r is rank r's
// self port ("rank<r>.self", its own link to hub_in): traffic from it to r is r's copy to
// itself (AllToAllRegime.self_copy; see self_copy_traffic()).
Result<std::unique_ptr<Topology>> build_shared_star(int num_ranks, double rank_bandwidth_bytes_per_s,
                                                    double shared_bandwidth_bytes_per_s, double link_latency_s,
                                                    const std::vector<int>& rank_node = {}, bool self_ports = false);

// The measured machine for messages of `message_bytes`, as the all-to-all regime describes it
// (with self ports when the regime has self_copy).
Result<std::unique_ptr<Topology>> build_measured_topology(const Calibration& c, double message_bytes);

// A measured case's matrix (row-major, [src * n + dst]) with its diagonal kept as self entries
// (src == dst), which simulate_alltoall() ignores and self_copy_traffic() moves to self ports.
TrafficMatrix dense_with_self(int n, const std::vector<double>& row_major);

// `m` on a star with self ports: the peer entries, and each rank r's bytes to itself (its self
// entry; a uniform matrix: bytes_per_peer) as a message from port n + r to r.
TrafficMatrix self_copy_traffic(const TrafficMatrix& m);

// An all-to-all(v) on the measured machine: the regime of m (regime_message_bytes), its star,
// its collective costs unless `keep_costs`, and self copies when the regime has them.
// `size_bytes` is nccl-tests' size of the case (see simulate_alltoall).
Result<AllToAllResult> simulate_on_measured_machine(const Calibration& c, const TrafficMatrix& m, double size_bytes,
                                                    AllToAllOptions opt, bool keep_costs = false);

// Collective costs of the regime of `message_bytes` (defaults when the calibration has none).
CollectiveCosts calibrated_costs(const Calibration& c, double message_bytes);

// Link-class figures onto a user topology (see the header comment) and the collective costs.
void apply_link_calibration(const Calibration& c, double message_bytes, Topology* topo);

// Expert GEMM figures onto a GPU spec: max_gemm_efficiency = max_flops / peak_flops (the peak
// is raised to max_flops when the measured device is faster than the spec), the
// half-efficiency point, and the per-call cost into kernel_launch_s (the fit folds launch
// cost into the half-efficiency point, see profiler/calibrate.h).
void apply_gemm_calibration(const Calibration& c, HardwareSpec* hw);

}  // namespace moesim
