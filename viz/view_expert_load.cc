#include "viz/view_expert_load.h"

#include <algorithm>
#include <cstdio>

#include "viz/draw_util.h"
#include "viz/ticks.h"

namespace moesim::viz {

Status ExpertLoadView::set_option(const std::string& key, const std::string& value) {
  if (key == "layer") {
    MOESIM_ASSIGN_OR_RETURN(layer_, parse_int_option(key, value));
  } else if (key == "step") {
    MOESIM_ASSIGN_OR_RETURN(step_, parse_int_option(key, value));
  } else if (key == "iteration") {
    MOESIM_ASSIGN_OR_RETURN(iteration_, parse_int_option(key, value));
  } else if (key == "scale") {
    if (value != "linear" && value != "log") return make_error("--view-option", key, "expected linear or log, got '" + value + "'");
    scale_ = value == "log" ? ValueScale::kLog : ValueScale::kLinear;
  } else {
    return View::set_option(key, value);
  }
  return {};
}

void ExpertLoadView::on_benchmark_frame(int frame) { benchmark_frame_ = frame; }

void ExpertLoadView::draw(const Document& doc, ViewContext& ctx) {
  const ExpertLoadTable& t = doc.load();
  const int steps = t.num_steps(), layers = t.num_layers(), experts = t.num_experts();
  if (iteration_ >= 0) {
    step_ = t.nearest_step(iteration_);
    iteration_ = -1;
  }
  if (step_ < 0) step_ = steps - 1;
  if (benchmark_frame_ >= 0) {
    // Scrub through training and switch layers, as someone exploring the trace would.
    step_ = benchmark_frame_ % steps;
    layer_ = (benchmark_frame_ / 7) % layers;
  }
  layer_ = std::clamp(layer_, 0, layers - 1);
  step_ = std::clamp(step_, 0, steps - 1);

  // Controls.
  ImGui::SetNextItemWidth(220);
  ImGui::SliderInt("layer", &layer_, 0, layers - 1);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(std::max(200.0f, ImGui::GetContentRegionAvail().x - 520));
  char step_label[64];
  std::snprintf(step_label, sizeof step_label, "snapshot %%d (iteration %lld)", static_cast<long long>(t.step_id(step_)));
  ImGui::SliderInt("##step", &step_, 0, steps - 1, step_label);
  ImGui::SameLine();
  int scale = scale_ == ValueScale::kLog ? 1 : 0;
  ImGui::RadioButton("linear", &scale, 0);
  ImGui::SameLine();
  ImGui::RadioButton("log", &scale, 1);
  scale_ = scale == 1 ? ValueScale::kLog : ValueScale::kLinear;
  ImGui::SameLine();
  ImGui::TextColored(ImVec4(0.7f, 0.7f, 0.75f, 1), "%d snapshots x %d layers x %d experts", steps, layers, experts);

  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float font = ImGui::GetFontSize();
  const float left_px = 56, right_px = 70;

  // Top: experts (rows) x snapshots (columns) of the chosen layer.
  const float top_h = std::max(120.0f, avail.y * 0.5f);
  ImGui::Text("Layer %d: tokens per expert over training (columns: snapshots; rows: experts)", layer_);
  const Rect top = reserve_canvas("##steps_map", {avail.x, top_h - font - 4});
  const Rect top_plot{top.x0 + left_px, top.y0 + 2, top.x1 - right_px, top.y1 - font - 8};
  step_columns_ = fold_columns(steps, top_plot.width());
  const int drawn_cols = static_cast<int>(step_columns_.size()) - 1;
  steps_map_ = HeatmapGeometry(top_plot, experts, drawn_cols, 1.0f);
  const double layer_max = t.layer_max(layer_);
  steps_texture_.update(cache_key({reinterpret_cast<uintptr_t>(&doc), static_cast<uint64_t>(layer_),
                                   static_cast<uint64_t>(scale_), static_cast<uint64_t>(drawn_cols)}),
                        experts, drawn_cols, [&](int e, int c) {
                          // A drawn column standing for several snapshots shows their largest
                          // load (peaks stay visible).
                          float v = 0;
                          for (int s = step_columns_[c]; s < step_columns_[c + 1]; ++s) v = std::max(v, t.count(s, layer_, e));
                          return scale_value(v, layer_max, scale_);
                        });
  steps_texture_.draw(dl, steps_map_, background_color());
  draw_x_axis(dl, top_plot, static_cast<double>(t.step_id(0)), static_cast<double>(t.step_id(steps - 1)), 10,
              [](double v) { return format_count(v); });
  for (int e = 0; e < experts; e += std::max(1, static_cast<int>(experts * font * 1.5f / top_plot.height()))) {
    const Rect c = steps_map_.cell(e, 0);
    char buf[16];
    std::snprintf(buf, sizeof buf, "E%d", e);
    dl->AddText({top_plot.x0 - ImGui::CalcTextSize(buf).x - 6, (c.y0 + c.y1 - font) / 2}, kDimTextColor, buf);
  }
  draw_colorbar(dl, {top_plot.x1 + 8, top_plot.y0, top_plot.x1 + 20, top_plot.y1}, scale_, layer_max,
                format_count(layer_max));
  // Marker at the chosen snapshot.
  int marker_col = 0;
  while (marker_col + 1 < drawn_cols && step_columns_[marker_col + 1] <= step_) ++marker_col;
  const Rect mc = steps_map_.cell(0, marker_col);
  dl->AddRect({mc.x0 - 1, top_plot.y0 - 1}, {std::max(mc.x1, mc.x0 + 1) + 1, top_plot.y1 + 1}, kMarkerColor, 0, 0, 1.5f);

  const ImVec2 mouse = ImGui::GetMousePos();
  int row = 0, col = 0;
  if (!ctx.deterministic && ImGui::IsItemHovered() && steps_map_.hit(mouse.x, mouse.y, &row, &col)) {
    const int s = step_columns_[col];
    if (ImGui::IsMouseDown(ImGuiMouseButton_Left)) step_ = s;
    const double total = [&] {
      double sum = 0;
      for (int e = 0; e < experts; ++e) sum += t.count(s, layer_, e);
      return sum;
    }();
    ImGui::BeginTooltip();
    ImGui::Text("iteration %lld, layer %d, expert %d", static_cast<long long>(t.step_id(s)), layer_, row);
    ImGui::Text("tokens %s (%.1f%% of the layer, %.2f x mean)", format_count(t.count(s, layer_, row)).c_str(),
                total > 0 ? 100.0 * t.count(s, layer_, row) / total : 0.0,
                total > 0 ? t.count(s, layer_, row) * experts / total : 0.0);
    if (step_columns_[col + 1] - s > 1) ImGui::TextDisabled("column shows the max of %d snapshots", step_columns_[col + 1] - s);
    ImGui::TextDisabled("click to select this snapshot");
    ImGui::EndTooltip();
  }

  // Bottom left: layers (rows) x experts (columns) at the chosen snapshot.
  const ImVec2 bottom_avail = ImGui::GetContentRegionAvail();
  const float bottom_w = bottom_avail.x * 0.55f;
  ImGui::BeginGroup();
  ImGui::Text("Iteration %lld: tokens per expert, all layers", static_cast<long long>(t.step_id(step_)));
  const Rect bottom = reserve_canvas("##layers_map", {bottom_w, bottom_avail.y - font - 6});
  const Rect bottom_plot{bottom.x0 + left_px, bottom.y0 + 2, bottom.x1 - right_px, bottom.y1 - font - 8};
  layers_map_ = HeatmapGeometry(bottom_plot, layers, experts, 1.0f);
  const double step_max = t.step_max(step_);
  layers_texture_.update(cache_key({reinterpret_cast<uintptr_t>(&doc), static_cast<uint64_t>(step_),
                                    static_cast<uint64_t>(scale_)}),
                         layers, experts, [&](int l, int e) { return scale_value(t.count(step_, l, e), step_max, scale_); });
  layers_texture_.draw(dl, layers_map_, background_color());
  for (int l = 0; l < layers; l += std::max(1, static_cast<int>(layers * font * 1.3f / bottom_plot.height()))) {
    const Rect c = layers_map_.cell(l, 0);
    char buf[16];
    std::snprintf(buf, sizeof buf, "L%d", l);
    dl->AddText({bottom_plot.x0 - ImGui::CalcTextSize(buf).x - 6, (c.y0 + c.y1 - font) / 2},
                l == layer_ ? kMarkerColor : kDimTextColor, buf);
  }
  for (int e = 0; e < experts; e += std::max(1, static_cast<int>(experts * font * 2.5f / bottom_plot.width()))) {
    const Rect c = layers_map_.cell(0, e);
    dl->AddText({c.x0 + 1, bottom_plot.y1 + 4}, kDimTextColor, std::to_string(e).c_str());
  }
  draw_colorbar(dl, {bottom_plot.x1 + 8, bottom_plot.y0, bottom_plot.x1 + 20, bottom_plot.y1}, scale_, step_max,
                format_count(step_max));
  const Rect sel = layers_map_.cell(layer_, 0);
  dl->AddRect({bottom_plot.x0 - 2, sel.y0 - 1}, {bottom_plot.x1 + 1, sel.y1 + 1}, kMarkerColor, 0, 0, 1.0f);
  if (!ctx.deterministic && ImGui::IsItemHovered() && layers_map_.hit(mouse.x, mouse.y, &row, &col)) {
    if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) layer_ = row;
    ImGui::BeginTooltip();
    ImGui::Text("iteration %lld, layer %d, expert %d", static_cast<long long>(t.step_id(step_)), row, col);
    ImGui::Text("tokens %s; layer imbalance %.2f", format_count(t.count(step_, row, col)).c_str(),
                t.imbalance(step_, row));
    ImGui::TextDisabled("click to show this layer above");
    ImGui::EndTooltip();
  }
  ImGui::EndGroup();

