// Profiles from `moeprof run` (`moeprof fit PROFILE`): whatever a (half-finished or edited)
// profile holds, the fit either refuses it with an error or produces a calibration that
// check_calibration accepts.
#include <string>

#include "profiler/calibrate.h"
#include "sim/calibration/calibration.h"
#include "tests/fuzz/fuzz_target.h"
#include "traces/proto_io.h"

MOESIM_FUZZ_TARGET(profile) {
  moesim::Profile p;
  if (!moesim::parse_proto(std::string(input), moesim::ProtoFormat::kJson, "fuzz.json", &p).ok()) return;
  if (p.records_size() > 2000) return;  // the fit is least squares over the records: bounded work
  auto c = moesim::profiler::fit_calibration(p, "fuzz.json", {});
  if (!c.ok()) return;
  if (auto st = moesim::check_calibration(*c, "fit of fuzz.json"); !st.ok()) {
    moesim::fuzz::fuzz_fail("profile", "the fit produced a calibration it would refuse: " + st.message());
  }
}
