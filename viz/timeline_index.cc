#include "viz/timeline_index.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace moesim::viz {

int timeline_row_of_kind(int kind) {
  switch (kind) {
    case TimelineEvent::DISPATCH:
    case TimelineEvent::COMBINE:
    case TimelineEvent::MIGRATION:
      return 1;
    default:
      return 0;
  }
}

TimelineIndex TimelineIndex::build(const google::protobuf::RepeatedPtrField<TimelineEvent>& events) {
  TimelineIndex index;
  index.num_events_ = static_cast<size_t>(events.size());
  if (events.empty()) return index;

  uint32_t max_gpu = 0;
  for (const auto& e : events) max_gpu = std::max(max_gpu, e.gpu());
  // Lanes only for GPUs that have events, in GPU order.
  std::vector<int> lane_of_gpu(max_gpu + 1, -1);
  std::vector<std::vector<uint32_t>> per_row;  // lane * rows + row -> event indices
  for (const auto& e : events) {
    if (lane_of_gpu[e.gpu()] < 0) lane_of_gpu[e.gpu()] = 0;
  }
  int lanes = 0;
  for (uint32_t g = 0; g <= max_gpu; ++g) {
    if (lane_of_gpu[g] >= 0) lane_of_gpu[g] = lanes++;
  }
  index.lanes_.resize(lanes);
  per_row.resize(static_cast<size_t>(lanes) * kTimelineRowsPerLane);
  for (uint32_t g = 0; g <= max_gpu; ++g) {
    if (lane_of_gpu[g] >= 0) index.lanes_[lane_of_gpu[g]].gpu = g;
  }
  double begin = std::numeric_limits<double>::infinity();
  double end = -std::numeric_limits<double>::infinity();
  for (int i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    const int lane = lane_of_gpu[e.gpu()];
    per_row[static_cast<size_t>(lane) * kTimelineRowsPerLane + timeline_row_of_kind(e.kind())].push_back(i);
    begin = std::min(begin, e.start_s());
    end = std::max(end, e.start_s() + std::max(0.0, e.duration_s()));
  }
  index.begin_s_ = begin;
  index.end_s_ = end;

  for (int lane = 0; lane < lanes; ++lane) {
    for (int r = 0; r < kTimelineRowsPerLane; ++r) {
      auto& ids = per_row[static_cast<size_t>(lane) * kTimelineRowsPerLane + r];
      // The simulator writes events sorted by GPU then start; a stable sort keeps that order
      // for ties and costs little when already sorted.
      std::stable_sort(ids.begin(), ids.end(), [&](uint32_t a, uint32_t b) {
        return events[a].start_s() < events[b].start_s();
      });
      TimelineRow& row = index.lanes_[lane].rows[r];
      row.start_s.reserve(ids.size());
      row.end_s.reserve(ids.size());
      row.max_end_s.reserve(ids.size());
      row.event.reserve(ids.size());
      row.kind.reserve(ids.size());
      double max_end = -std::numeric_limits<double>::infinity();
      for (uint32_t id : ids) {
        const auto& e = events[id];
        const double s = e.start_s();
        const double t = s + std::max(0.0, e.duration_s());
        max_end = std::max(max_end, t);
        row.start_s.push_back(s);
        row.end_s.push_back(t);
        row.max_end_s.push_back(max_end);
        row.event.push_back(id);
        row.kind.push_back(static_cast<uint8_t>(e.kind()));
      }
    }
  }
  return index;
}

size_t first_event_ending_after(const TimelineRow& row, double t_s) {
  return static_cast<size_t>(
      std::upper_bound(row.max_end_s.begin(), row.max_end_s.end(), t_s) - row.max_end_s.begin());
}

void fold_row(const TimelineRow& row, double t0_s, double t1_s, float x_left, float width_px,
              float min_px, std::vector<TimelineItem>* out) {
  const size_t n = row.size();
  if (n == 0 || !(t1_s > t0_s) || !(width_px > 0)) return;
  const double px_per_s = width_px / (t1_s - t0_s);
  const double min_span_s = min_px / px_per_s;
  auto x_of = [&](double t) {
    // Clamp far-off times so float conversion stays finite when zoomed in deeply.
    const double x = x_left + (t - t0_s) * px_per_s;
    return static_cast<float>(std::clamp(x, static_cast<double>(x_left) - 1e6,
                                         static_cast<double>(x_left) + width_px + 1e6));
  };

  size_t i = first_event_ending_after(row, t0_s);
  while (i < n && row.start_s[i] < t1_s) {
    if (row.end_s[i] - row.start_s[i] >= min_span_s) {
      out->push_back({x_of(row.start_s[i]), x_of(row.end_s[i]), static_cast<uint32_t>(i), 1, row.kind[i]});
      ++i;
      continue;
    }
    // Fold: one box for every event starting within min_px of this one, found by one
    // lower_bound, so a frame never walks the events it folds. The box takes the kind of the
    // event under its middle: across many boxes that samples the mix of kinds, as a picture
    // of the row at this zoom should.
    const size_t first = i;
    const size_t j = static_cast<size_t>(
        std::lower_bound(row.start_s.begin() + static_cast<std::ptrdiff_t>(i) + 1, row.start_s.end(),
                         row.start_s[i] + min_span_s) -
        row.start_s.begin());
    const double fold_end_s = std::max(row.end_s[i], row.end_s[j - 1]);
    const double mid_s = 0.5 * (row.start_s[first] + fold_end_s);
    size_t m = static_cast<size_t>(
        std::upper_bound(row.start_s.begin() + static_cast<std::ptrdiff_t>(first),
                         row.start_s.begin() + static_cast<std::ptrdiff_t>(j), mid_s) -
        row.start_s.begin());
    m = m > first ? m - 1 : first;
    const float x0 = x_of(row.start_s[first]);
    const float x1 = std::max(x_of(fold_end_s), x0 + 1.0f);
    out->push_back({x0, x1, static_cast<uint32_t>(first), static_cast<uint32_t>(j - first), row.kind[m]});
    i = j;
  }
}

TimeWindow zoom_window(TimeWindow w, double anchor_s, double factor, double limit_t0_s,
                       double limit_t1_s, double min_span_s) {
  const double limit_span = std::max(limit_t1_s - limit_t0_s, min_span_s);
  double span = std::clamp(w.span_s() * factor, min_span_s, limit_span);
  // Keep the anchor at the same fraction of the window.
  const double frac = w.span_s() > 0 ? (anchor_s - w.t0_s) / w.span_s() : 0.5;
  TimeWindow z{anchor_s - frac * span, anchor_s - frac * span + span};
  return pan_window(z, 0.0, limit_t0_s, limit_t1_s);
}

TimeWindow pan_window(TimeWindow w, double delta_s, double limit_t0_s, double limit_t1_s) {
  const double span = w.span_s();
  double t0 = w.t0_s + delta_s;
  if (span >= limit_t1_s - limit_t0_s) {
    t0 = limit_t0_s;
  } else {
    t0 = std::clamp(t0, limit_t0_s, limit_t1_s - span);
  }
  return {t0, t0 + span};
}

}  // namespace moesim::viz
