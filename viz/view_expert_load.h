// Expert load over training: a heat map of tokens per expert over snapshots for one layer,
// a heat map of layers x experts at one snapshot (chosen with the step scrubber or by clicking
// the first map), and max/mean imbalance over snapshots as a line plot.
// Reads Document::load() (an ExpertLoadTrace or a SimResult's per-layer expert_load).
// UI thread only.
#pragma once

#include "viz/colormap.h"
#include "viz/draw_util.h"
#include "viz/heatmap_layout.h"
#include "viz/view.h"

namespace moesim::viz {

class ExpertLoadView : public View {
 public:
  const char* name() const override { return "expert-load"; }
  const char* title() const override { return "Expert load"; }
  bool accepts(const Document& doc) const override { return !doc.load().empty(); }
  const char* requirement() const override { return "an expert-load trace or a result with per-layer expert_load"; }
  void draw(const Document& doc, ViewContext& ctx) override;
  // layer=N, step=N (snapshot position), iteration=N (nearest snapshot), scale=linear|log.
  Status set_option(const std::string& key, const std::string& value) override;
  void on_benchmark_frame(int frame) override;

  int layer() const { return layer_; }
  int step() const { return step_; }
  ValueScale scale() const { return scale_; }
  // Geometry of the last frame's heat maps: experts x drawn step columns, layers x experts;
  // and the data columns each drawn step column covers (fold_columns).
  const HeatmapGeometry& steps_map() const { return steps_map_; }
  const HeatmapGeometry& layers_map() const { return layers_map_; }
  const std::vector<int>& step_columns() const { return step_columns_; }

 private:
  int layer_ = 0;
  int step_ = -1;           // -1: the last snapshot, once a document is known
  long long iteration_ = -1;  // pending --view-option iteration=N
  ValueScale scale_ = ValueScale::kLinear;
  int benchmark_frame_ = -1;
  HeatmapGeometry steps_map_, layers_map_;
  std::vector<int> step_columns_;
  HeatmapTexture steps_texture_, layers_texture_;
};

}  // namespace moesim::viz
