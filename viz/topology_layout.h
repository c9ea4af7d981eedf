// Where the cluster graph's vertices go on screen: one row per tier (GPUs at the bottom, then
// NVSwitches/NICs, leaf and spine switches on top), hosts side by side as bands whose width
// follows their vertex count, fabric switches spread over the whole width. Also pairs the two
// directions of each physical link so a link is drawn (and hovered) once.
// Pure functions of the graph; thread-safe.
#pragma once

#include <vector>

#include "traces/proto/cluster.pb.h"
#include "viz/geometry.h"

namespace moesim::viz {

struct TopologyLayout {
  std::vector<Vec2> position;    // per vertex
  std::vector<int> tier_row;     // row of each vertex, 0 = bottom row
  std::vector<int> tiers;        // the tier value of each row, bottom to top
  std::vector<Rect> node_band;   // horizontal band of each host (by index in `nodes`)
  std::vector<int> nodes;        // host ids in drawing order
  float row_height_px = 0;
};

TopologyLayout layout_topology(const TopologyGraph& graph, Rect area);

// A physical link: its two directed links (reverse = -1 when the graph has only one).
struct LinkPair {
  int a = 0, b = 0;      // vertices, a < b
  int forward = -1;      // directed link a->b (or b->a when only that exists)
  int reverse = -1;      // the opposite direction
};
std::vector<LinkPair> pair_links(const TopologyGraph& graph);

// The host of each GPU rank 0..num_gpus-1 from the graph's GPU vertices; ranks the graph does
// not name get node 0.
std::vector<int> node_of_gpu(const TopologyGraph& graph, int num_gpus);

// Distance in pixels from p to the segment a-b.
float distance_to_segment(Vec2 p, Vec2 a, Vec2 b);

}  // namespace moesim::viz
