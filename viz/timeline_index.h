// The timeline's read-only index and the per-frame folding of events into drawable boxes.
//
// SimResult.timeline is a flat list of events. On load it becomes one lane per GPU with two
// rows (compute: dense/gating/expert/wait; communication: dispatch/combine/migration), each a
// struct of arrays sorted by start time. A frame then only touches what it shows:
//   - the first event that can reach the window's left edge is found by lower_bound on the
//     prefix maximum of end times (correct even when events in a row overlap);
//   - events narrower than `min_px` are folded: from a narrow event we jump with lower_bound to
//     the first event starting min_px further right, so one folded box (at least min_px wide)
//     stands for any number of events and a frame's work is O(pixels x log(events)), not
//     O(events).
// The index is immutable after build(); fold_row() is a pure function. Thread-safe for reads.
#pragma once

#include <cstdint>
#include <vector>

#include "traces/proto/result.pb.h"

namespace moesim::viz {

constexpr int kTimelineRowsPerLane = 2;  // 0 compute, 1 communication

// Row of an event kind: communication kinds (dispatch, combine, migration) go to row 1.
int timeline_row_of_kind(int kind);

struct TimelineRow {
  std::vector<double> start_s;
  std::vector<double> end_s;
  std::vector<double> max_end_s;  // max(end_s[0..i]), non-decreasing
  std::vector<uint32_t> event;    // index into SimResult.timeline
  std::vector<uint8_t> kind;      // TimelineEvent::Kind
  size_t size() const { return start_s.size(); }
};

struct TimelineLane {
  uint32_t gpu = 0;
  TimelineRow rows[kTimelineRowsPerLane];
};

class TimelineIndex {
 public:
  TimelineIndex() = default;
  // Groups events by GPU (lanes in GPU order) and sorts each row by start time.
  static TimelineIndex build(const google::protobuf::RepeatedPtrField<TimelineEvent>& events);

  const std::vector<TimelineLane>& lanes() const { return lanes_; }
  double begin_s() const { return begin_s_; }
  double end_s() const { return end_s_; }
  size_t num_events() const { return num_events_; }

 private:
  std::vector<TimelineLane> lanes_;
  double begin_s_ = 0, end_s_ = 0;
  size_t num_events_ = 0;
};

// A drawable box: one event (count == 1) or a fold of `count` consecutive events of a row.
struct TimelineItem {
  float x0 = 0, x1 = 0;
  uint32_t first = 0;  // row position of the first event
  uint32_t count = 0;
  int kind = 0;        // the event's kind; for a fold, the kind of the event under its middle
};

// Index of the first event of `row` that ends after t_s (row.size() if none).
size_t first_event_ending_after(const TimelineRow& row, double t_s);

// Appends to `out` the boxes of `row` visible in [t0_s, t1_s], which maps to pixels
// [x_left, x_left + width_px]. Boxes narrower than min_px are folded with their neighbours.
void fold_row(const TimelineRow& row, double t0_s, double t1_s, float x_left, float width_px,
              float min_px, std::vector<TimelineItem>* out);

// The visible time window and its navigation (zoom about a point, pan), clamped to limits.
struct TimeWindow {
  double t0_s = 0, t1_s = 1;
  double span_s() const { return t1_s - t0_s; }
};
// Zooms by `factor` (< 1 zooms in) keeping anchor_s at the same screen position; the span
// stays within [min_span_s, limit span] and the window inside [limit_t0, limit_t1].
TimeWindow zoom_window(TimeWindow w, double anchor_s, double factor, double limit_t0_s,
                       double limit_t1_s, double min_span_s);
TimeWindow pan_window(TimeWindow w, double delta_s, double limit_t0_s, double limit_t1_s);

}  // namespace moesim::viz
