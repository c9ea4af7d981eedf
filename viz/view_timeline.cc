#include "viz/view_timeline.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "viz/draw_util.h"
#include "viz/ticks.h"

namespace moesim::viz {
namespace {

constexpr float kRowHeightPx = 15.0f;
constexpr float kLaneGapPx = 5.0f;
constexpr float kLabelWidthPx = 110.0f;
constexpr float kFoldMinPx = 3.0f;  // boxes narrower than this are folded with neighbours
constexpr float kRulerHeightPx = 22.0f;

std::string event_label(const TimelineEvent& e) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%s L%u", event_kind_name(e.kind()), e.backward() ? " bwd" : "", e.layer());
  return buf;
}

}  // namespace

Status TimelineView::set_option(const std::string& key, const std::string& value) {
  if (key == "start") {
    MOESIM_ASSIGN_OR_RETURN(pending_start_s_, parse_double_option(key, value));
  } else if (key == "end") {
    MOESIM_ASSIGN_OR_RETURN(pending_end_s_, parse_double_option(key, value));
  } else {
    return View::set_option(key, value);
  }
  return {};
}

void TimelineView::on_benchmark_frame(int frame) { benchmark_frame_ = frame; }

void TimelineView::draw(const Document& doc, ViewContext& ctx) {
  const TimelineIndex& index = doc.timeline();
  const double begin_s = index.begin_s(), end_s = std::max(index.end_s(), index.begin_s() + 1e-12);
  const double min_span_s = std::max((end_s - begin_s) * 1e-9, 1e-12);
  if (doc_ != &doc) {
    doc_ = &doc;
    window_ = {begin_s, end_s};
  }
  if (pending_start_s_ >= 0 || pending_end_s_ >= 0) {
    TimeWindow w{pending_start_s_ >= 0 ? pending_start_s_ : begin_s, pending_end_s_ >= 0 ? pending_end_s_ : end_s};
    if (w.t1_s > w.t0_s) window_ = w;
    pending_start_s_ = pending_end_s_ = -1;
  }
  if (benchmark_frame_ >= 0) {
    // Alternate between the whole run (every event folded) and a zoom sweeping across it.
    const int f = benchmark_frame_;
    if (f % 2 == 0) {
      window_ = {begin_s, end_s};
    } else {
      const double span = (end_s - begin_s) * 0.02;
      const double t0 = begin_s + std::fmod(f * 0.0137, 0.98) * (end_s - begin_s);
      window_ = {t0, t0 + span};
    }
  }

  ImGui::Text("%zu events, %zu GPUs, %s simulated", index.num_events(), index.lanes().size(),
              format_time_s(end_s - begin_s).c_str());
  ImGui::SameLine();
  ImGui::TextDisabled("| scroll: zoom  drag: pan  W/S/A/D  double-click: fit");
  ImGui::SameLine();
  if (ImGui::SmallButton("fit")) window_ = {begin_s, end_s};
  // Legend.
  ImGui::SameLine();
  for (int k = 0; k < kNumEventKinds; ++k) {
    ImGui::SameLine();
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImGui::GetWindowDrawList()->AddRectFilled({p.x, p.y + 3}, {p.x + 10, p.y + 13}, to_im(event_kind_color(k)));
    ImGui::Dummy({12, 12});
    ImGui::SameLine();
    ImGui::TextUnformatted(event_kind_name(k));
  }

  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float track_x0 = origin.x + kLabelWidthPx;
  const float track_w = std::max(10.0f, avail.x - kLabelWidthPx - 14);  // room for a scrollbar
  const double px_per_s = track_w / window_.span_s();

  // Time ruler.
  const Rect ruler{track_x0, origin.y, track_x0 + track_w, origin.y + kRulerHeightPx};
  dl->AddRectFilled({origin.x, ruler.y0}, {ruler.x1, ruler.y1}, kPanelColor);
  for (double v : tick_values(window_.t0_s, window_.t1_s, std::max(2, static_cast<int>(track_w / 110)))) {
    const float x = track_x0 + static_cast<float>((v - window_.t0_s) * px_per_s);
    dl->AddLine({x, ruler.y1 - 6}, {x, ruler.y1}, kAxisColor);
    dl->AddText({x + 3, ruler.y0 + 3}, kDimTextColor, format_time_s(v).c_str());
  }
  ImGui::Dummy({avail.x, kRulerHeightPx});

  // Lanes in a scrolling child; the clipper submits only the lanes on screen.
  const float lane_h = kTimelineRowsPerLane * kRowHeightPx + kLaneGapPx;
  ImGui::BeginChild("##lanes", {avail.x, std::max(50.0f, avail.y - kRulerHeightPx - 4)}, false,
                    ImGuiWindowFlags_NoScrollWithMouse);
  ImDrawList* lane_dl = ImGui::GetWindowDrawList();
  const ImVec2 mouse = ImGui::GetMousePos();
  const bool child_hovered = !ctx.deterministic && ImGui::IsWindowHovered();
  const auto& lanes = index.lanes();
  const std::vector<int>& node_of_gpu = doc.node_of_gpu();
  size_t drawn = 0;
  drawn_rows_.clear();
  track_x0_ = track_x0;
  track_w_ = track_w;
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(lanes.size()), lane_h);
  while (clipper.Step()) {
    for (int li = clipper.DisplayStart; li < clipper.DisplayEnd; ++li) {
      const TimelineLane& lane = lanes[li];
      const ImVec2 p = ImGui::GetCursorScreenPos();
      const int node = lane.gpu < node_of_gpu.size() ? node_of_gpu[lane.gpu] : 0;
      char label[48];
      std::snprintf(label, sizeof label, "GPU %u", lane.gpu);
      lane_dl->AddText({p.x + 4, p.y + 1}, kTextColor, label);
      std::snprintf(label, sizeof label, "node %d", node);
      lane_dl->AddText({p.x + 4, p.y + kRowHeightPx}, kDimTextColor, label);
      // Alternate node shading so hosts read as groups.
      if (node % 2 == 1) {
        lane_dl->AddRectFilled({p.x, p.y}, {p.x + 3, p.y + lane_h - kLaneGapPx}, IM_COL32(90, 90, 110, 255));
      }
      lane_dl->PushClipRect({track_x0, p.y}, {track_x0 + track_w, p.y + lane_h}, true);
      lane_dl->AddRectFilled({track_x0, p.y}, {track_x0 + track_w, p.y + lane_h - kLaneGapPx}, kPanelColor);
      for (int r = 0; r < kTimelineRowsPerLane; ++r) {
        const TimelineRow& row = lane.rows[r];
        const float y0 = p.y + r * kRowHeightPx + 1, y1 = y0 + kRowHeightPx - 2;
        drawn_rows_.push_back({lane.gpu, r, y0, y1});
        items_.clear();
        fold_row(row, window_.t0_s, window_.t1_s, track_x0, track_w, kFoldMinPx, &items_);
        drawn += items_.size();
        const bool row_hovered = child_hovered && mouse.y >= y0 && mouse.y < y1 && mouse.x >= track_x0;
        // Draw: touching folds of one kind become one rectangle (a software rasteriser pays
        // per triangle, and a zoomed-out row is mostly folds).
        Rect run{};
        int run_kind = -1;
        auto flush_run = [&] {
          if (run_kind < 0) return;
          Rgb8 c = event_kind_color(run_kind);
          // Folded events: the kind's colour, darker and thinner, so folds never pass for one
          // long event.
          c = {static_cast<uint8_t>(c.r * 0.6), static_cast<uint8_t>(c.g * 0.6), static_cast<uint8_t>(c.b * 0.6)};
          lane_dl->AddRectFilled({run.x0, y0 + 2}, {run.x1, y1 - 2}, to_im(c));
          run_kind = -1;
        };
        for (const TimelineItem& it : items_) {
          const float x0 = std::max(it.x0, track_x0 - 1), x1 = std::min(it.x1, track_x0 + track_w + 1);
          if (it.count == 1) {
            flush_run();
            lane_dl->AddRectFilled({x0, y0}, {x1, y1}, to_im(event_kind_color(it.kind)));
            if (x1 - x0 > 40) {
              const TimelineEvent& e = doc.result().timeline(static_cast<int>(row.event[it.first]));
              const std::string text = event_label(e);
              lane_dl->PushClipRect({x0, y0}, {x1, y1}, true);
              lane_dl->AddText({x0 + 3, y0}, IM_COL32(15, 15, 20, 255), text.c_str());
              lane_dl->PopClipRect();
            }
          } else if (run_kind == it.kind && x0 <= run.x1 + 0.5f) {
            run.x1 = std::max(run.x1, x1);
          } else {
            flush_run();
            run = {x0, y0, x1, y1};
            run_kind = it.kind;
          }
        }
        flush_run();
        if (row_hovered) {
          for (const TimelineItem& it : items_) {
            if (mouse.x < it.x0 || mouse.x >= std::max(it.x1, it.x0 + 1)) continue;
            ImGui::BeginTooltip();
            if (it.count == 1) {
              const TimelineEvent& e = doc.result().timeline(static_cast<int>(row.event[it.first]));
              ImGui::Text("%s%s", event_kind_name(e.kind()), e.backward() ? " (backward)" : "");
              ImGui::Text("GPU %u, step %u, layer %u", e.gpu(), e.step(), e.layer());
              ImGui::Text("start %s, duration %s", format_time_s(e.start_s()).c_str(),
                          format_time_s(e.duration_s()).c_str());
            } else {
              ImGui::Text("%u events folded (zoom in to see them)", it.count);
              ImGui::Text("%s .. %s", format_time_s(row.start_s[it.first]).c_str(),
                          format_time_s(row.end_s[it.first + it.count - 1]).c_str());
            }
            ImGui::EndTooltip();
            break;
          }
        }
      }
      lane_dl->PopClipRect();
      ImGui::Dummy({avail.x - 16, lane_h});
    }
  }
  clipper.End();
  last_items_drawn_ = drawn;

  // Navigation: wheel zooms about the mouse, drag pans, W/S/A/D like Perfetto.
  if (child_hovered) {
    const ImGuiIO& io = ImGui::GetIO();
    const double anchor_s = window_.t0_s + (std::clamp(mouse.x, track_x0, track_x0 + track_w) - track_x0) / px_per_s;
    if (io.MouseWheel != 0) {
      window_ = zoom_window(window_, anchor_s, std::pow(0.8, io.MouseWheel), begin_s, end_s, min_span_s);
    }
    if (io.MouseWheelH != 0) {
      window_ = pan_window(window_, -io.MouseWheelH * 0.1 * window_.span_s(), begin_s, end_s);
    }
    if (ImGui::IsMouseDragging(ImGuiMouseButton_Left, 1.0f)) {
      window_ = pan_window(window_, -io.MouseDelta.x / px_per_s, begin_s, end_s);
      // Vertical drag scrolls the lanes.
      ImGui::SetScrollY(ImGui::GetScrollY() - io.MouseDelta.y);
    }
    if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) window_ = {begin_s, end_s};
  }
  if (!ctx.deterministic && ImGui::IsWindowFocused(ImGuiFocusedFlags_RootAndChildWindows)) {
    const double anchor_s = (window_.t0_s + window_.t1_s) / 2;
    if (ImGui::IsKeyDown('W')) window_ = zoom_window(window_, anchor_s, 0.95, begin_s, end_s, min_span_s);
    if (ImGui::IsKeyDown('S')) window_ = zoom_window(window_, anchor_s, 1.0 / 0.95, begin_s, end_s, min_span_s);
    if (ImGui::IsKeyDown('A')) window_ = pan_window(window_, -0.02 * window_.span_s(), begin_s, end_s);
    if (ImGui::IsKeyDown('D')) window_ = pan_window(window_, 0.02 * window_.span_s(), begin_s, end_s);
  }
  ImGui::EndChild();
}

std::unique_ptr<View> make_timeline_view() { return std::make_unique<TimelineView>(); }

}  // namespace moesim::viz
