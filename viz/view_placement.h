// Placement: GPUs grouped by host, the expert in each slot coloured by the tokens it serves
// at the chosen step and layer (an expert's load split evenly over its replicas; replicas are
// outlined), and tokens received per GPU as bars against the mean.
// UI thread only.
#pragma once

#include <vector>

#include "viz/geometry.h"
#include "viz/view.h"

namespace moesim::viz {

class PlacementView : public View {
 public:
  const char* name() const override { return "placement"; }
  const char* title() const override { return "Placement"; }
  bool accepts(const Document& doc) const override {
    return doc.is_result() && doc.result().placement().layers_size() > 0 && doc.result().placement().slots_per_gpu() > 0;
  }
  const char* requirement() const override { return "a result with a placement"; }
  void draw(const Document& doc, ViewContext& ctx) override;
  // layer=N, step=N (position among the result's steps).
  Status set_option(const std::string& key, const std::string& value) override;

  // Last frame: the rectangle of each GPU's slot column and of each GPU's load bar.
  const std::vector<Rect>& gpu_columns() const { return gpu_columns_; }
  const std::vector<Rect>& gpu_bars() const { return gpu_bars_; }
  float mean_line_y() const { return mean_line_y_; }

 private:
  int layer_ = 0;
  int step_ = -1;  // -1: last step
  std::vector<Rect> gpu_columns_, gpu_bars_;
  float mean_line_y_ = 0;
};

}  // namespace moesim::viz
