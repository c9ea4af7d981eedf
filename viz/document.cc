#include "viz/document.h"

#include <algorithm>
#include <map>

#include <sys/stat.h>

#include <google/protobuf/stubs/logging.h>

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

// Unknown fields anywhere in the message: a Profile's bytes parse as a SimResult whose nested
// messages are full of unknown fields, so the top level alone does not tell the types apart.
// Repeated fields are sampled at their first and last element: a misread type shows in every
// element, and a million-event timeline is not walked.
bool has_unknown_fields(const google::protobuf::Message& m) {
  const auto* refl = m.GetReflection();
  if (!refl->GetUnknownFields(m).empty()) return true;
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  refl->ListFields(m, &fields);
  for (const auto* f : fields) {
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (!f->is_repeated()) {
      if (has_unknown_fields(refl->GetMessage(m, f))) return true;
      continue;
    }
    const int n = refl->FieldSize(m, f);
    if (n > 0 && (has_unknown_fields(refl->GetRepeatedMessage(m, f, 0)) ||
                  has_unknown_fields(refl->GetRepeatedMessage(m, f, n - 1)))) {
      return true;
    }
  }
  return false;
}

// A SimResult holds at least one of these; an empty or foreign message holds none.
bool looks_like_result(const SimResult& r) {
  return r.has_summary() || r.steps_size() > 0 || r.layers_size() > 0 || r.has_topology() ||
         r.timeline_size() > 0 || r.links_size() > 0;
}

bool looks_like_profile(const Profile& p) { return p.records_size() > 0 || p.has_environment(); }

bool looks_like_calibration(const Calibration& c) {
  return c.links_size() > 0 || c.alltoall_size() > 0 || c.kernels_size() > 0 || c.gemm().max_flops() > 0 ||
         c.fit().fits_size() > 0;
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The profile a calibration was fitted from: its profile_file as written (relative to where
// `moeprof fit` ran), else the same path or file name beside the calibration. A profile that
// is found but does not open leaves a note instead.
void find_profile_of(const Calibration& c, const std::string& calibration_path, std::shared_ptr<const Profile>* profile,
                     std::string* found_path, std::string* note) {
  const std::string& named = c.profile_file();
  if (named.empty()) return;
  std::vector<std::string> candidates = {named};
  const size_t slash = calibration_path.find_last_of('/');
  if (slash != std::string::npos && named.front() != '/') {
    const std::string dir = calibration_path.substr(0, slash + 1);
    candidates.push_back(dir + named);
    candidates.push_back(dir + base_name(named));
  } else if (slash == std::string::npos) {
    candidates.push_back(base_name(named));
  }
  for (const auto& path : candidates) {
    if (!file_exists(path)) continue;
    auto p = std::make_shared<Profile>();
    const Status st = load_proto(path, p.get());
    if (st.ok() && !has_unknown_fields(*p) && looks_like_profile(*p)) {
      *profile = std::move(p);
      *found_path = path;
      return;
    }
    *note = "profile_file " + path + " does not open as a Profile" + (st.ok() ? "" : ": " + st.message());
    return;
  }
  *note = "profile_file " + named + " not found (measured points come from the fit report)";
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

  // Parsing bytes as the wrong type can trip protobuf's UTF-8 check, which logs; the
  // candidates that fail are expected, so keep stderr for the verdict.
  google::protobuf::LogSilencer quiet;
  SimResult result;
  const Status as_result = parse_proto(content, format, path, &result);
  if (as_result.ok() && !has_unknown_fields(result) && looks_like_result(result)) {
    return Document::from_result(std::move(result), path, base_name(path));
  }
  // Profiles and calibrations before traces: a complete Profile's first three fields are
  // wire-compatible with a trace's source, format and num_steps.
  Profile profile;
  if (parse_proto(content, format, path, &profile).ok() && !has_unknown_fields(profile) &&
      looks_like_profile(profile)) {
    return Document::from_profile(std::move(profile), path, base_name(path));
  }
  Calibration calibration;
  if (parse_proto(content, format, path, &calibration).ok() && !has_unknown_fields(calibration) &&
      looks_like_calibration(calibration)) {
    std::shared_ptr<const Profile> measured;
    std::string measured_path, note;
    find_profile_of(calibration, path, &measured, &measured_path, &note);
    return Document::from_calibration(std::move(calibration), path, base_name(path), std::move(measured),
                                      std::move(measured_path), std::move(note));
  }
  ExpertLoadTrace trace;
  const Status as_trace = parse_proto(content, format, path, &trace);
  if (as_trace.ok() && !has_unknown_fields(trace) && trace.num_steps() > 0) {
    return Document::from_trace(std::move(trace), path, base_name(path));
  }
  if (format != ProtoFormat::kBinary && !as_result.ok()) {
    // Text and JSON errors carry a line and field; show the SimResult one, the likelier intent.
    return make_error(path, "", "neither a SimResult nor an ExpertLoadTrace, Profile or Calibration: " +
                                    as_result.message());
  }
  return make_error(path, "", "neither a SimResult nor an ExpertLoadTrace, Profile or Calibration (truncated, empty or "
                              "another file type)");
}

}  // namespace

const char* document_kind_name(DocumentKind kind) {
  switch (kind) {
    case DocumentKind::kSimResult: return "simulation result";
    case DocumentKind::kExpertLoadTrace: return "expert-load trace";
    case DocumentKind::kProfile: return "moeprof profile";
    case DocumentKind::kCalibration: return "calibration";
  }
  return "file";
}

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

std::shared_ptr<const Document> Document::from_profile(Profile profile, std::string path, std::string label) {
  auto doc = std::make_shared<Document>();
  doc->kind_ = DocumentKind::kProfile;
  doc->path_ = std::move(path);
  doc->label_ = std::move(label);
  doc->profile_ = std::make_shared<const Profile>(std::move(profile));
  return doc;
}

std::shared_ptr<const Document> Document::from_calibration(Calibration calibration, std::string path, std::string label,
                                                           std::shared_ptr<const Profile> profile,
                                                           std::string profile_path, std::string profile_note) {
  auto doc = std::make_shared<Document>();
  doc->kind_ = DocumentKind::kCalibration;
  doc->path_ = std::move(path);
  doc->label_ = std::move(label);
  doc->calibration_ = std::make_shared<const Calibration>(std::move(calibration));
  doc->profile_ = std::move(profile);
  doc->profile_path_ = std::move(profile_path);
  doc->profile_note_ = std::move(profile_note);
  return doc;
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
