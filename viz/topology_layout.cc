#include "viz/topology_layout.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace moesim::viz {

TopologyLayout layout_topology(const TopologyGraph& graph, Rect area) {
  TopologyLayout out;
  const int n = graph.vertices_size();
  out.position.resize(n);
  out.tier_row.resize(n);
  if (n == 0) return out;

  std::set<int> tier_set;
  std::set<int> node_set;
  for (const auto& v : graph.vertices()) {
    tier_set.insert(v.tier());
    if (v.node() >= 0) node_set.insert(v.node());
  }
  out.tiers.assign(tier_set.begin(), tier_set.end());
  out.nodes.assign(node_set.begin(), node_set.end());
  const int rows = static_cast<int>(out.tiers.size());
  std::map<int, int> row_of_tier;
  for (int r = 0; r < rows; ++r) row_of_tier[out.tiers[r]] = r;

  // Rows evenly spaced, bottom row at the bottom with half a row of margin.
  out.row_height_px = area.height() / std::max(rows, 1);
  auto row_y = [&](int r) { return area.y1 - (r + 0.5f) * out.row_height_px; };

  // Host bands: width proportional to the host's widest tier (its GPUs, usually).
  std::map<int, int> node_index;
  for (size_t i = 0; i < out.nodes.size(); ++i) node_index[out.nodes[i]] = static_cast<int>(i);
  std::map<std::pair<int, int>, std::vector<int>> members;  // (node or -1, row) -> vertices
  for (int i = 0; i < n; ++i) {
    const auto& v = graph.vertices(i);
    out.tier_row[i] = row_of_tier[v.tier()];
    members[{v.node() >= 0 ? v.node() : -1, out.tier_row[i]}].push_back(i);
  }
  // Order within a group: GPUs by rank, others by vertex index (already in that order).
  for (auto& [key, list] : members) {
    std::stable_sort(list.begin(), list.end(), [&](int a, int b) {
      const int ra = graph.vertices(a).rank(), rb = graph.vertices(b).rank();
      if (ra >= 0 && rb >= 0) return ra < rb;
      return false;
    });
  }
  std::vector<int> node_weight(out.nodes.size(), 1);
  for (const auto& [key, list] : members) {
    if (key.first >= 0) {
      int& w = node_weight[node_index[key.first]];
      w = std::max(w, static_cast<int>(list.size()));
    }
  }
  const int total_weight = std::max(1, [&] {
    int s = 0;
    for (int w : node_weight) s += w;
    return s;
  }());
  const float band_gap_px = out.nodes.size() > 1 ? std::min(16.0f, area.width() * 0.02f) : 0.0f;
  const float usable = area.width() - band_gap_px * std::max<int>(0, static_cast<int>(out.nodes.size()) - 1);
  float x = area.x0;
  for (size_t i = 0; i < out.nodes.size(); ++i) {
    const float w = usable * node_weight[i] / total_weight;
    out.node_band.push_back({x, area.y0, x + w, area.y1});
    x += w + band_gap_px;
  }

  for (const auto& [key, list] : members) {
    const Rect band = key.first >= 0 ? out.node_band[node_index[key.first]] : area;
    const int count = static_cast<int>(list.size());
    for (int k = 0; k < count; ++k) {
      const int v = list[k];
      out.position[v] = {band.x0 + (k + 0.5f) * band.width() / count, row_y(out.tier_row[v])};
    }
  }
  return out;
}

std::vector<LinkPair> pair_links(const TopologyGraph& graph) {
  std::map<std::pair<int, int>, size_t> seen;
  std::vector<LinkPair> pairs;
  for (int i = 0; i < graph.links_size(); ++i) {
    const int s = static_cast<int>(graph.links(i).src());
    const int d = static_cast<int>(graph.links(i).dst());
    const std::pair<int, int> key{std::min(s, d), std::max(s, d)};
    auto it = seen.find(key);
    if (it == seen.end()) {
      seen[key] = pairs.size();
      pairs.push_back({key.first, key.second, i, -1});
    } else if (pairs[it->second].reverse < 0) {
      pairs[it->second].reverse = i;
    }
  }
  return pairs;
}

std::vector<int> node_of_gpu(const TopologyGraph& graph, int num_gpus) {
  std::vector<int> node(std::max(num_gpus, 0), 0);
  for (const auto& v : graph.vertices()) {
    if (v.kind() == "gpu" && v.rank() >= 0 && v.rank() < num_gpus) node[v.rank()] = std::max(v.node(), 0);
  }
  return node;
}

float distance_to_segment(Vec2 p, Vec2 a, Vec2 b) {
  const float dx = b.x - a.x, dy = b.y - a.y;
  const float len2 = dx * dx + dy * dy;
  float t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0.0f;
  t = std::clamp(t, 0.0f, 1.0f);
  const float qx = a.x + t * dx - p.x, qy = a.y + t * dy - p.y;
  return std::sqrt(qx * qx + qy * qy);
}

}  // namespace moesim::viz
