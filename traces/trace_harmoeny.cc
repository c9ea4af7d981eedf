#include "traces/trace_harmoeny.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <vector>

#include <nlohmann/json.hpp>

#include "traces/file_io.h"
#include "traces/trace_csv.h"
#include "traces/trace_shape.h"

namespace moesim {
namespace {

namespace fs = std::filesystem;

// One moe_layer-{i}.csv: iterations in file order and a distribution per iteration.
struct LayerFile {
  std::vector<int64_t> iterations;
  std::vector<std::vector<double>> distributions;
  std::vector<int> lines;
};

// Parses "[465, 857, 809]" (the Python list repr the artifact wrote).
Status parse_distribution(const CsvReader& csv, size_t column, std::vector<double>* out) {
  std::string_view s = trim_spaces(csv.field(column));
  if (s.size() < 2 || s.front() != '[' || s.back() != ']') {
    return csv.cell_error(column, "expected a list like [12, 0, 7], found '" + std::string(s.substr(0, 40)) + "'");
  }
  s = s.substr(1, s.size() - 2);
  out->clear();
  if (trim_spaces(s).empty()) return csv.cell_error(column, "empty expert distribution []");
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) comma = s.size();
    const std::string_view item = trim_spaces(s.substr(start, comma - start));
    double v = 0;
    if (!parse_nonnegative_number(item, &v)) {
      return csv.cell_error(column, "element " + std::to_string(out->size()) + " '" + std::string(item.substr(0, 30)) +
                                        "' is not a non-negative number");
    }
    out->push_back(v);
    start = comma + 1;
  }
  return {};
}

Result<LayerFile> read_layer_file(const std::string& path) {
  MOESIM_ASSIGN_OR_RETURN(std::string text, read_file(path));
  CsvReader csv(text, path);
  if (!csv.next_row()) {
    MOESIM_RETURN_IF_ERROR(csv.status());
    return make_error(path, "", "empty file (expected a header with 'iteration' and 'expert distribution')");
  }
  std::vector<std::string> names;
  int iter_col = -1, dist_col = -1, sent_col = -1;
  for (size_t i = 0; i < csv.size(); ++i) {
    names.emplace_back(trim_spaces(csv.field(i)));
    if (names.back() == "iteration") iter_col = static_cast<int>(i);
    if (names.back() == "expert distribution") dist_col = static_cast<int>(i);
    if (names.back() == "total number of tokens sent") sent_col = static_cast<int>(i);
  }
  if (iter_col < 0 || dist_col < 0) {
    return csv.row_error("header lacks the 'iteration' or 'expert distribution' column");
  }
  const size_t width = names.size();
  csv.set_column_names(std::move(names));
  LayerFile f;
  std::vector<double> dist;
  while (csv.next_row()) {
    MOESIM_RETURN_IF_ERROR(csv.expect_width(width));
    MOESIM_ASSIGN_OR_RETURN(int64_t it, csv.index(iter_col));
    MOESIM_RETURN_IF_ERROR(parse_distribution(csv, dist_col, &dist));
    if (sent_col >= 0) {
      MOESIM_ASSIGN_OR_RETURN(double sent, csv.count(sent_col));
      double sum = 0;
      for (double v : dist) sum += v;
      if (sum != sent) {
        return csv.row_error("expert distribution sums to " + std::to_string(static_cast<int64_t>(sum)) +
                             " but 'total number of tokens sent' is " + std::to_string(static_cast<int64_t>(sent)));
      }
    }
    if (!f.iterations.empty() && it <= f.iterations.back()) {
      return csv.cell_error(iter_col, "iterations must increase (" + std::to_string(f.iterations.back()) +
                                          " then " + std::to_string(it) + ")");
    }
    f.iterations.push_back(it);
    f.distributions.push_back(dist);
    f.lines.push_back(csv.line());
  }
  MOESIM_RETURN_IF_ERROR(csv.status());
  if (f.iterations.empty()) return make_error(path, "", "no data rows after the header");
  return f;
}

