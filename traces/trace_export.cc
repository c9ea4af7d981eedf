#include "traces/trace_export.h"

#include "traces/file_io.h"
#include "traces/proto_io.h"
#include "traces/trace_long_csv.h"
#include "traces/trace_npy.h"

namespace moesim {

Status save_expert_load_trace(const std::string& path, const ExpertLoadTrace& t) {
  const std::string ext = file_extension(path);
  if (ext == ".npy") return write_npy(path, trace_to_npy(t));
  if (ext == ".csv") return write_file_atomic(path, format_long_csv(t));
  if (proto_format_for_path(path).ok()) return save_proto(path, t);
  return make_error(path, "", "unknown output extension '" + ext +
                                  "' (expected .pb, .json, .textproto, .txtpb, .pbtxt, .npy or .csv)");
}

std::string export_dropped_fields(const std::string& path, const ExpertLoadTrace& t) {
  const std::string ext = file_extension(path);
  if (ext != ".npy" && ext != ".csv") return "";
  std::string dropped;
  auto add = [&](const char* what) { dropped += (dropped.empty() ? "" : ", ") + std::string(what); };
  if (t.num_ranks() > 0) add("per-rank counts");
  const int n = t.step_ids_size();
  if (ext == ".npy" && n > 0 && (t.step_ids(0) != 0 || t.step_ids(n - 1) != n - 1)) add("step ids");
  if (t.layer_names_size() > 0) add("layer names");
  if (t.step_names_size() > 0) add("step names");
  if (t.top_k() > 0) add("top_k");
  return dropped;
}

}  // namespace moesim
