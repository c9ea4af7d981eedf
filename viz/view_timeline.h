// The simulated timeline, Tracy/Perfetto style: one lane per GPU with a compute row and a
// communication row; scroll zooms about the mouse, drag pans, W/S zoom and A/D pan, double
// click fits the whole run. Boxes carry labels when wide enough and details on hover.
// Per frame it folds only the visible window of each visible lane (TimelineIndex + fold_row,
// lanes through ImGuiListClipper), so a million events cost what the screen shows.
// UI thread only.
#pragma once

#include <vector>

#include "viz/timeline_index.h"
#include "viz/view.h"

namespace moesim::viz {

class TimelineView : public View {
 public:
  const char* name() const override { return "timeline"; }
  const char* title() const override { return "Timeline"; }
  bool accepts(const Document& doc) const override { return doc.is_result() && doc.timeline().num_events() > 0; }
  const char* requirement() const override { return "a result with timeline events"; }
  void draw(const Document& doc, ViewContext& ctx) override;
  // start=SECONDS, end=SECONDS (the visible window).
  Status set_option(const std::string& key, const std::string& value) override;
  void on_benchmark_frame(int frame) override;

  const TimeWindow& window() const { return window_; }
  // Where the last frame drew: the track's x range and each visible row's y range.
  struct DrawnRow {
    uint32_t gpu = 0;
    int row = 0;  // 0 compute, 1 communication
    float y0 = 0, y1 = 0;
  };
  const std::vector<DrawnRow>& drawn_rows() const { return drawn_rows_; }
  float track_x0() const { return track_x0_; }
  float track_width() const { return track_w_; }
  // Boxes drawn in the last frame (all visible rows together) — for tests and the benchmark.
  size_t last_items_drawn() const { return last_items_drawn_; }

 private:
  const Document* doc_ = nullptr;
  TimeWindow window_;
  double pending_start_s_ = -1, pending_end_s_ = -1;
  int benchmark_frame_ = -1;
  size_t last_items_drawn_ = 0;
  std::vector<DrawnRow> drawn_rows_;
  float track_x0_ = 0, track_w_ = 0;
  std::vector<TimelineItem> items_;  // reused per row
};

}  // namespace moesim::viz
