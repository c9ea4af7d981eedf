#include "traces/trace_smartmoe.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "traces/trace_csv.h"
#include "traces/trace_gzip.h"
#include "traces/trace_shape.h"

namespace moesim {
namespace {

constexpr const char* kGlobalFile = "global_layer_expert_counts.csv";
constexpr const char* kPerRankFiles[] = {"per_rank_layer_expert_counts.csv.gz",
                                         "per_rank_layer_expert_counts.csv"};

struct RowKey {
  int64_t iter;
  int64_t rank;
  int64_t layer;
  int line;
};

// Number of leading id columns and whether a src_rank column is present, from the header.
struct Layout {
  bool per_rank = false;
  size_t num_ids = 0;
  size_t num_experts = 0;
};

Result<Layout> parse_header(CsvReader& csv) {
  Layout lay;
  const auto& f = csv.fields();
  std::vector<std::string> names;
  for (auto v : f) names.emplace_back(trim_spaces(v));
  if (names.size() >= 2 && names[0] == "iter" && names[1] == "src_rank") {
    lay.per_rank = true;
    lay.num_ids = 3;
    if (names.size() < 3 || names[2] != "layer") {
      return csv.row_error("SmartMoE per-rank header must start iter,src_rank,layer");
    }
  } else if (names.size() >= 2 && names[0] == "iter" && names[1] == "layer") {
    lay.num_ids = 2;
  } else {
    return csv.row_error("not a SmartMoE header (expected iter,layer,e0,... or iter,src_rank,layer,e0,...)");
  }
  for (size_t i = lay.num_ids; i < names.size(); ++i) {
    const std::string want = "e" + std::to_string(i - lay.num_ids);
    if (names[i] != want) {
      return csv.row_error("header column " + std::to_string(i + 1) + " is '" + names[i] + "', expected '" +
                           want + "' (expert columns must be e0, e1, ... in order)");
    }
  }
  lay.num_experts = names.size() - lay.num_ids;
  if (lay.num_experts == 0) return csv.row_error("header has no expert columns e0, e1, ...");
  csv.set_column_names(std::move(names));
  return lay;
}

}  // namespace

bool is_smartmoe_header(std::string_view first_line) {
  auto starts = [&](std::string_view p) { return first_line.substr(0, p.size()) == p; };
  return starts("iter,layer,e0") || starts("iter,src_rank,layer,e0");
}

Result<ExpertLoadTrace> parse_smartmoe_csv(std::string_view text, const std::string& source) {
  CsvReader csv(text, source);
  if (!csv.next_row()) {
    MOESIM_RETURN_IF_ERROR(csv.status());
    return make_error(source, "", "empty file (expected a SmartMoE header iter,layer,e0,...)");
  }
  MOESIM_ASSIGN_OR_RETURN(Layout lay, parse_header(csv));
  const size_t width = lay.num_ids + lay.num_experts;

  std::vector<RowKey> keys;
  std::vector<double> values;
  // ~ 5 bytes per cell in these logs: a reservation that avoids most regrowth.
  keys.reserve(text.size() / (width * 4 + 1) + 1);
  values.reserve(keys.capacity() * lay.num_experts);
  while (csv.next_row()) {
    MOESIM_RETURN_IF_ERROR(csv.expect_width(width));
    RowKey k{};
    MOESIM_ASSIGN_OR_RETURN(k.iter, csv.index(0));
    if (lay.per_rank) {
      MOESIM_ASSIGN_OR_RETURN(k.rank, csv.index(1));
    }
    MOESIM_ASSIGN_OR_RETURN(k.layer, csv.index(lay.num_ids - 1));
    k.line = csv.line();
    keys.push_back(k);
    for (size_t e = 0; e < lay.num_experts; ++e) {
      MOESIM_ASSIGN_OR_RETURN(double v, csv.count(lay.num_ids + e));
      values.push_back(v);
    }
  }
  MOESIM_RETURN_IF_ERROR(csv.status());
  if (keys.empty()) return make_error(source, "", "no data rows after the header");

  std::vector<int64_t> iters;
  int64_t max_rank = 0, max_layer = 0;
  for (const auto& k : keys) {
    iters.push_back(k.iter);
    max_rank = std::max(max_rank, k.rank);
    max_layer = std::max(max_layer, k.layer);
  }
  std::sort(iters.begin(), iters.end());
  iters.erase(std::unique(iters.begin(), iters.end()), iters.end());
  const size_t num_steps = iters.size();
  const size_t num_ranks = lay.per_rank ? static_cast<size_t>(max_rank) + 1 : 1;
  const size_t num_layers = static_cast<size_t>(max_layer) + 1;
  if (num_ranks > 1 << 20 || num_layers > 1 << 20) {
    return make_error(source, "", "implausible src_rank or layer id (over 2^20)");
  }
  const size_t expected_rows = num_steps * num_ranks * num_layers;

  ExpertLoadTrace t;
  init_trace_shape(&t, num_steps, num_layers, lay.num_experts, lay.per_rank ? num_ranks : 0);
  for (size_t s = 0; s < num_steps; ++s) t.set_step_ids(static_cast<int>(s), iters[s]);
  double* dst = lay.per_rank ? t.mutable_rank_counts()->mutable_data() : t.mutable_counts()->mutable_data();
  std::vector<int> seen_line(expected_rows, 0);
  for (size_t i = 0; i < keys.size(); ++i) {
    const auto& k = keys[i];
    const size_t s = std::lower_bound(iters.begin(), iters.end(), k.iter) - iters.begin();
    const size_t slot = (s * num_ranks + static_cast<size_t>(k.rank)) * num_layers + static_cast<size_t>(k.layer);
    if (seen_line[slot] != 0) {
      return make_error(source, "line " + std::to_string(k.line),
                        "duplicate row for iter " + std::to_string(k.iter) +
                            (lay.per_rank ? ", src_rank " + std::to_string(k.rank) : std::string()) + ", layer " +
                            std::to_string(k.layer) + " (first at line " + std::to_string(seen_line[slot]) + ")");
    }
    seen_line[slot] = k.line;
    std::copy_n(values.data() + i * lay.num_experts, lay.num_experts, dst + slot * lay.num_experts);
  }
  if (keys.size() != expected_rows) {
    for (size_t slot = 0; slot < expected_rows; ++slot) {
      if (seen_line[slot] != 0) continue;
      const size_t layer = slot % num_layers;
      const size_t rank = (slot / num_layers) % num_ranks;
      const size_t s = slot / (num_layers * num_ranks);
      return make_error(source, "",
                        "missing row for iter " + std::to_string(iters[s]) +
                            (lay.per_rank ? ", src_rank " + std::to_string(rank) : std::string()) + ", layer " +
                            std::to_string(layer) + " (" + std::to_string(keys.size()) + " rows, expected " +
                            std::to_string(expected_rows) + " = iterations x " +
                            (lay.per_rank ? "ranks x " : "") + "layers)");
    }
  }
  if (lay.per_rank) sum_rank_counts(&t);
  t.set_format("smartmoe");
  t.set_source(source);
  MOESIM_RETURN_IF_ERROR(validate_expert_load_trace(t, source));
  return t;
}

Result<ExpertLoadTrace> import_smartmoe(const std::string& path) {
  namespace fs = std::filesystem;
  std::string file = path;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    file.clear();
    for (const char* name : kPerRankFiles) {
      if (fs::exists(fs::path(path) / name, ec)) {
        file = (fs::path(path) / name).string();
        break;
      }
    }
    if (file.empty() && fs::exists(fs::path(path) / kGlobalFile, ec)) file = (fs::path(path) / kGlobalFile).string();
    if (file.empty()) {
      return make_error(path, "", std::string("folder has neither ") + kPerRankFiles[0] + " nor " + kGlobalFile);
    }
  }
  MOESIM_ASSIGN_OR_RETURN(std::string text, read_file_maybe_gzip(file));
  return parse_smartmoe_csv(text, file);
}

}  // namespace moesim
