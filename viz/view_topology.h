// The cluster graph laid out by tiers (GPUs, NVSwitches/NICs, leaf, spine), hosts as bands;
// each physical link is one line coloured by the higher utilisation of its two directions
// (scaled to the busiest link, stated on the colour bar). Hovering a link shows bytes, busy
// time and utilisation per direction; hovering a vertex shows what it is.
// UI thread only.
#pragma once

#include <vector>

#include "viz/topology_layout.h"
#include "viz/view.h"

namespace moesim::viz {

class TopologyView : public View {
 public:
  const char* name() const override { return "topology"; }
  const char* title() const override { return "Topology"; }
  bool accepts(const Document& doc) const override {
    return doc.is_result() && doc.result().topology().vertices_size() > 0;
  }
  const char* requirement() const override { return "a result with a topology graph"; }
  void draw(const Document& doc, ViewContext& ctx) override;

  const TopologyLayout& layout() const { return layout_; }
  const std::vector<LinkPair>& pairs() const { return pairs_; }

 private:
  void prepare(const Document& doc);

  const Document* doc_ = nullptr;
  std::vector<LinkPair> pairs_;
  std::vector<const LinkResult*> stats_;  // per directed link, nullptr when none
  double max_utilization_ = 0;
  TopologyLayout layout_;
  Rect layout_area_;
};

}  // namespace moesim::viz
