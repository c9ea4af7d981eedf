#include "traces/trace_import.h"

#include <algorithm>
#include <filesystem>

#include "traces/file_io.h"
#include "traces/proto_io.h"
#include "traces/trace_gzip.h"
#include "traces/trace_harmoeny.h"
#include "traces/trace_long_csv.h"
#include "traces/trace_megatron.h"
#include "traces/trace_npy.h"
#include "traces/trace_olmoe.h"
#include "traces/trace_shape.h"
#include "traces/trace_smartmoe.h"

namespace moesim {
namespace {

namespace fs = std::filesystem;

std::string first_line(std::string_view text) {
  const size_t end = text.find('\n');
  std::string_view line = text.substr(0, end);
  if (line.size() >= 3 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  return std::string(line);
}

bool is_proto_extension(const std::string& ext) {
  return ext == ".pb" || ext == ".bin" || ext == ".json" || ext == ".textproto" || ext == ".txtpb" ||
         ext == ".pbtxt" || ext == ".txt";
}

std::string known_formats() {
  std::string s;
  for (const auto& f : trace_format_names()) s += (s.empty() ? "" : ", ") + f;
  return s;
}

// The format of a folder, from the files it holds.
Result<std::string> detect_folder(const std::string& path) {
  std::error_code ec;
  const fs::path dir(path);
  for (const char* f : {"per_rank_layer_expert_counts.csv.gz", "per_rank_layer_expert_counts.csv",
                        "global_layer_expert_counts.csv"}) {
    if (fs::exists(dir / f, ec)) return std::string("smartmoe");
  }
  if (is_megatron_dir(path)) return std::string("megatron-jsonl");
  if (is_harmoeny_dir(path)) return std::string("harmoeny");
  if (fs::exists(dir / "expert_counts.csv", ec) || fs::exists(dir / "csv" / "expert_counts.csv", ec)) {
    return std::string("olmoe");
  }
  // A HarMoEny raw_trace/ folder holds one folder per model: name them.
  std::string models;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_directory() && is_harmoeny_dir(e.path().string())) {
      models += (models.empty() ? "" : ", ") + e.path().filename().string();
    }
  }
  if (!models.empty()) {
    return make_error(path, "", "holds several HarMoEny model folders (" + models + "): give one of them");
  }
  return make_error(path, "", "folder holds no known trace (looked for SmartMoE *_expert_counts.csv[.gz], "
                              "router_trace_rank*.jsonl, HarMoEny 0/moe_layer-0.csv, OLMoE expert_counts.csv)");
}

// The format of CSV text, from its header line.
Result<std::string> detect_csv(const std::string& path, std::string_view text) {
  const std::string head = first_line(text);
  if (head.empty() && text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return make_error(path, "", "empty file");
  }
  if (is_long_csv_header(head)) return std::string("csv");
  if (is_smartmoe_header(head)) return std::string("smartmoe");
  if (is_olmoe_header(head)) return std::string("olmoe");
  if (head.find("expert distribution") != std::string::npos) {
    return make_error(path, "", "is one HarMoEny layer file; give the raw_trace/<model> folder that holds 0/, 1/, ...");
  }
  return make_error(path, "line 1",
                    "unrecognised CSV header '" + head.substr(0, 80) +
                        "' (expected step,layer,expert,tokens; SmartMoE iter,layer,e0,... or "
                        "iter,src_rank,layer,e0,...; or OLMoE model,domain,selection,layer,expert,token_assignments)");
}

bool is_csv_extension(const std::string& path) {
  const std::string ext = file_extension(path);
  if (ext == ".csv") return true;
  if (ext == ".gz") return file_extension(path.substr(0, path.size() - 3)) == ".csv";
  return false;
}

Result<ExpertLoadTrace> load_moesim(const std::string& path) {
  ExpertLoadTrace t;
  MOESIM_RETURN_IF_ERROR(load_proto(path, &t));
  if (t.format().empty()) t.set_format("moesim");
  if (t.source().empty()) t.set_source(path);
  MOESIM_RETURN_IF_ERROR(validate_expert_load_trace(t, path));
  return t;
}

// Parses CSV text already read, by the format its header (or the caller) names.
Result<ExpertLoadTrace> parse_csv_text(const std::string& format, std::string_view text, const std::string& path,
                                       const TraceImportOptions& opts) {
  if (format == "csv") return parse_long_csv(text, path);
  if (format == "smartmoe") return parse_smartmoe_csv(text, path);
  if (format == "olmoe") return parse_olmoe_csv(text, path, opts);
  return make_error(path, "", "format '" + format + "' is not a CSV format");
}

}  // namespace

const std::vector<std::string>& trace_format_names() {
  static const std::vector<std::string> names = {"npy",      "csv",           "smartmoe", "olmoe",
                                                 "harmoeny", "megatron-jsonl", "moesim"};
  return names;
}

Result<std::string> detect_trace_format(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return make_error(path, "", "no such file or folder");
  if (fs::is_directory(path, ec)) return detect_folder(path);
  const std::string ext = file_extension(path);
  if (ext == ".npy") return std::string("npy");
  if (ext == ".jsonl") return std::string("megatron-jsonl");
  if (is_proto_extension(ext)) return std::string("moesim");
  if (is_csv_extension(path)) {
    MOESIM_ASSIGN_OR_RETURN(std::string text, read_file_maybe_gzip(path));
    return detect_csv(path, text);
  }
  return make_error(path, "", "unknown trace file extension '" + ext +
                                  "' (expected .npy, .csv, .csv.gz, .jsonl, .pb, .json, .textproto, or a folder)");
}

Result<ExpertLoadTrace> load_expert_load_trace(const std::string& path, const TraceImportOptions& opts) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return make_error(path, "", "no such file or folder");
  const bool is_dir = fs::is_directory(path, ec);
  std::string format = opts.format;
  if (!format.empty()) {
    const auto& names = trace_format_names();
    if (std::find(names.begin(), names.end(), format) == names.end()) {
      return make_error("", "--format", "unknown trace format '" + format + "' (known: " + known_formats() + ")");
    }
  }
  // CSV files are read once: the header decides the format, the same text is parsed.
  if (!is_dir && is_csv_extension(path) && (format.empty() || format == "csv" || format == "smartmoe" ||
                                            format == "olmoe")) {
    MOESIM_ASSIGN_OR_RETURN(std::string text, read_file_maybe_gzip(path));
    if (format.empty()) {
      MOESIM_ASSIGN_OR_RETURN(format, detect_csv(path, text));
    }
    return parse_csv_text(format, text, path, opts);
  }
  if (format.empty()) {
    MOESIM_ASSIGN_OR_RETURN(format, detect_trace_format(path));
  }
  if (format == "npy") return import_npy_trace(path);
  if (format == "smartmoe") return import_smartmoe(path);
  if (format == "olmoe") return import_olmoe(path, opts);
  if (format == "harmoeny") return import_harmoeny(path);
  if (format == "megatron-jsonl") return import_megatron_jsonl(path, opts);
  if (format == "moesim") return load_moesim(path);
  if (format == "csv") {
    MOESIM_ASSIGN_OR_RETURN(std::string text, read_file_maybe_gzip(path));
    return parse_long_csv(text, path);
  }
  return make_error(path, "", "format '" + format + "' cannot read this path");
}

}  // namespace moesim
