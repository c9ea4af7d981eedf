#include "sim/network/max_min_solver.h"

#include <gtest/gtest.h>

namespace moesim {
namespace {

// Builds CSR paths from per-flow (link, share) lists.
struct Paths {
  std::vector<uint64_t> begin, end;
  std::vector<uint32_t> link;
  std::vector<float> share;
  void add(std::vector<std::pair<uint32_t, float>> p) {
    begin.push_back(link.size());
    for (auto [l, s] : p) {
      link.push_back(l);
      share.push_back(s);
    }
    end.push_back(link.size());
  }
  FlowPaths view() const {
    FlowPaths f;
    f.begin = begin.data();
    f.end = end.data();
    f.link = link.data();
    f.share = share.data();
    f.num_flows = static_cast<uint32_t>(begin.size());
    return f;
  }
};

std::vector<double> solve(const Paths& p, std::vector<double> cap) {
  MaxMinSolver s(static_cast<uint32_t>(cap.size()));
  std::vector<double> rate(p.begin.size());
  s.solve_batch(p.view(), cap.data(), rate.data());
  return rate;
}

TEST(MaxMinSolver, TwoBottlenecks) {
  // L0 (cap 10): f0, f1.  L1 (cap 4): f1, f2.
  // L1 saturates first at level 4/2 = 2 (L0 would at 10/2 = 5): f1 = f2 = 2.
  // L0 then has 10 - 2 = 8 left for f0 alone: f0 = 8.
  Paths p;
  p.add({{0, 1}});
  p.add({{0, 1}, {1, 1}});
  p.add({{1, 1}});
  auto r = solve(p, {10, 4});
  EXPECT_DOUBLE_EQ(r[0], 8);
  EXPECT_DOUBLE_EQ(r[1], 2);
  EXPECT_DOUBLE_EQ(r[2], 2);
}

TEST(MaxMinSolver, ParkingLot) {
  // A long flow over three unit links, one short flow on each: every flow gets 1/2.
  Paths p;
  p.add({{0, 1}, {1, 1}, {2, 1}});
  p.add({{0, 1}});
  p.add({{1, 1}});
  p.add({{2, 1}});
  auto r = solve(p, {1, 1, 1});
  for (double x : r) EXPECT_DOUBLE_EQ(x, 0.5);
}

TEST(MaxMinSolver, ThreeLevels) {
  // L0 (cap 3): f0, f1, f2.  L1 (cap 0.5): f2.  L2 (cap 1): f1.
  // Level 0.5: L1 saturates, f2 = 0.5. L0 has 2.5 for f0, f1 -> 1.25 each, but L2 caps f1 at 1
  // first (level 1 < 1.25): f1 = 1. Then f0 takes the rest of L0: 3 - 0.5 - 1 = 1.5.
  Paths p;
  p.add({{0, 1}});
  p.add({{0, 1}, {2, 1}});
  p.add({{0, 1}, {1, 1}});
  auto r = solve(p, {3, 0.5, 1});
  EXPECT_DOUBLE_EQ(r[2], 0.5);
  EXPECT_DOUBLE_EQ(r[1], 1.0);
  EXPECT_DOUBLE_EQ(r[0], 1.5);
}

TEST(MaxMinSolver, EcmpShares) {
  // f0 splits evenly over L0 and L1 (share 1/2 each); f1 uses L0 only. Caps 1 and 1.
  // L0: 0.5 r0 + r1 <= 1 saturates at level 1 / 1.5 = 2/3; L1 would at 1 / 0.5 = 2.
  Paths p;
  p.add({{0, 0.5f}, {1, 0.5f}});
  p.add({{0, 1}});
  auto r = solve(p, {1, 1});
  EXPECT_NEAR(r[0], 2.0 / 3, 1e-12);
  EXPECT_NEAR(r[1], 2.0 / 3, 1e-12);
}

TEST(MaxMinSolver, FeasibleAndBottlenecked) {
  // Random instances: every link load <= capacity, and every flow crosses a saturated link on
  // which it has the largest rate (the max-min characterisation).
  uint64_t x = 12345;
  auto rnd = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (int trial = 0; trial < 50; ++trial) {
    const int links = 2 + rnd() % 8, flows = 1 + rnd() % 30;
    std::vector<double> cap(links);
    for (auto& c : cap) c = 1 + rnd() % 100;
    Paths p;
    for (int f = 0; f < flows; ++f) {
      std::vector<std::pair<uint32_t, float>> path;
      for (int l = 0; l < links; ++l) {
        if (rnd() % 3 == 0) path.push_back({static_cast<uint32_t>(l), 1.0f});
      }
      if (path.empty()) path.push_back({static_cast<uint32_t>(rnd() % links), 1.0f});
      p.add(path);
    }
    auto r = solve(p, cap);
    std::vector<double> load(links, 0), max_rate(links, 0);
    for (int f = 0; f < flows; ++f) {
      for (uint64_t i = p.begin[f]; i < p.end[f]; ++i) {
        load[p.link[i]] += r[f];
        max_rate[p.link[i]] = std::max(max_rate[p.link[i]], r[f]);
      }
    }
    for (int l = 0; l < links; ++l) EXPECT_LE(load[l], cap[l] * (1 + 1e-9));
    for (int f = 0; f < flows; ++f) {
      bool bottleneck = false;
      for (uint64_t i = p.begin[f]; i < p.end[f]; ++i) {
        const uint32_t l = p.link[i];
        bottleneck |= load[l] >= cap[l] * (1 - 1e-9) && r[f] >= max_rate[l] * (1 - 1e-9);
      }
      EXPECT_TRUE(bottleneck) << "trial " << trial << " flow " << f;
    }
  }
}

TEST(MaxMinSolver, IncrementalMatchesBatch) {
  // Flows join and leave one at a time; after each change the incremental solve must equal a
  // fresh batch solve of the flows present.
  Paths p;
  p.add({{0, 1}});
  p.add({{0, 1}, {1, 1}});
  p.add({{1, 1}});
  p.add({{0, 0.5f}, {2, 0.5f}});
  p.add({{2, 1}, {1, 1}});
  const std::vector<double> cap = {10, 4, 6};
  MaxMinSolver inc(3);
  std::vector<double> rate(5, 0.0);
  std::vector<bool> in(5, false);
  const int order[] = {0, 1, 2, 3, 4, -1, -3, 1 + 100, -4, -2};  // +100: re-add flow 1 after removal
  for (int step : order) {
    if (step >= 100) {
      inc.add(step - 100, p.view());
      in[step - 100] = true;
    } else if (step >= 0) {
      inc.add(step, p.view());
      in[step] = true;
    } else {
      inc.remove(-step, p.view());
      in[-step] = false;
    }
    inc.solve(p.view(), cap.data(), rate.data());
    std::vector<uint32_t> ids;
    for (uint32_t f = 0; f < 5; ++f) {
      if (in[f]) ids.push_back(f);
    }
    FlowPaths fp = p.view();
    fp.ids = ids.data();
    fp.num_flows = static_cast<uint32_t>(ids.size());
    std::vector<double> ref(ids.size());
    MaxMinSolver batch(3);
    batch.solve_batch(fp, cap.data(), ref.data());
    for (size_t i = 0; i < ids.size(); ++i) EXPECT_NEAR(rate[ids[i]], ref[i], 1e-9) << "flow " << ids[i];
  }
}

}  // namespace
}  // namespace moesim