bool is_number(const std::string& s) {
  return !s.empty() && s.size() < 9 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

bool is_harmoeny_dir(const std::string& dir) {
  std::error_code ec;
  return fs::exists(fs::path(dir) / "0" / "moe_layer-0.csv", ec);
}

Result<ExpertLoadTrace> import_harmoeny(const std::string& model_dir) {
  std::error_code ec;
  if (!fs::is_directory(model_dir, ec)) return make_error(model_dir, "", "is not a folder (expected raw_trace/<model>)");
  // Ranks: the numeric sub-folders, which must be 0..R-1.
  std::vector<int> ranks;
  for (const auto& entry : fs::directory_iterator(model_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && is_number(name)) ranks.push_back(std::stoi(name));
  }
  if (ec) return make_error(model_dir, "", "cannot list folder: " + ec.message());
  std::sort(ranks.begin(), ranks.end());
  if (ranks.empty()) {
    return make_error(model_dir, "", "no rank folders 0/, 1/, ... (give the raw_trace/<model> folder)");
  }
  for (size_t r = 0; r < ranks.size(); ++r) {
    if (ranks[r] != static_cast<int>(r)) {
      return make_error(model_dir, "", "rank folders must be 0.." + std::to_string(ranks.size() - 1) + ", missing " +
                                           std::to_string(r) + "/");
    }
  }
  // Layers: moe_layer-{i}.csv in rank 0, which must be 0..L-1; every rank must have them all.
  std::vector<int> layers;
  const fs::path rank0 = fs::path(model_dir) / "0";
  for (const auto& entry : fs::directory_iterator(rank0, ec)) {
    const std::string name = entry.path().filename().string();
    const std::string prefix = "moe_layer-", suffix = ".csv";
    if (name.size() > prefix.size() + suffix.size() && name.rfind(prefix, 0) == 0 &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      const std::string id = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
      if (is_number(id)) layers.push_back(std::stoi(id));
    }
  }
  std::sort(layers.begin(), layers.end());
  if (layers.empty()) return make_error(rank0.string(), "", "no moe_layer-{i}.csv files");
  for (size_t l = 0; l < layers.size(); ++l) {
    if (layers[l] != static_cast<int>(l)) {
      return make_error((rank0 / ("moe_layer-" + std::to_string(l) + ".csv")).string(), "",
                        "missing (layer files must be moe_layer-0.csv .. moe_layer-" +
                            std::to_string(layers.size() - 1) + ".csv)");
    }
  }
  const size_t num_ranks = ranks.size(), num_layers = layers.size();

  // Optional run settings.
  std::string model_name;
  int64_t declared_experts = 0;
  const fs::path data_json = fs::path(model_dir) / "data.json";
  if (fs::exists(data_json, ec)) {
    MOESIM_ASSIGN_OR_RETURN(std::string text, read_file(data_json.string()));
    try {
      const auto j = nlohmann::json::parse(text);
      if (j.contains("model_name") && j["model_name"].is_string()) model_name = j["model_name"].get<std::string>();
      if (j.contains("num_experts") && j["num_experts"].is_number_integer()) {
        declared_experts = j["num_experts"].get<int64_t>();
      }
    } catch (const nlohmann::json::parse_error& e) {
      return make_error(data_json.string(), "byte " + std::to_string(e.byte), std::string("invalid JSON: ") + e.what());
    } catch (const nlohmann::json::exception& e) {  // out_of_range: a number beyond double (1e400)
      return make_error(data_json.string(), "", std::string("invalid JSON: ") + e.what());
    }
  }

  ExpertLoadTrace t;
  std::string first_file;
  std::vector<int64_t> iterations;
  size_t num_experts = 0;
  for (size_t r = 0; r < num_ranks; ++r) {
    for (size_t l = 0; l < num_layers; ++l) {
      const std::string file =
          (fs::path(model_dir) / std::to_string(r) / ("moe_layer-" + std::to_string(l) + ".csv")).string();
      if (!fs::exists(file, ec)) {
        return make_error(file, "", "missing (rank 0 has " + std::to_string(num_layers) + " layer files)");
      }
      MOESIM_ASSIGN_OR_RETURN(LayerFile f, read_layer_file(file));
      if (first_file.empty()) {
        first_file = file;
        iterations = f.iterations;
        num_experts = f.distributions[0].size();
        if (declared_experts > 0 && static_cast<int64_t>(num_experts) != declared_experts) {
          return make_error(file, "line " + std::to_string(f.lines[0]), "expert distribution has " + std::to_string(num_experts) +
                                                " experts but data.json says num_experts " +
                                                std::to_string(declared_experts));
        }
        init_trace_shape(&t, iterations.size(), num_layers, num_experts, num_ranks);
        for (size_t s = 0; s < iterations.size(); ++s) t.set_step_ids(static_cast<int>(s), iterations[s]);
      } else if (f.iterations != iterations) {
        return make_error(file, "", "has iterations " + std::to_string(f.iterations.front()) + ".." +
                                        std::to_string(f.iterations.back()) + " (" +
                                        std::to_string(f.iterations.size()) + " rows), unlike " + first_file + " (" +
                                        std::to_string(iterations.size()) + " rows)");
      }
      double* dst = t.mutable_rank_counts()->mutable_data();
      for (size_t s = 0; s < iterations.size(); ++s) {
        const auto& d = f.distributions[s];
        if (d.size() != num_experts) {
          return make_error(file, "line " + std::to_string(f.lines[s]),
                            "expert distribution has " + std::to_string(d.size()) + " experts, expected " +
                                std::to_string(num_experts) + " (as in " + first_file + ")");
        }
        std::copy(d.begin(), d.end(), dst + rank_count_index(t, s, r, l, 0));
      }
    }
  }
  sum_rank_counts(&t);
  if (model_name.find("switch") != std::string::npos) t.set_top_k(1);
  if (model_name.find("Qwen1.5-MoE") != std::string::npos) t.set_top_k(4);
  t.set_format("harmoeny");
  t.set_source(model_dir);
  MOESIM_RETURN_IF_ERROR(validate_expert_load_trace(t, model_dir));
  return t;
}

}  // namespace moesim
