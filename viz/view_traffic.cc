#include "viz/view_traffic.h"

#include <algorithm>
#include <cstdio>

#include "viz/draw_util.h"
#include "viz/ticks.h"
#include "viz/traffic_model.h"

namespace moesim::viz {
namespace {

bool result_has_traffic(const SimResult& r) {
  for (const auto& l : r.layers()) {
    if (l.traffic_bytes_size() > 0) return true;
  }
  return false;
}

// Draws a labelled square matrix heat map into `area`; returns its geometry.
HeatmapGeometry draw_matrix(ImDrawList* dl, Rect area, const SquareMatrix& m, const char* axis_prefix,
                            ValueScale scale, HeatmapTexture* texture, uint64_t key) {
  const float font = ImGui::GetFontSize();
  const float side = std::max(10.0f, std::min(area.width() - 60, area.height() - font - 30));
  const Rect plot{area.x0 + 44, area.y0 + font + 6, area.x0 + 44 + side, area.y0 + font + 6 + side};
  HeatmapGeometry g(plot, m.n, m.n, 1.0f);
  const double max_v = m.max();
  texture->update(key, m.n, m.n, [&](int r, int c) { return scale_value(m.at(r, c), max_v, scale); });
  texture->draw(dl, g, background_color());
  const int label_every = std::max(1, static_cast<int>(m.n * font * 1.6f / side));
  for (int i = 0; i < m.n; i += label_every) {
    const Rect row = g.cell(i, 0), col = g.cell(0, i);
    const std::string s = axis_prefix + std::to_string(i);
    dl->AddText({plot.x0 - ImGui::CalcTextSize(s.c_str()).x - 4, (row.y0 + row.y1 - font) / 2}, kDimTextColor, s.c_str());
    dl->AddText({col.x0, plot.y0 - font - 2}, kDimTextColor, std::to_string(i).c_str());
  }
  dl->AddText({plot.x0 - 40, plot.y1 + 4}, kDimTextColor, "rows: source, columns: destination");
  return g;
}

}  // namespace

bool TrafficView::accepts(const Document& doc) const {
  return doc.is_result() ? result_has_traffic(doc.result()) : trace_has_rank_traffic(doc.trace());
}

Status TrafficView::set_option(const std::string& key, const std::string& value) {
  if (key == "layer") {
    MOESIM_ASSIGN_OR_RETURN(layer_, parse_int_option(key, value));
  } else if (key == "step") {
    MOESIM_ASSIGN_OR_RETURN(step_, parse_int_option(key, value));
  } else {
    return View::set_option(key, value);
  }
  return {};
}

void TrafficView::draw(const Document& doc, ViewContext& ctx) {
  const bool is_result = doc.is_result();
  const int num_steps = is_result ? static_cast<int>(doc.layer_steps().size()) : doc.load().num_steps();
  const int num_layers = is_result ? doc.num_result_layers() : doc.load().num_layers();
  if (step_ < 0) step_ = num_steps - 1;
  step_ = std::clamp(step_, 0, std::max(num_steps - 1, 0));
  layer_ = std::clamp(layer_, 0, std::max(num_layers - 1, 0));

  ImGui::SetNextItemWidth(200);
  ImGui::SliderInt("layer", &layer_, 0, std::max(num_layers - 1, 0));
  ImGui::SameLine();
  ImGui::SetNextItemWidth(300);
  char label[64];
  const long long step_id = is_result ? doc.layer_steps()[step_] : static_cast<long long>(doc.load().step_id(step_));
  std::snprintf(label, sizeof label, "%s %lld", is_result ? "step" : "iteration", step_id);
  ImGui::SliderInt("##step", &step_, 0, std::max(num_steps - 1, 0), label);

  SquareMatrix gpu;
  std::vector<int> node_of;
  const char* unit = "bytes";
  if (is_result) {
    const LayerResult* lr = doc.layer_result(step_, layer_);
    const int n = doc.num_gpus();
    if (lr == nullptr || lr->traffic_bytes_size() != n * n) {
      ImGui::TextWrapped("No traffic matrix for step %lld, layer %d (the simulator records them on request).", step_id, layer_);
      return;
    }
    gpu.n = n;
    gpu.v.assign(lr->traffic_bytes().begin(), lr->traffic_bytes().end());
    node_of = doc.node_of_gpu();
  } else {
    gpu = rank_traffic(doc.trace(), step_, layer_);
    unit = "tokens";
    node_of.assign(gpu.n, 0);
    for (int r = 0; r < gpu.n; ++r) node_of[r] = r;  // a trace knows ranks, not hosts
  }
  const SquareMatrix node = aggregate_by_node(gpu.v, gpu.n, node_of);
  double total = 0, intra = 0;
  for (int s = 0; s < gpu.n; ++s) {
    for (int d = 0; d < gpu.n; ++d) {
      total += gpu.at(s, d);
      if (node_of[s] == node_of[d]) intra += gpu.at(s, d);
    }
  }
  ImGui::SameLine();
  if (is_result) {
    ImGui::TextDisabled("| %s dispatched, %.1f%% inside hosts", format_bytes(total).c_str(), total > 0 ? 100 * intra / total : 0.0);
  } else {
    ImGui::TextDisabled("| %s tokens; expert e on rank e / %u (contiguous layout)", format_count(total).c_str(),
                        doc.trace().num_experts() / std::max(1u, doc.trace().num_ranks()));
  }

  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const Rect canvas = reserve_canvas("##traffic", avail);
  const bool show_nodes = is_result && node.n > 1;
  const float split = show_nodes ? canvas.x0 + canvas.width() * 0.58f : canvas.x1;
  const char* gpu_title = is_result ? "GPU -> GPU dispatch bytes" : "rank -> rank tokens";
  dl->AddText({canvas.x0 + 4, canvas.y0}, kTextColor, gpu_title);
  const Rect left{canvas.x0, canvas.y0 + ImGui::GetFontSize() + 4, split - 70, canvas.y1};
  const uint64_t key = cache_key({reinterpret_cast<uintptr_t>(&doc), static_cast<uint64_t>(step_),
                                  static_cast<uint64_t>(layer_)});
  gpu_map_ = draw_matrix(dl, left, gpu, is_result ? "G" : "R", ValueScale::kLinear, &gpu_texture_, key);
  const double gpu_max = gpu.max();
  draw_colorbar(dl, {gpu_map_.area().x1 + 8, gpu_map_.area().y0, gpu_map_.area().x1 + 20, gpu_map_.area().y1},
                ValueScale::kLinear, gpu_max, is_result ? format_bytes(gpu_max) : format_count(gpu_max));
  node_map_ = HeatmapGeometry();
  if (show_nodes) {
    dl->AddText({split + 4, canvas.y0}, kTextColor, "host -> host dispatch bytes");
    const Rect right{split, canvas.y0 + ImGui::GetFontSize() + 4, canvas.x1 - 80, canvas.y1};
    node_map_ = draw_matrix(dl, right, node, "N", ValueScale::kLinear, &node_texture_, key);
    const double node_max = node.max();
    draw_colorbar(dl, {node_map_.area().x1 + 8, node_map_.area().y0, node_map_.area().x1 + 20, node_map_.area().y1},
                  ValueScale::kLinear, node_max, format_bytes(node_max));
  }

  const ImVec2 mouse = ImGui::GetMousePos();
  int r = 0, c = 0;
  if (!ctx.deterministic && ImGui::IsItemHovered()) {
    if (gpu_map_.hit(mouse.x, mouse.y, &r, &c)) {
      ImGui::SetTooltip("%s %d -> %s %d: %s %s", is_result ? "GPU" : "rank", r, is_result ? "GPU" : "rank", c,
                        is_result ? format_bytes(gpu.at(r, c)).c_str() : format_count(gpu.at(r, c)).c_str(),
                        is_result ? "" : unit);
    } else if (show_nodes && node_map_.hit(mouse.x, mouse.y, &r, &c)) {
      ImGui::SetTooltip("node %d -> node %d: %s", r, c, format_bytes(node.at(r, c)).c_str());
    }
  }
}

std::unique_ptr<View> make_traffic_view() { return std::make_unique<TrafficView>(); }

}  // namespace moesim::viz
