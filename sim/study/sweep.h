// Parameter sweeps behind `moesim sweep`: a base scenario and axes (traces/proto/sweep.proto),
// the cartesian product of the axes, and one simulated row per point.
//
// A Sweep is built once from a SweepSpec; every axis value is checked up front (an unknown
// policy, algorithm or preset, a negative exponent, an EP size that does not divide the GPUs is
// a bad sweep file, named by field). A point whose combination of values is invalid (say a
// topology whose GPU count does not match EP x DP) is not a bad file: its row carries the
// error and the sweep goes on.
//
// Points are numbered row-major over the non-empty axes in sweep.proto's field order (the last
// varies fastest). Rows are cells (strings) so they can cross process boundaries unchanged:
// numbers are printed with 9 significant digits, which makes rows from different processes of
// the same point byte-identical (the simulator is deterministic).
// Thread-safety: a built Sweep is immutable; run_point() may run concurrently on one Sweep.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "traces/proto/scenario.pb.h"
#include "traces/proto/sweep.pb.h"
#include "traces/status.h"

namespace moesim::study {

// The Summary fields every row reports, in column order.
const std::vector<std::string>& sweep_summary_columns();

class Sweep {
 public:
  // Reads a sweep file (.textproto/.json/.pb); relative paths resolve against its folder.
  static Result<Sweep> load(const std::string& path);
  // `source` names the spec in errors; `base_dir` resolves relative paths.
  static Result<Sweep> build(const SweepSpec& spec, const std::string& source, const std::string& base_dir);

  size_t num_points() const { return num_points_; }
  const Scenario& base() const { return base_; }
  const std::string& source() const { return source_; }
  // CSV column names: "point", the axis columns, the summary columns, "error".
  std::vector<std::string> columns() const;

  // The scenario of point `i` and its axis cells (one per axis column).
  Scenario point_scenario(size_t i, std::vector<std::string>* axis_cells) const;
  // Simulates point `i`; cells in columns() order. `failed` says whether the error cell is set.
  std::vector<std::string> run_point(size_t i, bool* failed) const;

 private:
  struct Axis {
    std::vector<std::string> columns;                   // CSV column(s) of this axis
    size_t size = 0;
    int apply_order = 0;                                // lower first
    std::function<void(size_t, Scenario*)> apply;       // sets value i on a scenario
    std::function<std::vector<std::string>(size_t)> cells;
  };
  std::vector<size_t> indices(size_t point) const;

  std::string source_;
  Scenario base_;
  std::vector<Axis> axes_;
  size_t num_points_ = 1;
};

// One CSV line (no newline) from cells; cells holding ',', '"' or a line break are quoted.
std::string csv_line(const std::vector<std::string>& cells);

// Rows as JSON: an array of objects {column: value}, numbers as numbers, empty cells omitted.
std::string sweep_rows_json(const std::vector<std::string>& columns, const std::vector<std::vector<std::string>>& rows);

}  // namespace moesim::study
