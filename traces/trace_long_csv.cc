#include "traces/trace_long_csv.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <vector>

#include "traces/trace_csv.h"
#include "traces/trace_shape.h"

namespace moesim {
namespace {

constexpr std::array<const char*, 4> kColumns = {"step", "layer", "expert", "tokens"};
// Refuse shapes whose dense array would not fit comfortably in memory: 2^27 cells is 1 GiB of
// counts (plus 0.5 GiB of bookkeeping while reading). Ids are dense 0-based indices, so a few
// rows with a huge id would otherwise allocate gigabytes for a file of a few bytes.
constexpr size_t kMaxCells = size_t{1} << 27;

struct Cell {
  int64_t step;
  int64_t layer;
  int64_t expert;
  double tokens;
  int line;
};

}  // namespace

bool is_long_csv_header(std::string_view first_line) {
  CsvReader csv(first_line, "");
  if (!csv.next_row() || csv.size() != 4) return false;
  std::array<bool, 4> found{};
  for (auto f : csv.fields()) {
    f = trim_spaces(f);
    for (size_t c = 0; c < 4; ++c) {
      if (f == kColumns[c]) found[c] = true;
    }
  }
  return found[0] && found[1] && found[2] && found[3];
}

std::string format_count(double v) {
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, ptr);
}

Result<ExpertLoadTrace> parse_long_csv(std::string_view text, const std::string& source) {
  CsvReader csv(text, source);
  if (!csv.next_row()) {
    MOESIM_RETURN_IF_ERROR(csv.status());
    return make_error(source, "", "empty file (expected the header step,layer,expert,tokens)");
  }
  std::array<int, 4> col{-1, -1, -1, -1};
  std::vector<std::string> names;
  for (size_t i = 0; i < csv.size(); ++i) {
    const std::string name(trim_spaces(csv.field(i)));
    names.push_back(name);
    bool known = false;
    for (size_t c = 0; c < 4; ++c) {
      if (name == kColumns[c]) {
        if (col[c] >= 0) return csv.row_error("header names column '" + name + "' twice");
        col[c] = static_cast<int>(i);
        known = true;
      }
    }
    if (!known) {
      return csv.row_error("header column '" + name + "' is not one of step, layer, expert, tokens");
    }
  }
  for (size_t c = 0; c < 4; ++c) {
    if (col[c] < 0) {
      return csv.row_error(std::string("header lacks column '") + kColumns[c] +
                           "' (expected step,layer,expert,tokens)");
    }
  }
  csv.set_column_names(names);

  std::vector<Cell> cells;
  cells.reserve(text.size() / 12 + 1);
  while (csv.next_row()) {
    MOESIM_RETURN_IF_ERROR(csv.expect_width(4));
    Cell c{};
    MOESIM_ASSIGN_OR_RETURN(c.step, csv.index(col[0]));
    MOESIM_ASSIGN_OR_RETURN(c.layer, csv.index(col[1]));
    MOESIM_ASSIGN_OR_RETURN(c.expert, csv.index(col[2]));
    MOESIM_ASSIGN_OR_RETURN(c.tokens, csv.count(col[3]));
    c.line = csv.line();
    cells.push_back(c);
  }
  MOESIM_RETURN_IF_ERROR(csv.status());
  if (cells.empty()) return make_error(source, "", "no data rows after the header");

  std::vector<int64_t> steps;
  int64_t max_layer = 0, max_expert = 0;
  for (const auto& c : cells) {
    steps.push_back(c.step);
    max_layer = std::max(max_layer, c.layer);
    max_expert = std::max(max_expert, c.expert);
  }
  std::sort(steps.begin(), steps.end());
  steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
  const size_t num_layers = static_cast<size_t>(max_layer) + 1;
  const size_t num_experts = static_cast<size_t>(max_expert) + 1;
  if (num_layers > kMaxCells || num_experts > kMaxCells ||
      steps.size() * num_layers > kMaxCells / num_experts) {
    return make_error(source, "", "shape " + std::to_string(steps.size()) + " steps x " + std::to_string(num_layers) +
                                      " layers x " + std::to_string(num_experts) +
                                      " experts is too large: about " +
                                      std::to_string(static_cast<long long>(static_cast<double>(steps.size()) * num_layers * num_experts * 12 / 1e6)) +
                                      " MB dense, the limit is 2^27 cells (are the layer/expert ids 0-based indices?)");
  }
  ExpertLoadTrace t;
  init_trace_shape(&t, steps.size(), num_layers, num_experts, 0);
  for (size_t s = 0; s < steps.size(); ++s) t.set_step_ids(static_cast<int>(s), steps[s]);
  std::vector<int> seen_line(t.counts_size(), 0);
  double* counts = t.mutable_counts()->mutable_data();
  for (const auto& c : cells) {
    const size_t s = std::lower_bound(steps.begin(), steps.end(), c.step) - steps.begin();
    const size_t i = count_index(t, s, static_cast<size_t>(c.layer), static_cast<size_t>(c.expert));
    if (seen_line[i] != 0) {
      return make_error(source, "line " + std::to_string(c.line),
                        "duplicate cell step " + std::to_string(c.step) + ", layer " + std::to_string(c.layer) +
                            ", expert " + std::to_string(c.expert) + " (first given at line " +
                            std::to_string(seen_line[i]) + ")");
    }
    seen_line[i] = c.line;
    counts[i] = c.tokens;
  }
  t.set_format("csv");
  t.set_source(source);
  MOESIM_RETURN_IF_ERROR(validate_expert_load_trace(t, source));
  return t;
}

std::string format_long_csv(const ExpertLoadTrace& t) {
  std::string out = "step,layer,expert,tokens\n";
  out.reserve(out.size() + static_cast<size_t>(t.counts_size()) * 16);
  for (size_t s = 0; s < t.num_steps(); ++s) {
    const std::string step = std::to_string(t.step_ids_size() ? t.step_ids(static_cast<int>(s))
                                                              : static_cast<int64_t>(s));
    for (size_t l = 0; l < t.num_layers(); ++l) {
      const std::string layer = std::to_string(l);
      for (size_t e = 0; e < t.num_experts(); ++e) {
        out += step;
        out += ',';
        out += layer;
        out += ',';
        out += std::to_string(e);
        out += ',';
        out += format_count(t.counts(static_cast<int>(count_index(t, s, l, e))));
        out += '\n';
      }
    }
  }
  return out;
}

}  // namespace moesim
