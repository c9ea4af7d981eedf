// Calibration files from `moeprof fit` (`moesim simulate --calibration`, `moesim validate`): a
// calibration that passes check_calibration must give finite costs and a measured topology.
#include <cmath>
#include <string>

#include "sim/calibration/calibration.h"
#include "tests/fuzz/fuzz_target.h"
#include "traces/proto_io.h"

MOESIM_FUZZ_TARGET(calibration) {
  moesim::Calibration c;
  if (!moesim::parse_proto(std::string(input), moesim::ProtoFormat::kJson, "fuzz.json", &c).ok()) return;
  if (!moesim::check_calibration(c, "fuzz.json").ok()) return;
  for (double bytes : {0.0, 1.0, 4096.0, 1048576.0, moesim::kLargeMessageBytes}) {
    (void)moesim::alltoall_regime(c, bytes);
    (void)moesim::calibrated_costs(c, bytes);
    auto topo = moesim::build_measured_topology(c, bytes);
    if (topo.ok() && (*topo)->num_gpus() < 1) moesim::fuzz::fuzz_fail("calibration", "a measured topology without GPUs");
  }
  moesim::HardwareSpec hw;
  moesim::apply_gemm_calibration(c, &hw);
}
