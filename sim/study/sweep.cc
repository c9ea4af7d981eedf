#include "sim/study/sweep.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "sim/collectives/alltoall.h"
#include "sim/moe/scenario.h"
#include "sim/moe/step_simulator.h"
#include "sim/placement/planner.h"
#include "sim/topology/presets.h"
#include "traces/proto_io.h"

namespace moesim::study {
namespace {

constexpr size_t kMaxPoints = 1000000;

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// Scenario merge with the rules of scenario files (load_scenario): a given topology, model or
// routing replaces the whole message (proto3 zeros would not override in a field-wise merge).
void merge_scenario(const Scenario& over, Scenario* into) {
  if (over.has_topology()) into->clear_topology();
  if (over.has_model()) into->clear_model();
  if (over.has_routing()) into->clear_routing();
  into->MergeFrom(over);
}

}  // namespace

const std::vector<std::string>& sweep_summary_columns() {
  static const std::vector<std::string> cols = {
      "step_time_s",           "dispatch_time_s",        "combine_time_s", "expert_compute_time_s",
      "straggler_wait_time_s", "imbalance_max_over_mean", "tokens_dropped", "migration_time_s"};
  return cols;
}

Result<Sweep> Sweep::load(const std::string& path) {
  SweepSpec spec;
  MOESIM_RETURN_IF_ERROR(load_proto(path, &spec));
  return build(spec, path, std::filesystem::path(path).parent_path().string());
}

Result<Sweep> Sweep::build(const SweepSpec& spec, const std::string& source, const std::string& base_dir) {
  Sweep sw;
  sw.source_ = source;
  auto resolve = [&](std::string* p) {
    if (!p->empty() && std::filesystem::path(*p).is_relative()) *p = (std::filesystem::path(base_dir) / *p).string();
  };
  if (!spec.base_scenario_file().empty()) {
    std::string f = spec.base_scenario_file();
    resolve(&f);
    auto loaded = load_scenario(f);
    if (!loaded.ok()) return make_error(source, "base_scenario_file", loaded.message());
    sw.base_ = *loaded;
  } else {
    sw.base_ = default_scenario();
  }
  if (spec.has_base()) {
    Scenario inline_base = spec.base();
    // mutable_x() would create the submessage, and a present topology/model/routing replaces
    // the base's: touch only what the inline base gives.
    if (inline_base.has_topology()) resolve(inline_base.mutable_topology()->mutable_dot_file());
    if (inline_base.has_routing()) resolve(inline_base.mutable_routing()->mutable_trace_file());
    if (inline_base.has_placement()) resolve(inline_base.mutable_placement()->mutable_file());
    resolve(inline_base.mutable_calibration_file());
    merge_scenario(inline_base, &sw.base_);
  }
  const auto& ax = spec.axes();
  auto err = [&](const std::string& field, int i, const std::string& what) {
    return make_error(source, "axes." + field + "[" + std::to_string(i) + "]", what);
  };

  if (ax.placement_policies_size() > 0) {
    for (int i = 0; i < ax.placement_policies_size(); ++i) {
      if (auto p = placement::find_policy(ax.placement_policies(i)); !p.ok()) return err("placement_policies", i, p.message());
    }
    std::vector<std::string> v(ax.placement_policies().begin(), ax.placement_policies().end());
    sw.axes_.push_back({{"placement_policy"}, v.size(), 0,
                        [v](size_t i, Scenario* s) {
                          s->mutable_placement()->set_policy(v[i]);
                          s->mutable_placement()->clear_file();
                        },
                        [v](size_t i) { return std::vector<std::string>{v[i]}; }});
  }
  if (ax.redundant_experts_size() > 0) {
    std::vector<uint32_t> v(ax.redundant_experts().begin(), ax.redundant_experts().end());
    sw.axes_.push_back({{"redundant_experts"}, v.size(), 0,
                        [v](size_t i, Scenario* s) { s->mutable_placement()->set_redundant_experts(v[i]); },
                        [v](size_t i) { return std::vector<std::string>{std::to_string(v[i])}; }});
  }
  if (ax.ep_sizes_size() > 0) {
    const uint64_t gpus = static_cast<uint64_t>(sw.base_.parallel().ep()) * sw.base_.parallel().dp();
    std::vector<EpPoint> v;
    for (int i = 0; i < ax.ep_sizes_size(); ++i) {
      EpPoint p = ax.ep_sizes(i);
      if (p.ep() < 1) return err("ep_sizes", i, "ep must be at least 1");
      if (p.dp() == 0) {
        if (gpus % p.ep() != 0) {
          return err("ep_sizes", i, "ep " + std::to_string(p.ep()) + " does not divide the base scenario's " + std::to_string(gpus) +
                                        " GPUs (ep x dp); give dp explicitly");
        }
        p.set_dp(static_cast<uint32_t>(gpus / p.ep()));
      }
      v.push_back(std::move(p));
    }
    sw.axes_.push_back({{"ep", "dp"}, v.size(), 1,
                        [v](size_t i, Scenario* s) {
                          s->mutable_parallel()->set_ep(v[i].ep());
                          s->mutable_parallel()->set_dp(v[i].dp());
                          for (const auto& [k, val] : v[i].topology_params()) (*s->mutable_topology()->mutable_params())[k] = val;
                        },
                        [v](size_t i) { return std::vector<std::string>{std::to_string(v[i].ep()), std::to_string(v[i].dp())}; }});
  }
  if (ax.topologies_size() > 0) {
    std::vector<TopologySpec> v;
    for (int i = 0; i < ax.topologies_size(); ++i) {
      auto t = parse_topology_arg(ax.topologies(i));
      if (!t.ok()) return err("topologies", i, t.message());
      // Builds it once to check the preset's parameter names and values.
      if (auto b = build_topology(*t, "topology '" + ax.topologies(i) + "'"); !b.ok()) return err("topologies", i, b.message());
      v.push_back(*t);
    }
    std::vector<std::string> labels(ax.topologies().begin(), ax.topologies().end());
    // Topologies are applied before the EP axis so that its topology params refine them.
    sw.axes_.push_back({{"topology"}, v.size(), 0,
                        [v](size_t i, Scenario* s) {
                          const std::string ecmp = s->topology().ecmp();
                          *s->mutable_topology() = v[i];
                          s->mutable_topology()->set_ecmp(ecmp);
                        },
                        [labels](size_t i) { return std::vector<std::string>{labels[i]}; }});
  }
  if (ax.zipf_exponents_size() > 0) {
    std::vector<double> v(ax.zipf_exponents().begin(), ax.zipf_exponents().end());
    for (size_t i = 0; i < v.size(); ++i) {
      if (!std::isfinite(v[i]) || v[i] < 0) return err("zipf_exponents", static_cast<int>(i), "must be finite and >= 0, got " + number(v[i]));
    }
    sw.axes_.push_back({{"zipf_exponent"}, v.size(), 0,
                        [v](size_t i, Scenario* s) {
                          s->mutable_routing()->set_model("zipf");
                          s->mutable_routing()->set_zipf_exponent(v[i]);
                        },
                        [v](size_t i) { return std::vector<std::string>{number(v[i])}; }});
  }
  if (ax.algorithms_size() > 0) {
    for (int i = 0; i < ax.algorithms_size(); ++i) {
      if (auto a = parse_algorithm(ax.algorithms(i)); !a.ok()) return err("algorithms", i, a.message());
    }
    std::vector<std::string> v(ax.algorithms().begin(), ax.algorithms().end());
    sw.axes_.push_back({{"algorithm"}, v.size(), 0, [v](size_t i, Scenario* s) { s->set_algorithm(v[i]); },
                        [v](size_t i) { return std::vector<std::string>{v[i]}; }});
  }
  if (ax.network_modes_size() > 0) {
    for (int i = 0; i < ax.network_modes_size(); ++i) {
      if (auto a = parse_network_mode(ax.network_modes(i)); !a.ok()) return err("network_modes", i, a.message());
    }
    std::vector<std::string> v(ax.network_modes().begin(), ax.network_modes().end());
    sw.axes_.push_back({{"network"}, v.size(), 0, [v](size_t i, Scenario* s) { s->set_network(v[i]); },
                        [v](size_t i) { return std::vector<std::string>{v[i]}; }});
  }
  if (ax.rebalance_every_size() > 0) {
    std::vector<uint32_t> v(ax.rebalance_every().begin(), ax.rebalance_every().end());
    sw.axes_.push_back({{"rebalance_every"}, v.size(), 0,
                        [v](size_t i, Scenario* s) { s->mutable_placement()->set_rebalance_every(v[i]); },
                        [v](size_t i) { return std::vector<std::string>{std::to_string(v[i])}; }});
  }
  sw.num_points_ = 1;
  for (const auto& a : sw.axes_) {
    if (sw.num_points_ > kMaxPoints / a.size) {
      return make_error(source, "axes", "the grid has more than " + std::to_string(kMaxPoints) + " points; split the sweep");
    }
    sw.num_points_ *= a.size;
  }
  return sw;
}

std::vector<std::string> Sweep::columns() const {
  std::vector<std::string> c = {"point"};
  for (const auto& a : axes_) c.insert(c.end(), a.columns.begin(), a.columns.end());
  for (const auto& s : sweep_summary_columns()) c.push_back(s);
  c.push_back("error");
  return c;
}

std::vector<size_t> Sweep::indices(size_t point) const {
  std::vector<size_t> idx(axes_.size());
  for (size_t a = axes_.size(); a-- > 0;) {
    idx[a] = point % axes_[a].size;
    point /= axes_[a].size;
  }
  return idx;
}

Scenario Sweep::point_scenario(size_t i, std::vector<std::string>* axis_cells) const {
  const auto idx = indices(i);
  Scenario s = base_;
  for (int order = 0; order <= 1; ++order) {
    for (size_t a = 0; a < axes_.size(); ++a) {
      if (axes_[a].apply_order == order) axes_[a].apply(idx[a], &s);
    }
  }
  if (axis_cells) {
    axis_cells->clear();
    for (size_t a = 0; a < axes_.size(); ++a) {
      for (auto& c : axes_[a].cells(idx[a])) axis_cells->push_back(std::move(c));
    }
  }
  return s;
}

std::vector<std::string> Sweep::run_point(size_t i, bool* failed) const {
  std::vector<std::string> cells = {std::to_string(i)};
  std::vector<std::string> axis_cells;
  const Scenario sc = point_scenario(i, &axis_cells);
  cells.insert(cells.end(), axis_cells.begin(), axis_cells.end());
  SimulationOptions opt;
  opt.timeline_steps = 0;
  std::string error;
  Summary s;
  auto sim = StepSimulator::create(sc, source_ + ":point " + std::to_string(i), opt);
  if (!sim.ok()) {
    error = sim.message();
  } else if (auto r = (*sim)->run(); !r.ok()) {
    error = r.message();
  } else {
    s = r->summary();
  }
  *failed = !error.empty();
  for (double v : {s.step_time_s(), s.dispatch_time_s(), s.combine_time_s(), s.expert_compute_time_s(), s.straggler_wait_time_s(),
                   s.imbalance_max_over_mean(), s.tokens_dropped(), s.migration_time_s()}) {
    cells.push_back(*failed ? "" : number(v));
  }
  for (char& c : error) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  cells.push_back(error);
  return cells;
}

std::string csv_line(const std::vector<std::string>& cells) {
  std::string out;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out += ',';
    const std::string& c = cells[i];
    if (c.find_first_of(",\"\n\r") == std::string::npos) {
      out += c;
      continue;
    }
    out += '"';
    for (char ch : c) {
      if (ch == '"') out += '"';
      out += ch;
    }
    out += '"';
  }
  return out;
}

std::string sweep_rows_json(const std::vector<std::string>& columns, const std::vector<std::vector<std::string>>& rows) {
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const auto& row : rows) {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    for (size_t c = 0; c < columns.size() && c < row.size(); ++c) {
      const std::string& v = row[c];
      if (v.empty()) continue;
      char* end = nullptr;
      const double x = std::strtod(v.c_str(), &end);
      const bool numeric = columns[c] != "error" && columns[c] != "topology" && end != v.c_str() && *end == '\0';
      if (numeric) o[columns[c]] = x;
      else o[columns[c]] = v;
    }
    arr.push_back(std::move(o));
  }
  return arr.dump(2);
}

}  // namespace moesim::study
