// Reading a dense matrix of non-negative counts, e.g. expert load [layers][experts] (tokens
// routed to each expert of each MoE layer) or an experts x experts co-activation matrix.
//
// Formats, chosen by extension:
//   .json  an array of arrays of numbers: [[90, 132, ...], [20, 107, ...]]
//   .csv   one row per line, comma-separated; an optional first header line (detected as a line
//          whose first field is not a number) is skipped; blank lines are ignored
//   .npy   a 2-D array, any dtype read_npy() supports, C order
// Every value must be finite and non-negative, and every row the same length; errors name the
// file, the row/line and column, and the problem. The matrix is returned by value (caller owns).
// Thread-safe (no shared state).
#pragma once

#include <string>
#include <vector>

#include "traces/status.h"

namespace moesim {

// [rows][cols], every row the same length.
using CountMatrix = std::vector<std::vector<double>>;

// Reads a matrix; `row_name`/`col_name` label positions in error messages ("layer 3, expert 7").
Result<CountMatrix> read_count_matrix(const std::string& path, const std::string& row_name = "row",
                                      const std::string& col_name = "column");

// Reads an expert-load matrix [layers][experts].
inline Result<CountMatrix> read_loads_matrix(const std::string& path) {
  return read_count_matrix(path, "layer", "expert");
}

// Parsers for one format each; `source` names the input in error messages.
Result<CountMatrix> parse_count_matrix_csv(const std::string& text, const std::string& source,
                                           const std::string& row_name = "row",
                                           const std::string& col_name = "column");
Result<CountMatrix> parse_count_matrix_json(const std::string& text, const std::string& source,
                                            const std::string& row_name = "row",
                                            const std::string& col_name = "column");

// Checks shape (non-empty, rectangular) and values (finite, >= 0).
Status validate_count_matrix(const CountMatrix& m, const std::string& source,
                             const std::string& row_name = "row", const std::string& col_name = "column");

}  // namespace moesim
