#include "traces/trace_olmoe.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <vector>

#include "traces/file_io.h"
#include "traces/trace_csv.h"
#include "traces/trace_shape.h"

namespace moesim {
namespace {

constexpr const char* kHeader = "model,domain,selection,layer,expert,token_assignments";

struct Row {
  int64_t layer;
  int64_t expert;
  double tokens;
  size_t domain;
  int line;
};

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

void add_unique(std::vector<std::string>* v, std::string_view x) {
  if (std::find(v->begin(), v->end(), x) == v->end()) v->emplace_back(x);
}

// Experts per token of the models in the published file (OLMoE paper; Mixtral-8x7B).
uint32_t known_top_k(const std::string& model) {
  if (model == "olmoe" || model.rfind("olmoe-", 0) == 0) return 8;
  if (model == "mistral" || model == "mixtral") return 2;
  return 0;
}

}  // namespace

bool is_olmoe_header(std::string_view first_line) {
  while (!first_line.empty() && (first_line.back() == '\r' || first_line.back() == ' ')) first_line.remove_suffix(1);
  return first_line == kHeader;
}

Result<ExpertLoadTrace> parse_olmoe_csv(std::string_view text, const std::string& source,
                                        const TraceImportOptions& opts) {
  CsvReader csv(text, source);
  if (!csv.next_row()) {
    MOESIM_RETURN_IF_ERROR(csv.status());
    return make_error(source, "", std::string("empty file (expected the header ") + kHeader + ")");
  }
  {
    std::string header;
    for (auto f : csv.fields()) header += (header.empty() ? "" : ",") + std::string(trim_spaces(f));
    if (header != kHeader) return csv.row_error("header is '" + header + "', expected '" + kHeader + "'");
  }
  csv.set_column_names({"model", "domain", "selection", "layer", "expert", "token_assignments"});

  // What the file offers, for error messages that list the choices.
  std::vector<std::string> models, selections, domains;
  std::string model = opts.model_name;
  std::vector<Row> rows;
  while (csv.next_row()) {
    MOESIM_RETURN_IF_ERROR(csv.expect_width(6));
    const std::string_view m = trim_spaces(csv.field(0));
    const std::string_view d = trim_spaces(csv.field(1));
    const std::string_view sel = trim_spaces(csv.field(2));
    if (m.empty()) return csv.cell_error(0, "empty model name");
    if (d.empty()) return csv.cell_error(1, "empty domain name");
    if (sel.empty()) return csv.cell_error(2, "empty selection");
    // Every row is checked, even the ones another model owns: a broken file is broken.
    Row r{};
    MOESIM_ASSIGN_OR_RETURN(r.layer, csv.index(3));
    MOESIM_ASSIGN_OR_RETURN(r.expert, csv.index(4));
    MOESIM_ASSIGN_OR_RETURN(r.tokens, csv.count(5));
    if (r.layer >= (1 << 20) || r.expert >= (1 << 20)) return csv.row_error("implausible layer or expert id");
    add_unique(&models, m);
    if (model.empty()) model = std::string(m);
    if (m != model) continue;
    add_unique(&selections, sel);
    if (sel != opts.selection) continue;
    if (!opts.domain.empty() && d != opts.domain) {
      add_unique(&domains, d);
      continue;
    }
    auto it = std::find(domains.begin(), domains.end(), d);
    r.domain = static_cast<size_t>(it - domains.begin());
    if (it == domains.end()) domains.emplace_back(d);
    r.line = csv.line();
    rows.push_back(r);
  }
  MOESIM_RETURN_IF_ERROR(csv.status());
  if (models.empty()) return make_error(source, "", "no data rows after the header");
  if (std::find(models.begin(), models.end(), model) == models.end()) {
    return make_error(source, "model", "no rows for model '" + model + "' (the file has: " + join(models) + ")");
  }
  if (rows.empty()) {
    if (std::find(selections.begin(), selections.end(), opts.selection) == selections.end()) {
      return make_error(source, "selection", "model '" + model + "' has no selection '" + opts.selection +
                                                 "' (it has: " + join(selections) + ")");
    }
    return make_error(source, "domain", "model '" + model + "', selection '" + opts.selection +
                                            "' has no domain '" + opts.domain + "' (it has: " + join(domains) + ")");
  }

  // Steps: the domains seen for this model and selection (just one when a domain was chosen).
  std::vector<std::string> step_domains;
  std::vector<size_t> domain_to_step(domains.size(), SIZE_MAX);
  for (const auto& r : rows) {
    if (domain_to_step[r.domain] == SIZE_MAX) {
      domain_to_step[r.domain] = step_domains.size();
      step_domains.push_back(domains[r.domain]);
    }
  }
  std::vector<int64_t> layers;
  int64_t max_expert = 0;
  for (const auto& r : rows) {
    layers.push_back(r.layer);
    max_expert = std::max(max_expert, r.expert);
  }
  std::sort(layers.begin(), layers.end());
  layers.erase(std::unique(layers.begin(), layers.end()), layers.end());

  ExpertLoadTrace t;
  init_trace_shape(&t, step_domains.size(), layers.size(), static_cast<size_t>(max_expert) + 1, 0);
  for (int64_t l : layers) t.add_layer_names("layer " + std::to_string(l));
  for (const auto& d : step_domains) t.add_step_names(d);
  std::vector<int> seen_line(t.counts_size(), 0);
  double* counts = t.mutable_counts()->mutable_data();
  for (const auto& r : rows) {
    const size_t s = domain_to_step[r.domain];
    const size_t l = std::lower_bound(layers.begin(), layers.end(), r.layer) - layers.begin();
    const size_t i = count_index(t, s, l, static_cast<size_t>(r.expert));
    if (seen_line[i] != 0) {
      return make_error(source, "line " + std::to_string(r.line),
                        "duplicate row for model " + model + ", domain " + step_domains[s] + ", selection " +
                            opts.selection + ", layer " + std::to_string(r.layer) + ", expert " +
                            std::to_string(r.expert) + " (first at line " + std::to_string(seen_line[i]) + ")");
    }
    seen_line[i] = r.line;
    counts[i] = r.tokens;
  }
  t.set_top_k(opts.selection == "top1" ? 1 : known_top_k(model));
  t.set_format("olmoe");
  std::string what = source + " (model " + model + ", selection " + opts.selection;
  if (!opts.domain.empty()) what += ", domain " + opts.domain;
  t.set_source(what + ")");
  MOESIM_RETURN_IF_ERROR(validate_expert_load_trace(t, source));
  return t;
}

Result<ExpertLoadTrace> import_olmoe(const std::string& path, const TraceImportOptions& opts) {
  namespace fs = std::filesystem;
  std::string file = path;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    file.clear();
    for (const char* rel : {"expert_counts.csv", "csv/expert_counts.csv"}) {
      if (fs::exists(fs::path(path) / rel, ec)) {
        file = (fs::path(path) / rel).string();
        break;
      }
    }
    if (file.empty()) return make_error(path, "", "folder has no expert_counts.csv (nor csv/expert_counts.csv)");
  }
  MOESIM_ASSIGN_OR_RETURN(std::string text, read_file(file));
  return parse_olmoe_csv(text, file, opts);
}

}  // namespace moesim
