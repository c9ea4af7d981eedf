// `moesim simulate`: the main job. Runs a scenario (or the embedded default) and reports the
// step time, where it goes and why.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <numeric>

#include "sim/cli/commands.h"
#include "sim/cli/flags.h"
#include "sim/calibration/calibration.h"
#include "sim/cli/progress.h"
#include "sim/collectives/alltoall.h"
#include "sim/moe/hardware.h"
#include "sim/moe/result_writer.h"
#include "sim/moe/scenario.h"
#include "sim/moe/step_simulator.h"
#include "sim/placement/planner.h"
#include "sim/routing/routing_model.h"
#include "sim/topology/presets.h"
#include "sim/topology/units.h"
#include "traces/hf_config.h"
#include "traces/proto_io.h"

namespace moesim::cli {
namespace {

constexpr const char* kUsage =
    "usage: moesim simulate [--scenario FILE] [--steps N] [--seed S] [--out DIR] [--json] [overrides]\n"
    "\n"
    "Simulates MoE training or inference steps: dense compute, gating, dispatch all-to-all, expert\n"
    "FFN from the tokens each GPU really receives, combine all-to-all (and backward), on a cluster\n"
    "topology with skewed routing. Without --scenario it runs the embedded default: DeepSeek-V3\n"
    "(256 routed + 1 shared expert, top-8, 58 MoE layers) training on 8 nodes x 8 H100, EP64.\n"
    "\n"
    "  --scenario FILE         scenario (.textproto, .json, .pb); unset fields keep the default's\n"
    "  --print-default         print the default scenario as text format and exit\n"
    "  --steps N, --seed S     steps to simulate, random seed\n"
    "  --out DIR               write result.pb, summary.json, steps.csv, trace.json\n"
    "  --json                  print summary.json to stdout instead of the report\n"
    "  --quiet                 no progress output\n"
    "overrides of the scenario:\n"
    "  --model config.json     a Hugging Face config.json (DeepSeek, Mixtral, Qwen-MoE, OLMoE, Switch)\n"
    "  --mode M                training | prefill | decode\n"
    "  --topology T            PRESET[:k=v,...] or FILE.dot (moesim topology --help)\n"
    "  --ep N, --dp N, --tp N  parallel layout (GPUs = ep x dp)\n"
    "  --tokens-per-gpu N, --micro-batches N, --overlap\n"
    "  --algorithm A           direct | hierarchical | rail\n"
    "  --network M             flow | analytic\n"
    "  --routing MODEL         routing model (list below); --zipf S sets its exponent\n"
    "  --trace FILE            replay an expert-load log (routing model 'trace')\n"
    "  --capacity-factor F     Switch/GShard capacity with token dropping\n"
    "  --placement-policy P    placement policy (moesim plan --help); --redundant-experts R\n"
    "  --placement FILE        a Placement file instead of a policy\n"
    "  --rebalance-every K     re-place experts every K steps (migration is simulated)\n"
    "  --hardware NAME         GPU preset (h100, h200, h800, b200)\n"
    "  --calibration FILE      a `moeprof fit` calibration: measured link, all-to-all and GEMM figures\n"
    "  --simulated-layers K    simulate K evenly spaced MoE layers and scale (faster)\n"
    "  --traffic               store the first step's dispatch matrices in result.pb\n"
    "  --timeline-steps N      steps whose per-GPU timeline is recorded (default 1)\n";

// Scenario fields the override flags set, so that an error about a field names the flag too.
constexpr std::pair<const char*, const char*> kFlagFields[] = {
    {"--steps", "steps"},
    {"--seed", "seed"},
    {"--mode", "mode"},
    {"--ep", "parallel.ep"},
    {"--dp", "parallel.dp"},
    {"--tp", "parallel.tp"},
    {"--tokens-per-gpu", "parallel.tokens_per_gpu"},
    {"--micro-batches", "parallel.micro_batches"},
    {"--algorithm", "algorithm"},
    {"--network", "network"},
    {"--routing", "routing.model"},
    {"--zipf", "routing.zipf_exponent"},
    {"--trace", "routing.trace_file"},
    {"--capacity-factor", "routing.capacity_factor"},
    {"--placement-policy", "placement.policy"},
    {"--placement", "placement.file"},
    {"--redundant-experts", "placement.redundant_experts"},
    {"--rebalance-every", "placement.rebalance_every"},
    {"--hardware", "hardware.name"},
    {"--calibration", "calibration_file"},
    {"--simulated-layers", "simulated_layers"},
};

// "<source>:<field>: ..." becomes "<source>:<field> (from --flag): ..." when a flag set it.
Error name_flag(Error e, const FlagSet& f, const std::string& source) {
  for (const auto& [flag, field] : kFlagFields) {
    if (!f.has(flag)) continue;
    const std::string prefix = source + ":" + field;
    if (e.message.rfind(prefix, 0) == 0 && e.message.size() > prefix.size() &&
        (e.message[prefix.size()] == ':' || e.message[prefix.size()] == '[')) {
      const size_t colon = e.message.find(':', prefix.size());
      e.message.insert(colon, std::string(" (from ") + flag + ")");
      return e;
    }
  }
  return e;
}

void print_tables() {
  std::printf("\nrouting models:\n");
  for (const auto& m : routing_models()) std::printf("  %-14s %s\n", m.name, m.description);
  std::printf("\nplacement policies:\n");
  for (const auto& p : placement::placement_policies()) std::printf("  %-14s %s\n", p.name.c_str(), p.description.c_str());
  std::printf("\nall-to-all algorithms:\n");
  for (const auto& a : alltoall_algorithms()) std::printf("  %-14s %s\n", a.name, a.description);
  std::printf("\nhardware:\n");
  for (const auto& h : hardware_presets()) std::printf("  %-14s %s\n", h.name, h.description);
}

Status apply_overrides(const FlagSet& f, Scenario* s) {
  auto uint_flag = [&](const char* name, auto setter) -> Status {
    if (!f.has(name)) return {};
    auto v = f.integer(name, 0, 0, 4000000000LL);
    if (!v.ok()) return v.error();
    setter(static_cast<uint32_t>(*v));
    return {};
  };
  if (auto m = f.get("--model")) {
    auto spec = load_hf_config(*m);
    if (!spec.ok()) return spec.error();
    *s->mutable_model() = *spec;
  }
  if (auto v = f.get("--mode")) s->set_mode(*v);
  if (auto v = f.get("--topology")) {
    auto t = parse_topology_arg(*v);
    if (!t.ok()) return t.error();
    const std::string ecmp = s->topology().ecmp();
    *s->mutable_topology() = *t;
    s->mutable_topology()->set_ecmp(ecmp);
  }
  MOESIM_RETURN_IF_ERROR(uint_flag("--steps", [&](uint32_t v) { s->set_steps(v); }));
  if (f.has("--seed")) {
    auto v = f.integer("--seed", 0, 0, 0x7fffffffffffffffLL);
    if (!v.ok()) return v.error();
    s->set_seed(static_cast<uint64_t>(*v));
  }
  MOESIM_RETURN_IF_ERROR(uint_flag("--ep", [&](uint32_t v) { s->mutable_parallel()->set_ep(v); }));
  MOESIM_RETURN_IF_ERROR(uint_flag("--dp", [&](uint32_t v) { s->mutable_parallel()->set_dp(v); }));
  MOESIM_RETURN_IF_ERROR(uint_flag("--tp", [&](uint32_t v) { s->mutable_parallel()->set_tp(v); }));
  MOESIM_RETURN_IF_ERROR(uint_flag("--tokens-per-gpu", [&](uint32_t v) { s->mutable_parallel()->set_tokens_per_gpu(v); }));
  MOESIM_RETURN_IF_ERROR(uint_flag("--micro-batches", [&](uint32_t v) { s->mutable_parallel()->set_micro_batches(v); }));
  if (f.on("--overlap")) s->mutable_parallel()->set_overlap(true);
  if (auto v = f.get("--algorithm")) s->set_algorithm(*v);
  if (auto v = f.get("--network")) s->set_network(*v);
  if (auto v = f.get("--routing")) s->mutable_routing()->set_model(*v);
  if (f.has("--zipf")) {
    auto v = f.number("--zipf", 0, 0);
    if (!v.ok()) return v.error();
    s->mutable_routing()->set_zipf_exponent(*v);
  }
  if (auto v = f.get("--trace")) {
    s->mutable_routing()->set_model("trace");
    s->mutable_routing()->set_trace_file(*v);
  }
  if (f.has("--capacity-factor")) {
    auto v = f.number("--capacity-factor", 0, 0);
    if (!v.ok()) return v.error();
    s->mutable_routing()->set_capacity_factor(*v);
  }
  if (auto v = f.get("--placement-policy")) s->mutable_placement()->set_policy(*v);
  if (auto v = f.get("--placement")) s->mutable_placement()->set_file(*v);
  MOESIM_RETURN_IF_ERROR(uint_flag("--redundant-experts", [&](uint32_t v) { s->mutable_placement()->set_redundant_experts(v); }));
  MOESIM_RETURN_IF_ERROR(uint_flag("--rebalance-every", [&](uint32_t v) { s->mutable_placement()->set_rebalance_every(v); }));
  if (auto v = f.get("--hardware")) s->mutable_hardware()->set_name(*v);
  if (auto v = f.get("--calibration")) s->set_calibration_file(*v);
  MOESIM_RETURN_IF_ERROR(uint_flag("--simulated-layers", [&](uint32_t v) { s->set_simulated_layers(v); }));
  return {};
}

void print_report(const SimResult& r, const std::string& out_dir) {
  const auto& s = r.summary();
  const auto& sc = r.scenario();
  std::printf("moesim simulate: %s\n", sc.name().c_str());
  std::printf("  %s of %s, %u step(s), %u GPUs (topology %s), EP%u x DP%u, %s all-to-all, %s network\n",
              sc.mode().c_str(), sc.model().name().c_str(), s.num_steps(), s.num_gpus(), r.topology().name().c_str(),
              sc.parallel().ep(), sc.parallel().dp(), sc.algorithm().c_str(), sc.network().c_str());
  std::printf("  routing %s, placement %s, %u tokens per GPU x %u micro-batch(es)\n\n",
              sc.routing().model().c_str(), r.placement().policy().empty() ? "from file" : r.placement().policy().c_str(),
              sc.parallel().tokens_per_gpu(), sc.parallel().micro_batches());
  const double st = s.step_time_s();
  auto row = [&](const char* name, double v) {
    std::printf("  %-42s %12s  %5.1f%%\n", name, format_duration(v).c_str(), st > 0 ? 100 * v / st : 0.0);
  };
  std::printf("  %-42s %12s  (%.3g tokens/s)\n", "step time (mean per step)", format_duration(st).c_str(), s.tokens_per_s());
  row("dense compute (attention, shared, gating)", s.dense_compute_time_s());
  row("dispatch all-to-all", s.dispatch_time_s());
  row("expert compute (slowest GPU)", s.expert_compute_time_s());
  row("waiting for stragglers (mean GPU)", s.straggler_wait_time_s());
  row("combine all-to-all", s.combine_time_s());
  if (s.migration_time_s() > 0) row("expert migration", s.migration_time_s());
  if (s.overlap_saved_s() > 0) row("hidden by overlap (subtracted)", s.overlap_saved_s());
  std::printf("  (critical-path parts: GPUs start experts as their own tokens arrive, so parts can overlap)\n\n");

  // Per-layer imbalance of the first step.
  std::vector<std::pair<uint32_t, double>> imb;
  for (const auto& l : r.layers()) {
    if (l.step() == r.layers(0).step()) imb.push_back({l.layer(), l.imbalance_max_over_mean()});
  }
  if (!imb.empty()) {
    double mean = 0;
    auto worst = imb[0];
    for (const auto& x : imb) {
      mean += x.second;
      if (x.second > worst.second) worst = x;
    }
    std::printf("  imbalance (max/mean expert assignments per GPU), step %u: mean %.2f, worst MoE layer %u: %.2f\n",
                r.layers(0).step(), mean / imb.size(), worst.first, worst.second);
    for (size_t i = 0; i < imb.size(); ++i) {
      std::printf("%s%3u:%.2f", i % 10 == 0 ? "    " : "  ", imb[i].first, imb[i].second);
      if (i % 10 == 9 || i + 1 == imb.size()) std::printf("\n");
    }
  }
  // Busiest links.
  std::vector<const LinkResult*> links;
  for (const auto& l : r.links()) links.push_back(&l);
  std::stable_sort(links.begin(), links.end(), [](auto* a, auto* b) { return a->utilization() > b->utilization(); });
  std::printf("\n  busiest links (utilisation over the whole run):\n");
  for (size_t i = 0; i < links.size() && i < 5; ++i) {
    const auto& tl = r.topology().links(links[i]->link());
    std::printf("    %-34s %-8s %10s  %12s  %5.1f%%\n",
                (r.topology().vertices(tl.src()).name() + "->" + r.topology().vertices(tl.dst()).name()).c_str(),
                tl.link_class().c_str(), format_bandwidth(tl.bandwidth_bytes_per_s()).c_str(),
                format_size(links[i]->bytes()).c_str(), 100 * links[i]->utilization());
  }
  const auto mask = moe_layer_mask(sc.model());
  const double assignments = static_cast<double>(s.num_gpus()) * sc.parallel().tokens_per_gpu() *
                             sc.parallel().micro_batches() * sc.model().top_k() * std::count(mask.begin(), mask.end(), true);
  std::printf("\n  dropped tokens: %.0f assignments per step (%.3f%% of all)\n", s.tokens_dropped(),
              assignments > 0 ? 100 * s.tokens_dropped() / assignments : 0.0);
  if (!out_dir.empty()) std::printf("  outputs: %s/{result.pb, summary.json, steps.csv, trace.json}\n", out_dir.c_str());
}

}  // namespace

int run_simulate(const Args& args) {
  FlagSet f("simulate");
  f.value("--scenario").value("--steps").value("--seed").value("--out").toggle("--json").toggle("--quiet")
      .toggle("--print-default").value("--model").value("--mode").value("--topology").value("--ep").value("--dp")
      .value("--tp").value("--tokens-per-gpu").value("--micro-batches").toggle("--overlap").value("--algorithm")
      .value("--network").value("--routing").value("--zipf").value("--trace").value("--capacity-factor")
      .value("--placement-policy").value("--placement").value("--redundant-experts").value("--rebalance-every")
      .value("--hardware").value("--calibration").value("--simulated-layers").toggle("--traffic").value("--timeline-steps");
  if (auto st = f.parse(args); !st.ok()) return print_error(st.error());
  if (f.help()) {
    std::cout << kUsage;
    print_tables();
    return 0;
  }
  if (!f.positional().empty()) return print_error(Error{"simulate: unexpected argument '" + f.positional()[0] + "'"});
  if (f.on("--print-default")) {
    std::cout << default_scenario_text();
    return 0;
  }
  std::string source = "<default scenario>";
  Scenario sc = default_scenario();
  if (auto path = f.get("--scenario")) {
    auto loaded = load_scenario(*path);
    if (!loaded.ok()) return print_error(loaded.error());
    sc = *loaded;
    source = *path;
  }
  if (auto st = apply_overrides(f, &sc); !st.ok()) return print_error(st.error());
  if (!sc.calibration_file().empty()) {
    // A CPU calibration's GEMM figures describe the CPU: say so rather than silently simulate
    // a GPU cluster at CPU speed.
    auto cal = load_calibration(sc.calibration_file());
    if (cal.ok() && cal->environment().backend() == "host") {
      std::cerr << "moesim: warning: " << sc.calibration_file()
                << " was measured with the host (CPU) backend; its GEMM and link figures describe that machine, "
                   "not the scenario's " << (sc.hardware().name().empty() ? "h100" : sc.hardware().name()) << " GPUs\n";
    }
  }
  SimulationOptions opt;
  opt.record_traffic = f.on("--traffic");
  auto tl = f.integer("--timeline-steps", 1, 0, 1000000);
  if (!tl.ok()) return print_error(tl.error());
  opt.timeline_steps = static_cast<int>(*tl);
  Progress progress("simulate", f.on("--quiet") || sc.steps() < 2);
  opt.progress = [&](int done, int total) { progress.update(done, total); };
  auto sim = StepSimulator::create(sc, source, opt);
  if (!sim.ok()) return print_error(name_flag(sim.error(), f, source));
  auto result = (*sim)->run();
  progress.finish();
  if (!result.ok()) return print_error(name_flag(result.error(), f, source));
  const std::string out = f.get_or("--out", "");
  if (!out.empty()) {
    if (auto st = write_simulation_outputs(out, *result); !st.ok()) return print_error(st.error());
  }
  if (f.on("--json")) {
    std::cout << format_proto(result->summary(), ProtoFormat::kJson) << "\n";
    return 0;
  }
  print_report(*result, out);
  return 0;
}

}  // namespace moesim::cli
