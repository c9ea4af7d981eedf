// NumPy .npy arrays (load matrices and expert-load traces).
#include <string>

#include "tests/fuzz/fuzz_target.h"
#include "traces/npy.h"
#include "traces/trace_npy.h"

MOESIM_FUZZ_TARGET(npy) {
  auto a = moesim::parse_npy(std::string(input), "fuzz.npy");
  if (!a.ok()) return;
  double elements = 1;
  for (auto d : a->shape) elements *= static_cast<double>(d);
  if (elements != static_cast<double>(a->data.size())) {
    moesim::fuzz::fuzz_fail("npy", "shape does not match the number of values read");
  }
  (void)moesim::trace_from_npy(*a, "fuzz.npy");
}
