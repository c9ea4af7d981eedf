// Count matrices as JSON arrays of arrays (`moesim plan --loads x.json`).
#include <cmath>
#include <string>

#include "tests/fuzz/fuzz_target.h"
#include "traces/loads_matrix.h"

MOESIM_FUZZ_TARGET(loads_json) {
  auto m = moesim::parse_count_matrix_json(std::string(input), "fuzz.json", "layer", "expert");
  if (!m.ok()) return;
  if (m->empty() || (*m)[0].empty()) moesim::fuzz::fuzz_fail("loads_json", "empty matrix accepted");
  for (const auto& row : *m) {
    if (row.size() != (*m)[0].size()) moesim::fuzz::fuzz_fail("loads_json", "ragged matrix accepted");
    for (double v : row) {
      if (!std::isfinite(v) || v < 0) moesim::fuzz::fuzz_fail("loads_json", "value " + std::to_string(v) + " accepted");
    }
  }
}
