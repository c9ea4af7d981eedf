#include "viz/view_topology.h"

#include <algorithm>
#include <cstdio>

#include "viz/draw_util.h"
#include "viz/ticks.h"

namespace moesim::viz {
namespace {

Rgb8 vertex_color(const std::string& kind) {
  if (kind == "gpu") return {80, 190, 110};
  if (kind == "nvswitch") return {90, 150, 230};
  if (kind == "nic") return {230, 160, 60};
  return {170, 120, 220};  // network switches
}

const char* tier_name(int tier) {
  switch (tier) {
    case 0: return "GPUs";
    case 1: return "NVSwitch / NIC";
    case 2: return "leaf";
    case 3: return "spine";
    default: return "tier";
  }
}

}  // namespace

void TopologyView::prepare(const Document& doc) {
  doc_ = &doc;
  layout_area_ = Rect{};  // forces a new layout
  const SimResult& r = doc.result();
  pairs_ = pair_links(r.topology());
  stats_.assign(r.topology().links_size(), nullptr);
  max_utilization_ = 0;
  for (const auto& l : r.links()) {
    if (l.link() < stats_.size()) {
      stats_[l.link()] = &l;
      max_utilization_ = std::max(max_utilization_, l.utilization());
    }
  }
}

void TopologyView::draw(const Document& doc, ViewContext& ctx) {
  if (doc_ != &doc) prepare(doc);
  const TopologyGraph& g = doc.result().topology();
  ImGui::Text("%s: %d vertices, %zu links", g.name().empty() ? "topology" : g.name().c_str(), g.vertices_size(),
              pairs_.size());
  ImGui::SameLine();
  ImGui::TextDisabled("| link colour: utilisation (bytes / (bandwidth x time)), relative to the busiest link");

  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const Rect canvas = reserve_canvas("##topology", avail);
  const Rect area{canvas.x0 + 110, canvas.y0 + 10, canvas.x1 - 90, canvas.y1 - 10};
  if (area.x0 != layout_area_.x0 || area.y0 != layout_area_.y0 || area.x1 != layout_area_.x1 ||
      area.y1 != layout_area_.y1 || layout_.position.size() != static_cast<size_t>(g.vertices_size())) {
    layout_ = layout_topology(g, area);
    layout_area_ = area;
  }

  // Host bands and tier labels.
  for (size_t i = 0; i < layout_.nodes.size(); ++i) {
    const Rect& b = layout_.node_band[i];
    dl->AddRectFilled({b.x0, b.y0}, {b.x1, b.y1}, IM_COL32(30, 30, 38, 255), 4.0f);
    char buf[24];
    std::snprintf(buf, sizeof buf, "node %d", layout_.nodes[i]);
    if (b.width() > ImGui::CalcTextSize(buf).x + 4) dl->AddText({b.x0 + 3, b.y1 - ImGui::GetFontSize() - 2}, kDimTextColor, buf);
  }
  for (size_t r = 0; r < layout_.tiers.size(); ++r) {
    const float y = area.y1 - (r + 0.5f) * layout_.row_height_px;
    dl->AddText({canvas.x0 + 4, y - ImGui::GetFontSize() / 2}, kTextColor, tier_name(layout_.tiers[r]));
  }

  auto utilization = [&](int link) { return link >= 0 && stats_[link] != nullptr ? stats_[link]->utilization() : 0.0; };
  const ImVec2 mouse = ImGui::GetMousePos();
  const bool hovered = !ctx.deterministic && ImGui::IsItemHovered();
  int hover_pair = -1;
  float hover_dist = 5.0f;
  // Idle links first so busy ones are drawn on top.
  std::vector<int> order(pairs_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::vector<double> pair_util(pairs_.size());
  for (size_t i = 0; i < pairs_.size(); ++i) {
    pair_util[i] = std::max(utilization(pairs_[i].forward), utilization(pairs_[i].reverse));
  }
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return pair_util[a] < pair_util[b]; });
  const float thickness = pairs_.size() > 2000 ? 1.0f : 2.0f;
  for (int i : order) {
    const LinkPair& p = pairs_[i];
    const Vec2 a = layout_.position[p.a], b = layout_.position[p.b];
    const ImU32 col = pair_util[i] > 0 ? to_im(heat_color(0.15 + 0.85 * pair_util[i] / max_utilization_))
                                       : IM_COL32(70, 70, 80, 255);
    dl->AddLine(to_im(a), to_im(b), col, thickness);
    if (hovered) {
      const float d = distance_to_segment({mouse.x, mouse.y}, a, b);
      if (d < hover_dist) {
        hover_dist = d;
        hover_pair = i;
      }
    }
  }
  if (hover_pair >= 0) {
    const LinkPair& p = pairs_[hover_pair];
    dl->AddLine(to_im(layout_.position[p.a]), to_im(layout_.position[p.b]), kMarkerColor, 3.0f);
  }

  // Vertices: squares sized to the row's density.
  int hover_vertex = -1;
  std::vector<int> row_count(layout_.tiers.size(), 0);
  for (int r : layout_.tier_row) ++row_count[r];
  for (int v = 0; v < g.vertices_size(); ++v) {
    const Vec2 c = layout_.position[v];
    const int same_row = row_count[layout_.tier_row[v]];
    const float half = std::clamp(area.width() / std::max(same_row, 1) * 0.3f, 1.5f, 9.0f);
    dl->AddRectFilled({c.x - half, c.y - half}, {c.x + half, c.y + half}, to_im(vertex_color(g.vertices(v).kind())), 2.0f);
    if (hovered && std::abs(mouse.x - c.x) <= half + 1 && std::abs(mouse.y - c.y) <= half + 1) hover_vertex = v;
  }

  draw_colorbar(dl, {canvas.x1 - 80, area.y0, canvas.x1 - 68, area.y1}, ValueScale::kLinear, max_utilization_,
                [&] {
                  char buf[32];
                  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * max_utilization_);
                  return std::string(buf);
                }());

  if (hover_vertex >= 0) {
    const auto& v = g.vertices(hover_vertex);
    ImGui::BeginTooltip();
    ImGui::Text("%s (%s)", v.name().c_str(), v.kind().c_str());
    if (v.node() >= 0) ImGui::Text("node %d", v.node());
    if (v.rank() >= 0) ImGui::Text("GPU rank %d", v.rank());
    ImGui::EndTooltip();
  } else if (hover_pair >= 0) {
    const LinkPair& p = pairs_[hover_pair];
    ImGui::BeginTooltip();
    const TopologyLink& fl = g.links(p.forward);
    ImGui::Text("%s <-> %s  (%s, %s/s, latency %s)", g.vertices(p.a).name().c_str(), g.vertices(p.b).name().c_str(),
                fl.link_class().c_str(), format_bytes(fl.bandwidth_bytes_per_s()).c_str(),
                format_time_s(fl.latency_s()).c_str());
    for (int link : {p.forward, p.reverse}) {
      if (link < 0) continue;
      const TopologyLink& l = g.links(link);
      const LinkResult* s = stats_[link];
      ImGui::Text("%s -> %s: %s, busy %s, utilisation %.1f%%", g.vertices(static_cast<int>(l.src())).name().c_str(),
                  g.vertices(static_cast<int>(l.dst())).name().c_str(), format_bytes(s ? s->bytes() : 0).c_str(),
                  format_time_s(s ? s->busy_time_s() : 0).c_str(), 100 * (s ? s->utilization() : 0));
    }
    ImGui::EndTooltip();
  }
}

std::unique_ptr<View> make_topology_view() { return std::make_unique<TopologyView>(); }

}  // namespace moesim::viz
