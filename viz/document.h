// An opened file as the views read it. Loading decides the type (simulation result,
// expert-load trace, moeprof profile or calibration) from the extension and the content,
// checks it, and builds every index a view needs (expert-load table, timeline lanes, GPU ->
// host map, (step, layer) lookup) once, so that drawing a frame only reads.
//
// Detection: .pb/.bin/.json/.textproto/.txtpb/.pbtxt are tried as SimResult, Profile,
// Calibration and ExpertLoadTrace in that order (a binary message only counts as a type when
// it parses with no unknown fields at any depth and holds data of that type: the wire format
// lets one message's bytes parse as another's, so both checks are needed); anything else
// (.npy, .csv, .csv.gz, folders) goes to the expert-load importers of traces/trace_import.h.
// A Calibration's profile_file is opened with it when that file exists (as written, or beside
// the calibration), so the Profiles view can overlay fit and measurements.
// A Document is immutable once built and shared as shared_ptr<const Document>; thread-safe for
// reads, so the what-if runner can build one on its thread and hand it to the UI.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "traces/proto/expert_load.pb.h"
#include "traces/proto/profile.pb.h"
#include "traces/proto/result.pb.h"
#include "traces/status.h"
#include "viz/expert_load_table.h"
#include "viz/timeline_index.h"

namespace moesim::viz {

enum class DocumentKind { kSimResult, kExpertLoadTrace, kProfile, kCalibration };

// "simulation result", "expert-load trace", "moeprof profile", "calibration".
const char* document_kind_name(DocumentKind kind);

class Document {
 public:
  DocumentKind kind() const { return kind_; }
  const std::string& path() const { return path_; }
  // Short name for tabs and legends (file name, or "what-if: policy=..." for re-simulations).
  const std::string& label() const { return label_; }

  bool is_result() const { return kind_ == DocumentKind::kSimResult; }
  // The result (kSimResult) or the trace (kExpertLoadTrace); the other is empty.
  const SimResult& result() const { return *result_; }
  const ExpertLoadTrace& trace() const { return *trace_; }
  // kProfile: the profile. kCalibration: the calibration, and the profile its profile_file
  // names when that opened (profile_path() is then where it was found; profile_note() says
  // why it did not open otherwise).
  bool has_profile() const { return profile_ != nullptr; }
  bool has_calibration() const { return calibration_ != nullptr; }
  const Profile& profile() const { return *profile_; }
  const Calibration& calibration() const { return *calibration_; }
  const std::string& profile_path() const { return profile_path_; }
  const std::string& profile_note() const { return profile_note_; }

  // Expert load per (step, layer, expert); empty for results without expert_load.
  const ExpertLoadTable& load() const { return load_; }
  const TimelineIndex& timeline() const { return timeline_; }
  // Host of each GPU rank (results; from the topology graph).
  const std::vector<int>& node_of_gpu() const { return node_of_gpu_; }
  int num_gpus() const { return static_cast<int>(node_of_gpu_.size()); }
  int num_nodes() const;

  // Distinct steps that have LayerResults, ascending, and the LayerResult of (step position,
  // layer) or nullptr.
  const std::vector<uint32_t>& layer_steps() const { return layer_steps_; }
  int num_result_layers() const { return num_result_layers_; }
  const LayerResult* layer_result(int step_pos, int layer) const;

  static std::shared_ptr<const Document> from_result(SimResult result, std::string path, std::string label);
  static Result<std::shared_ptr<const Document>> from_trace(ExpertLoadTrace trace, std::string path,
                                                            std::string label);
  static std::shared_ptr<const Document> from_profile(Profile profile, std::string path, std::string label);
  // `profile` (may be null) is the one its profile_file names, found at `profile_path`.
  static std::shared_ptr<const Document> from_calibration(Calibration calibration, std::string path, std::string label,
                                                          std::shared_ptr<const Profile> profile,
                                                          std::string profile_path, std::string profile_note);

 private:
  DocumentKind kind_ = DocumentKind::kSimResult;
  std::string path_, label_;
  std::shared_ptr<SimResult> result_ = std::make_shared<SimResult>();
  std::shared_ptr<ExpertLoadTrace> trace_ = std::make_shared<ExpertLoadTrace>();
  std::shared_ptr<const Profile> profile_;
  std::shared_ptr<const Calibration> calibration_;
  std::string profile_path_, profile_note_;
  ExpertLoadTable load_;
  TimelineIndex timeline_;
  std::vector<int> node_of_gpu_;
  std::vector<uint32_t> layer_steps_;
  int num_result_layers_ = 0;
  std::vector<int> layer_index_;  // [step_pos * num_result_layers_ + layer] -> index or -1
};

// Opens a file or folder; the error reads "<path>: <problem>".
Result<std::shared_ptr<const Document>> load_document(const std::string& path);

// The file name part of a path ("a/b/result.pb" -> "result.pb").
std::string base_name(const std::string& path);

}  // namespace moesim::viz
