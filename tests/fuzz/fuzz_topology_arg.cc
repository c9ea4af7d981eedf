// Topology arguments and unit strings: `--topology rail:nodes=4,nic_bw=200Gb/s`, preset
// parameters and the bandwidth/duration/size parsers every flag and DOT attribute uses.
// Presets are built only when the numbers in the argument multiply to at most 4096 (building a
// legitimately large topology is slow, not a bug; sizes past the limit are refused by the
// preset before anything is built, which the catalogue test checks).
#include <cctype>
#include <cmath>
#include <string>

#include "sim/topology/presets.h"
#include "sim/topology/units.h"
#include "tests/fuzz/fuzz_target.h"

MOESIM_FUZZ_TARGET(topology_arg) {
  const std::string text(input);
  for (auto* parse : {&moesim::parse_bandwidth, &moesim::parse_duration, &moesim::parse_size}) {
    auto v = parse(text);
    if (v.ok() && std::isnan(*v)) moesim::fuzz::fuzz_fail("topology_arg", "unit parser returned NaN for '" + text + "'");
    if (!v.ok() && v.message().empty()) moesim::fuzz::fuzz_fail("topology_arg", "error without a message");
  }
  auto spec = moesim::parse_topology_arg(text);
  if (!spec.ok() || !spec->dot_file().empty()) return;
  double product = 1;
  double number = 0;
  bool in_number = false;
  for (char c : text + " ") {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      number = number * 10 + (c - '0');
      in_number = true;
    } else if (in_number) {
      product *= number;
      number = 0;
      in_number = false;
    }
  }
  if (product > 4096) return;
  auto topo = moesim::build_topology(*spec, "fuzz");
  if (topo.ok() && (*topo)->num_gpus() < 1) moesim::fuzz::fuzz_fail("topology_arg", "a topology without GPUs: " + text);
}