  // Bottom right: imbalance over training.
  ImGui::SameLine();
  ImGui::BeginGroup();
  ImGui::Text("Imbalance (max / mean tokens per expert) over training");
  const ImVec2 plot_avail = ImGui::GetContentRegionAvail();
  const Rect plot_area = reserve_canvas("##imbalance", {plot_avail.x, plot_avail.y});
  const Rect plot{plot_area.x0 + 44, plot_area.y0 + 2, plot_area.x1 - 8, plot_area.y1 - font - 8};
  std::vector<float> layer_series(steps), mean_series(steps);
  for (int s = 0; s < steps; ++s) {
    layer_series[s] = t.imbalance(s, layer_);
    mean_series[s] = t.mean_imbalance(s);
  }
  const double y_max = std::max(1.0, t.max_imbalance() * 1.05);
  char layer_label[32];
  std::snprintf(layer_label, sizeof layer_label, "layer %d", layer_);
  draw_line_plot(dl, plot,
                 {{mean_series.data(), steps, IM_COL32(150, 150, 160, 255), "mean of layers"},
                  {layer_series.data(), steps, IM_COL32(250, 170, 60, 255), layer_label}},
                 y_max);
  draw_y_axis(dl, plot, 0, y_max, 6, [](double v) { return format_count(v); });
  draw_x_axis(dl, plot, static_cast<double>(t.step_id(0)), static_cast<double>(t.step_id(steps - 1)), 6,
              [](double v) { return format_count(v); });
  const float mx = steps > 1 ? plot.x0 + plot.width() * step_ / (steps - 1) : plot.x0;
  dl->AddLine({mx, plot.y0}, {mx, plot.y1}, kMarkerColor);
  if (!ctx.deterministic && ImGui::IsItemHovered() && plot.contains(mouse.x, mouse.y) && steps > 1) {
    const int s = std::clamp(static_cast<int>((mouse.x - plot.x0) / plot.width() * (steps - 1) + 0.5f), 0, steps - 1);
    if (ImGui::IsMouseDown(ImGuiMouseButton_Left)) step_ = s;
    ImGui::SetTooltip("iteration %lld\nlayer %d: %.2f\nmean of layers: %.2f", static_cast<long long>(t.step_id(s)),
                      layer_, t.imbalance(s, layer_), t.mean_imbalance(s));
  }
  ImGui::EndGroup();

  // Keyboard: left/right step through snapshots, up/down through layers.
  if (!ctx.deterministic && ImGui::IsWindowFocused()) {
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_RightArrow))) step_ = std::min(step_ + 1, steps - 1);
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_LeftArrow))) step_ = std::max(step_ - 1, 0);
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_DownArrow))) layer_ = std::min(layer_ + 1, layers - 1);
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_UpArrow))) layer_ = std::max(layer_ - 1, 0);
  }
}

std::unique_ptr<View> make_expert_load_view() { return std::make_unique<ExpertLoadView>(); }

}  // namespace moesim::viz
