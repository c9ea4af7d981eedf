#include "sim/study/rebalance_study.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>

#include <nlohmann/json.hpp>

#include "sim/moe/step_simulator.h"
#include "sim/study/parallel_for.h"

namespace moesim::study {

std::vector<uint32_t> auto_intervals(uint32_t steps) {
  std::vector<uint32_t> out;
  // 1-2-5 series: the decades a user would try by hand.
  for (uint64_t decade = 1; decade < steps; decade *= 10) {
    for (uint64_t m : {1, 2, 5}) {
      const uint64_t k = m * decade;
      if (k < steps) out.push_back(static_cast<uint32_t>(k));
    }
  }
  return out;
}

Result<std::vector<uint32_t>> parse_intervals(const std::string& list, const std::string& flag) {
  std::vector<uint32_t> out;
  size_t pos = 0;
  while (pos <= list.size()) {
    const size_t comma = std::min(list.find(',', pos), list.size());
    const std::string item = list.substr(pos, comma - pos);
    char* end = nullptr;
    const long long v = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < 1 || v > 1000000000LL) {
      return Error{flag + ": '" + item + "' is not a step interval (an integer >= 1)"};
    }
    out.push_back(static_cast<uint32_t>(v));
    pos = comma + 1;
  }
  return out;
}

Result<RebalanceStudy> run_rebalance_study(const Scenario& scenario, const std::string& source,
                                           const RebalanceOptions& options) {
  RebalanceStudy study;
  study.steps = static_cast<int>(scenario.steps());
  study.step_weight = options.step_weight;
  if (!(options.step_weight >= 1)) return Error{source + ": step weight must be >= 1"};
  std::vector<uint32_t> ks = {0};
  for (uint32_t k : options.intervals) {
    if (k == 0) return Error{source + ": a rebalancing interval must be >= 1 step"};
    ks.push_back(k);
  }
  const long total_steps = static_cast<long>(ks.size()) * study.steps;
  std::mutex progress_mutex;
  long steps_done = 0;
  std::vector<std::optional<Error>> errors(ks.size());
  study.outcomes.resize(ks.size());
  parallel_for(ks.size(), options.jobs, [&](size_t i) {
    const uint32_t k = ks[i];
    Scenario sc = scenario;
    sc.mutable_placement()->set_rebalance_every(k);
    SimulationOptions opt;
    opt.timeline_steps = 0;
    if (options.progress) {
      opt.progress = [&](int, int) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        options.progress(++steps_done, total_steps);
      };
    }
    auto sim = StepSimulator::create(sc, source, opt);
    if (!sim.ok()) {
      errors[i] = sim.error();
      return;
    }
    auto r = (*sim)->run();
    if (!r.ok()) {
      errors[i] = r.error();
      return;
    }
    RebalanceOutcome& o = study.outcomes[i];
    o.every = k;
    o.name = k == 0 ? std::string("static") : std::string("every ").append(std::to_string(k));
    double imbalance = 0;
    for (const auto& s : r->steps()) {
      o.step_time_s.push_back(s.step_time_s());
      o.migration_time_s += s.migration_time_s();
      if (s.migration_time_s() > 0) ++o.num_migrations;
      o.total_time_s += options.step_weight * (s.step_time_s() - s.migration_time_s()) + s.migration_time_s();
      imbalance += s.imbalance_max_over_mean();
    }
    const double n = std::max(1, r->steps_size());
    o.mean_imbalance = imbalance / n;
    o.mean_step_time_s = o.total_time_s / (n * options.step_weight);
  });
  for (const auto& e : errors) {
    if (e) return *e;  // the first strategy's error, whatever the schedule
  }
  for (size_t i = 1; i < study.outcomes.size(); ++i) {
    if (study.outcomes[i].total_time_s < study.outcomes[study.best].total_time_s) study.best = static_cast<int>(i);
  }
  return study;
}

namespace {

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

std::string rebalance_steps_csv(const RebalanceStudy& study) {
  std::string out = "step";
  for (const auto& o : study.outcomes) {
    out += o.every == 0 ? ",static" : ",every_";
    if (o.every > 0) out += std::to_string(o.every);
  }
  out += "\n";
  for (int s = 0; s < study.steps; ++s) {
    out += std::to_string(s);
    for (const auto& o : study.outcomes) {
      out += ',';
      out += number(s < static_cast<int>(o.step_time_s.size()) ? o.step_time_s[s] : 0.0);
    }
    out += "\n";
  }
  return out;
}

std::string rebalance_json(const RebalanceStudy& study) {
  nlohmann::ordered_json j;
  j["steps"] = study.steps;
  j["step_weight"] = study.step_weight;
  auto& arr = j["strategies"] = nlohmann::ordered_json::array();
  for (const auto& o : study.outcomes) {
    arr.push_back({{"name", o.name},
                   {"rebalance_every", o.every},
                   {"total_time_s", o.total_time_s},
                   {"mean_step_time_s", o.mean_step_time_s},
                   {"migration_time_s", o.migration_time_s},
                   {"num_migrations", o.num_migrations},
                   {"mean_imbalance", o.mean_imbalance}});
  }
  const auto& best = study.outcomes[study.best];
  const double st = study.outcomes[0].total_time_s;
  j["best"] = {{"name", best.name},
               {"rebalance_every", best.every},
               {"total_time_s", best.total_time_s},
               {"saving_vs_static_s", st - best.total_time_s},
               {"saving_vs_static_fraction", st > 0 ? (st - best.total_time_s) / st : 0.0}};
  return j.dump(2);
}

}  // namespace moesim::study
