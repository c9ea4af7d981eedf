// Count matrices as CSV (`moesim plan --loads x.csv`, `moesim alltoall --matrix x.csv`).
#include <cmath>
#include <string>

#include "tests/fuzz/fuzz_target.h"
#include "traces/loads_matrix.h"

MOESIM_FUZZ_TARGET(loads_csv) {
  auto m = moesim::parse_count_matrix_csv(std::string(input), "fuzz.csv", "layer", "expert");
  if (!m.ok()) return;
  // The parser promises a non-empty rectangular matrix of finite non-negative values.
  if (m->empty() || (*m)[0].empty()) moesim::fuzz::fuzz_fail("loads_csv", "empty matrix accepted");
  for (const auto& row : *m) {
    if (row.size() != (*m)[0].size()) moesim::fuzz::fuzz_fail("loads_csv", "ragged matrix accepted");
    for (double v : row) {
      if (!std::isfinite(v) || v < 0) moesim::fuzz::fuzz_fail("loads_csv", "value " + std::to_string(v) + " accepted");
    }
  }
}
