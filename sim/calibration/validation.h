// Validation of a calibration against a profile: every measured case is simulated with the
// calibrated figures and compared with what was measured (`moesim validate`).
//
// Per benchmark:
//   alltoall, alltoallv  simulate_alltoall (direct algorithm, flow model) of the measured
//                        traffic matrix on the measured machine (build_measured_topology) with
//                        the collective costs of the message-size regime
//   p2p                  a one-message traffic matrix on a star with the link class's figures
//                        and no collective costs (one-way time)
//   gemm                 grouped_gemm_time() of one expert with the calibrated GPU figures
//   kernel               the calibration's linear model (the step simulator folds routing
//                        kernels into dense time, so this checks the fit only)
// By default only the cases the fit did not see (record_used_by_fit() false) are reported.
// Thread-safety: pure function.
#pragma once

#include <string>
#include <vector>

#include "traces/proto/profile.pb.h"
#include "traces/status.h"

namespace moesim {

struct ValidationCase {
  std::string benchmark;
  std::string case_name;
  double size = 0;          // bytes (communication), tokens (kernel), tokens per expert (gemm)
  double measured_s = 0;
  double simulated_s = 0;
  double rel_error = 0;     // (simulated - measured) / measured
  bool fitted = false;      // the fit saw this case
};

struct ValidationReport {
  std::vector<ValidationCase> cases;
  int skipped = 0;          // records that timed out, failed or have no model
  std::vector<std::string> notes;
  double median_abs_error = 0;
  double max_abs_error = 0;
};

struct ValidationOptions {
  std::string holdout = "odd-indices";
  bool include_fitted = false;   // also report the cases the fit saw
  std::string benchmark;         // only this benchmark (empty = all)
};

Result<ValidationReport> validate_calibration(const Profile& profile, const Calibration& calibration,
                                              const ValidationOptions& options);

}  // namespace moesim
