// Traffic: the source x destination dispatch matrix of one layer at one step (GPU x GPU bytes
// from a result, or rank x rank tokens implied by an expert-load trace's per-rank counts with
// experts laid out contiguously), and the same summed per host with the intra/inter-host split.
// UI thread only.
#pragma once

#include "viz/draw_util.h"
#include "viz/heatmap_layout.h"
#include "viz/view.h"

namespace moesim::viz {

class TrafficView : public View {
 public:
  const char* name() const override { return "traffic"; }
  const char* title() const override { return "Traffic"; }
  bool accepts(const Document& doc) const override;
  const char* requirement() const override {
    return "a result simulated with traffic matrices (--traffic), or a trace with per-rank counts";
  }
  void draw(const Document& doc, ViewContext& ctx) override;
  // layer=N, step=N (position among the steps that have data).
  Status set_option(const std::string& key, const std::string& value) override;

  const HeatmapGeometry& gpu_map() const { return gpu_map_; }
  const HeatmapGeometry& node_map() const { return node_map_; }

 private:
  int layer_ = 0;
  int step_ = -1;
  HeatmapGeometry gpu_map_, node_map_;
  HeatmapTexture gpu_texture_, node_texture_;
};

}  // namespace moesim::viz
