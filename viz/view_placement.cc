#include "viz/view_placement.h"

#include <algorithm>
#include <cstdio>

#include "viz/draw_util.h"
#include "viz/placement_model.h"
#include "viz/ticks.h"

namespace moesim::viz {

Status PlacementView::set_option(const std::string& key, const std::string& value) {
  if (key == "layer") {
    MOESIM_ASSIGN_OR_RETURN(layer_, parse_int_option(key, value));
  } else if (key == "step") {
    MOESIM_ASSIGN_OR_RETURN(step_, parse_int_option(key, value));
  } else {
    return View::set_option(key, value);
  }
  return {};
}

void PlacementView::draw(const Document& doc, ViewContext& ctx) {
  const SimResult& r = doc.result();
  const Placement& placement = r.placement();
  const int num_gpus = static_cast<int>(placement.num_gpus());
  const int slots = static_cast<int>(placement.slots_per_gpu());
  const int experts = static_cast<int>(placement.num_experts());
  const int num_layers = std::max({doc.num_result_layers(), placement.layers_size(), 1});
  const int num_steps = static_cast<int>(doc.layer_steps().size());
  if (step_ < 0) step_ = std::max(0, num_steps - 1);
  layer_ = std::clamp(layer_, 0, num_layers - 1);
  step_ = std::clamp(step_, 0, std::max(0, num_steps - 1));

  ImGui::SetNextItemWidth(200);
  ImGui::SliderInt("layer", &layer_, 0, num_layers - 1);
  if (num_steps > 1) {
    ImGui::SameLine();
    ImGui::SetNextItemWidth(260);
    char label[48];
    std::snprintf(label, sizeof label, "step %u", doc.layer_steps()[step_]);
    ImGui::SliderInt("##step", &step_, 0, num_steps - 1, label);
  }
  ImGui::SameLine();
  ImGui::TextDisabled("| policy %s, %d GPUs x %d slots, %d experts", placement.policy().c_str(), num_gpus, slots, experts);

  const LayerPlacement* lp = placement_for_layer(placement, layer_);
  const LayerResult* lr = doc.layer_result(step_, layer_);
  std::vector<double> expert_load(experts, 0.0);
  if (lr != nullptr) {
    for (int e = 0; e < std::min(experts, lr->expert_load_size()); ++e) expert_load[e] = lr->expert_load(e);
  }
  if (lp == nullptr) {
    ImGui::TextWrapped("The placement has no entry for layer %d.", layer_);
    return;
  }
  const std::vector<int> replicas = replica_counts(*lp, experts);
  const std::vector<double> slot_load = slot_loads(*lp, expert_load, experts);
  std::vector<double> gpu_load = gpu_loads(slot_load, num_gpus, slots);
  if (lr != nullptr && lr->tokens_per_gpu_size() == num_gpus) {
    // The simulator's count (after de-duplicating tokens sent to several experts on one GPU)
    // is the truth; the even split above only colours the slots.
    for (int gpu = 0; gpu < num_gpus; ++gpu) gpu_load[gpu] = lr->tokens_per_gpu(gpu);
  }
  const double max_slot = slot_load.empty() ? 0.0 : *std::max_element(slot_load.begin(), slot_load.end());

  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float font = ImGui::GetFontSize();
  const Rect top = reserve_canvas("##slots", {avail.x, avail.y * 0.6f});
  const Rect slots_area{top.x0 + 8, top.y0 + 4, top.x1 - 80, top.y1 - 4};

  // Hosts in a grid of boxes; each box holds its GPUs' slot columns.
  const std::vector<int>& node_of = doc.node_of_gpu();
  const int num_nodes = doc.num_nodes();
  std::vector<std::vector<int>> gpus_of_node(num_nodes);
  for (int gpu = 0; gpu < num_gpus; ++gpu) gpus_of_node[gpu < static_cast<int>(node_of.size()) ? node_of[gpu] : 0].push_back(gpu);
  int max_gpus_per_node = 1;
  for (const auto& list : gpus_of_node) max_gpus_per_node = std::max(max_gpus_per_node, static_cast<int>(list.size()));
  const float min_box_w = max_gpus_per_node * 24.0f + 12;
  const int box_cols = std::clamp(static_cast<int>(slots_area.width() / min_box_w), 1, num_nodes);
  const int box_rows = (num_nodes + box_cols - 1) / box_cols;
  const float box_w = slots_area.width() / box_cols, box_h = slots_area.height() / box_rows;
  gpu_columns_.assign(num_gpus, Rect{});
  const ImVec2 mouse = ImGui::GetMousePos();
  const bool hovered = !ctx.deterministic && ImGui::IsItemHovered();
  int hover_slot = -1;
  for (int n = 0; n < num_nodes; ++n) {
    const float bx = slots_area.x0 + (n % box_cols) * box_w, by = slots_area.y0 + (n / box_cols) * box_h;
    const Rect box{bx + 2, by + 2, bx + box_w - 4, by + box_h - 4};
    dl->AddRectFilled({box.x0, box.y0}, {box.x1, box.y1}, IM_COL32(32, 32, 40, 255), 4.0f);
    char buf[32];
    std::snprintf(buf, sizeof buf, "node %d", n);
    dl->AddText({box.x0 + 4, box.y0 + 2}, kTextColor, buf);
    const auto& gpus = gpus_of_node[n];
    if (gpus.empty()) continue;
    const Rect inner{box.x0 + 4, box.y0 + font + 6, box.x1 - 4, box.y1 - font - 6};
    const HeatmapGeometry grid(inner, slots, static_cast<int>(gpus.size()), 2.0f);
    for (int k = 0; k < static_cast<int>(gpus.size()); ++k) {
      const int gpu = gpus[k];
      const Rect top_cell = grid.cell(0, k), bottom_cell = grid.cell(slots - 1, k);
      gpu_columns_[gpu] = {top_cell.x0, top_cell.y0, top_cell.x1, bottom_cell.y1};
      std::snprintf(buf, sizeof buf, "G%d", gpu);
      draw_centered_text(dl, {top_cell.x0 - 4, inner.y1 + 2, top_cell.x1 + 4, inner.y1 + font + 4}, kDimTextColor, buf);
      for (int s = 0; s < slots; ++s) {
        const int slot = gpu * slots + s;
        const Rect c = grid.cell(s, k);
        const int e = slot < lp->phy2log_size() ? lp->phy2log(slot) : -1;
        if (e < 0) {
          dl->AddRect({c.x0, c.y0}, {c.x1, c.y1}, IM_COL32(70, 70, 80, 255));
          continue;
        }
        const Rgb8 col = heat_color(scale_value(slot_load[slot], max_slot, ValueScale::kLinear));
        dl->AddRectFilled({c.x0, c.y0}, {c.x1, c.y1}, to_im(col));
        if (e < static_cast<int>(replicas.size()) && replicas[e] > 1) {
          dl->AddRect({c.x0, c.y0}, {c.x1, c.y1}, IM_COL32(255, 255, 255, 255), 0, 0, 1.5f);
        }
        std::snprintf(buf, sizeof buf, "%d", e);
        draw_centered_text(dl, c, relative_luminance(col) > 0.3 ? IM_COL32(10, 10, 10, 255) : IM_COL32(235, 235, 235, 255), buf);
        if (hovered && c.contains(mouse.x, mouse.y)) hover_slot = slot;
      }
    }
  }
  draw_colorbar(dl, {top.x1 - 70, slots_area.y0, top.x1 - 58, slots_area.y1}, ValueScale::kLinear, max_slot,
                format_count(max_slot));
  if (hover_slot >= 0) {
    const int e = lp->phy2log(hover_slot);
    ImGui::BeginTooltip();
    ImGui::Text("GPU %d slot %d: expert %d", hover_slot / slots, hover_slot % slots, e);
    ImGui::Text("expert load %s tokens, %d replica(s)", format_count(expert_load[e]).c_str(), replicas[e]);
    ImGui::Text("this slot: %s tokens (load / replicas)", format_count(slot_load[hover_slot]).c_str());
    ImGui::EndTooltip();
  }

  // Tokens received per GPU against the mean.
  ImGui::Text("Tokens received per GPU, step %u layer %d (line: mean)", num_steps ? doc.layer_steps()[step_] : 0, layer_);
  const ImVec2 rest = ImGui::GetContentRegionAvail();
  const Rect bars_area = reserve_canvas("##bars", rest);
  const Rect plot{bars_area.x0 + 60, bars_area.y0 + 6, bars_area.x1 - 80, bars_area.y1 - font - 8};
  dl->AddRectFilled({plot.x0, plot.y0}, {plot.x1, plot.y1}, kPanelColor);
  double mean = 0, max_load = 0;
  for (double v : gpu_load) {
    mean += v;
    max_load = std::max(max_load, v);
  }
  mean /= std::max(num_gpus, 1);
  const double y_max = std::max(max_load * 1.1, 1e-9);
  const HeatmapGeometry bar_grid(plot, 1, num_gpus, 2.0f);
  gpu_bars_.assign(num_gpus, Rect{});
  int hover_gpu = -1;
  const bool bars_hovered = !ctx.deterministic && ImGui::IsItemHovered();
  for (int gpu = 0; gpu < num_gpus; ++gpu) {
    const Rect c = bar_grid.cell(0, gpu);
    const float y = plot.y1 - static_cast<float>(gpu_load[gpu] / y_max) * plot.height();
    gpu_bars_[gpu] = {c.x0, y, c.x1, plot.y1};
    const int node = gpu < static_cast<int>(node_of.size()) ? node_of[gpu] : 0;
    const ImU32 col = gpu_load[gpu] > mean * 1.0001 ? IM_COL32(235, 120, 70, 255)
                      : node % 2 ? IM_COL32(90, 150, 210, 255) : IM_COL32(110, 170, 230, 255);
    dl->AddRectFilled({c.x0, y}, {c.x1, plot.y1}, col);
    if (bars_hovered && mouse.x >= c.x0 && mouse.x < c.x1 + bar_grid.gap_x() && plot.contains(mouse.x, mouse.y)) hover_gpu = gpu;
  }
  mean_line_y_ = plot.y1 - static_cast<float>(mean / y_max) * plot.height();
  dl->AddLine({plot.x0, mean_line_y_}, {plot.x1, mean_line_y_}, kMarkerColor, 1.5f);
  char buf[64];
  std::snprintf(buf, sizeof buf, "mean %s, max/mean %.2f", format_count(mean).c_str(), mean > 0 ? max_load / mean : 0.0);
  dl->AddText({plot.x1 + 4, mean_line_y_ - font / 2}, kMarkerColor, "mean");
  dl->AddText({plot.x0 + 6, plot.y0 + 2}, kTextColor, buf);
  draw_y_axis(dl, plot, 0, y_max, 5, [](double v) { return format_count(v); });
  draw_x_axis(dl, plot, -0.5, num_gpus - 0.5, std::min(num_gpus, 16), [](double v) {
    std::string s = "G";
    s += format_count(v);
    return s;
  });
  if (hover_gpu >= 0) {
    ImGui::SetTooltip("GPU %d (node %d): %s tokens, %.2f x mean", hover_gpu,
                      hover_gpu < static_cast<int>(node_of.size()) ? node_of[hover_gpu] : 0,
                      format_count(gpu_load[hover_gpu]).c_str(), mean > 0 ? gpu_load[hover_gpu] / mean : 0.0);
  }
}

std::unique_ptr<View> make_placement_view() { return std::make_unique<PlacementView>(); }

}  // namespace moesim::viz
