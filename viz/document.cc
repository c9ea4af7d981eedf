#include "viz/document.h"

#include <algorithm>
#include <map>

#include <sys/stat.h>

#include "traces/file_io.h"
#include "traces/proto_io.h"
#include "viz/topology_layout.h"
#ifdef MOESIM_VIZ_HAVE_TRACE_IMPORT
#include "traces/trace_import.h"
#endif

namespace moesim::viz {
namespace {

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool has_unknown_fields(const google::protobuf::Message& m) {
  return !m.GetReflection()->GetUnknownFields(m).empty();
}

// A SimResult holds at least one of these; an empty or foreign message holds none.
bool looks_like_result(const SimResult& r) {
  return r.has_summary() || r.steps_size() > 0 || r.layers_size() > 0 || r.has_topology() ||
         r.timeline_size() > 0 || r.links_size() > 0;
}

// The number of GPUs a result describes: the summary, else the widest per-GPU data.
int result_num_gpus(const SimResult& r) {
  int n = static_cast<int>(r.summary().num_gpus());
  n = std::max(n, static_cast<int>(r.placement().num_gpus()));
  for (const auto& v : r.topology().vertices()) {
    if (v.kind() == "gpu") n = std::max(n, v.rank() + 1);
  }
  for (const auto& l : r.layers()) n = std::max(n, l.tokens_per_gpu_size());
  for (const auto& e : r.timeline()) n = std::max(n, static_cast<int>(e.gpu()) + 1);
  return n;
}

Result<std::shared_ptr<const Document>> load_proto_document(const std::string& path) {
  MOESIM_ASSIGN_OR_RETURN(const ProtoFormat format, proto_format_for_path(path));
  MOESIM_ASSIGN_OR_RETURN(std::string content, read_file(path));
  if (content.empty()) return make_error(path, "", "empty file");

  SimResult result;
  const Status as_result = parse_proto(content, format, path, &result);
  if (as_result.ok() && !has_unknown_fields(result) && looks_like_result(result)) {
    return Document::from_result(std::move(result), path, base_name(path));
  }
  ExpertLoadTrace trace;
  const Status as_trace = parse_proto(content, format, path, &trace);
  if (as_trace.ok() && !has_unknown_fields(trace) && trace.num_steps() > 0) {
    return Document::from_trace(std::move(trace), path, base_name(path));
  }
  if (format != ProtoFormat::kBinary && !as_result.ok()) {
    // Text and JSON errors carry a line and field; show the SimResult one, the likelier intent.
    return make_error(path, "", "neither a SimResult nor an ExpertLoadTrace: " + as_result.message());
  }
  return make_error(path, "", "neither a SimResult nor an ExpertLoadTrace (truncated, empty or another file type)");
}

}  // namespace

std::string base_name(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const size_t slash = p.find_last_of('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

int Document::num_nodes() const {
  int n = 0;
  for (int v : node_of_gpu_) n = std::max(n, v + 1);
  return std::max(n, 1);
}

const LayerResult* Document::layer_result(int step_pos, int layer) const {
  if (step_pos < 0 || layer < 0 || step_pos >= static_cast<int>(layer_steps_.size()) || layer >= num_result_layers_) {
    return nullptr;
  }
  const int i = layer_index_[static_cast<size_t>(step_pos) * num_result_layers_ + layer];
  return i >= 0 ? &result_->layers(i) : nullptr;
}

std::shared_ptr<const Document> Document::from_result(SimResult result, std::string path, std::string label) {
  auto doc = std::make_shared<Document>();
  doc->kind_ = DocumentKind::kSimResult;
  doc->path_ = std::move(path);
  doc->label_ = std::move(label);
  *doc->result_ = std::move(result);
  const SimResult& r = *doc->result_;
  doc->load_ = ExpertLoadTable::from_result(r);
  doc->timeline_ = TimelineIndex::build(r.timeline());
  doc->node_of_gpu_ = viz::node_of_gpu(r.topology(), result_num_gpus(r));

  std::map<uint32_t, int> step_pos;
  for (const auto& l : r.layers()) {
    step_pos[l.step()] = 0;
    doc->num_result_layers_ = std::max(doc->num_result_layers_, static_cast<int>(l.layer()) + 1);
  }
  for (auto& [step, pos] : step_pos) {
    pos = static_cast<int>(doc->layer_steps_.size());
    doc->layer_steps_.push_back(step);
  }
  doc->layer_index_.assign(doc->layer_steps_.size() * doc->num_result_layers_, -1);
  for (int i = 0; i < r.layers_size(); ++i) {
    const auto& l = r.layers(i);
    doc->layer_index_[static_cast<size_t>(step_pos[l.step()]) * doc->num_result_layers_ + l.layer()] = i;
  }
  return doc;
}

Result<std::shared_ptr<const Document>> Document::from_trace(ExpertLoadTrace trace, std::string path,
                                                             std::string label) {
  auto doc = std::make_shared<Document>();
  doc->kind_ = DocumentKind::kExpertLoadTrace;
  MOESIM_ASSIGN_OR_RETURN(doc->load_, ExpertLoadTable::from_trace(trace, path));
  doc->path_ = std::move(path);
  doc->label_ = std::move(label);
  *doc->trace_ = std::move(trace);
  return std::shared_ptr<const Document>(std::move(doc));
}

Result<std::shared_ptr<const Document>> load_document(const std::string& path) {
  if (!is_directory(path)) {
    if (proto_format_for_path(path).ok()) return load_proto_document(path);
    // Missing files get the OS reason before any importer guesses at the type.
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      MOESIM_ASSIGN_OR_RETURN(std::string unused, read_file(path));
      (void)unused;
    }
  }
#ifdef MOESIM_VIZ_HAVE_TRACE_IMPORT
  MOESIM_ASSIGN_OR_RETURN(ExpertLoadTrace trace, load_expert_load_trace(path));
  return Document::from_trace(std::move(trace), path, base_name(path));
#else
  return make_error(path, "", "unknown file type (moeviz opens .pb/.json/.textproto results and traces; "
                              "this build has no expert-load importers for .npy/.csv/folders)");
#endif
}

}  // namespace moesim::viz
