// The long CSV expert-load format: one row per (step, layer, expert) cell.
//
//   step,layer,expert,tokens
//   100,0,0,5120
//   100,0,1,4988
//
// The header is required (the four names, in any order). Rows may come in any order; a cell
// that has no row is 0; a cell given twice is an error naming both lines. Steps are the
// distinct `step` values in increasing order (kept as step_ids); layers and experts are
// 0..max id. `tokens` may be an integer or a decimal (e.g. averaged counts), never negative.
// Thread-safety: stateless.
#pragma once

#include <string>
#include <string_view>

#include "traces/proto/expert_load.pb.h"
#include "traces/status.h"

namespace moesim {

Result<ExpertLoadTrace> parse_long_csv(std::string_view text, const std::string& source);

// Writes every cell (zeros included, so num_experts survives a round trip), step = step id.
std::string format_long_csv(const ExpertLoadTrace& t);

// True when a header line names exactly step, layer, expert and tokens.
bool is_long_csv_header(std::string_view first_line);

// Shortest text that reads back to the same double ("5120", "0.25").
std::string format_count(double v);

}  // namespace moesim
