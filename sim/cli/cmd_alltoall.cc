// `moesim alltoall`: what does an all-to-all (uniform or uneven) cost on a topology?
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>

#include <unistd.h>

#include "sim/cli/commands.h"
#include "sim/cli/flags.h"
#include "sim/calibration/calibration.h"
#include "sim/collectives/alltoall_study.h"
#include "sim/topology/presets.h"
#include "sim/topology/units.h"
#include "traces/loads_matrix.h"
#include "traces/proto_io.h"

namespace moesim::cli {

void print_topology_presets(std::ostream& o);  // cmd_topology.cc

namespace {

constexpr double kMaxPairBytes = 1125899906842624.0;  // 1 PiB from one GPU to another

constexpr const char* kUsage =
    "usage: moesim alltoall --topology PRESET[:k=v,...]|FILE.dot\n"
    "                       (--bytes-per-peer SIZE | --matrix FILE.csv | --sweep)\n"
    "                       [--algorithm direct|hierarchical|rail] [--network flow|analytic]\n"
    "                       [--ecmp split|hash] [--launch-overhead 10us] [--per-message-overhead 0.5us]\n"
    "                       [--chunks 4] [--coalesce 1e-4] [--top-links 5] [--json] [--calibration FILE]\n"
    "\n"
    "Times one all-to-all(v) on the topology and prints a table like nccl-tests' alltoall_perf:\n"
    "size (bytes one rank sends, itself included), time, algbw = size / time and\n"
    "busbw = algbw * (n - 1) / n, plus the busiest links.\n"
    "\n"
    "  --bytes-per-peer SIZE   uniform: every GPU sends SIZE to every other (1MiB, 4096, 1GB)\n"
    "  --matrix FILE.csv       uneven: an N x N CSV of bytes from row GPU to column GPU\n"
    "  --sweep                 uniform sizes 1 KiB .. 1 GiB per peer, doubling (alltoall_perf -b 1K -e 1G -f 2)\n"
    "  --network               flow: max-min fair flows, events as flows start/finish (default);\n"
    "                          analytic: bottleneck link load / bandwidth (largest scales)\n"
    "  --coalesce R            flows within R of their own transmit time finish in one event (0 = exact)\n"
    "  --calibration FILE      a `moeprof fit` calibration: its link figures and collective costs for\n"
    "                          each case's message size replace the preset's; without --topology, the\n"
    "                          measured machine itself\n";

void print_algorithms(std::ostream& o) {
  o << "\nalgorithms:\n";
  for (const auto& a : alltoall_algorithms()) std::printf("  %-13s %s\n", a.name, a.description);
}

}  // namespace

int run_alltoall(const Args& args) {
  FlagSet flags("alltoall");
  flags.value("--topology").value("--bytes-per-peer").value("--matrix").toggle("--sweep").value("--algorithm")
      .value("--network").value("--ecmp").value("--launch-overhead").value("--per-message-overhead")
      .value("--chunks").value("--coalesce").value("--top-links").toggle("--json").value("--calibration");
  if (auto st = flags.parse(args); !st.ok()) return print_error(st.error());
  if (flags.help()) {
    std::cout << kUsage;
    print_algorithms(std::cout);
    std::cout << "\n";
    print_topology_presets(std::cout);
    return 0;
  }
  if (!flags.positional().empty()) return print_error(Error{"alltoall: unexpected argument '" + flags.positional()[0] + "'"});
  std::optional<Calibration> calibration;
  if (auto c = flags.get("--calibration")) {
    auto loaded = load_calibration(*c);
    if (!loaded.ok()) return print_error(loaded.error());
    calibration = std::move(*loaded);
  }
  if (!flags.has("--topology") && !calibration) return print_error(Error{"alltoall: --topology is required (moesim alltoall --help)"});
  const int modes = flags.has("--bytes-per-peer") + flags.has("--matrix") + flags.on("--sweep");
  if (modes != 1) return print_error(Error{"alltoall: give exactly one of --bytes-per-peer, --matrix, --sweep"});

  AllToAllOptions opt;
  {
    auto a = parse_algorithm(flags.get_or("--algorithm", "direct"));
    if (!a.ok()) return print_error(Error{"alltoall: --algorithm: " + a.message()});
    opt.algorithm = *a;
    auto n = parse_network_mode(flags.get_or("--network", "flow"));
    if (!n.ok()) return print_error(Error{"alltoall: --network: " + n.message()});
    opt.network = *n;
    const std::string ecmp = flags.get_or("--ecmp", "split");
    if (ecmp != "split" && ecmp != "hash") return print_error(Error{"alltoall: --ecmp: expected split or hash, got '" + ecmp + "'"});
    opt.ecmp = ecmp == "split" ? EcmpMode::kSplit : EcmpMode::kHash;
    for (auto [flag, field] : {std::pair{"--launch-overhead", &opt.costs.launch_s},
                               std::pair{"--per-message-overhead", &opt.costs.per_message_s}}) {
      if (auto v = flags.get(flag)) {
        auto d = parse_duration(*v);
        if (!d.ok() || *d < 0) return print_error(Error{std::string("alltoall: ") + flag + ": " + (d.ok() ? "must be >= 0" : d.message())});
        *field = *d;
      }
    }
    auto chunks = flags.integer("--chunks", 4, 1, 1024);
    if (!chunks.ok()) return print_error(chunks.error());
    opt.chunks = static_cast<int>(*chunks);
    auto coalesce = flags.number("--coalesce", 1e-4, 0.0);
    if (!coalesce.ok()) return print_error(coalesce.error());
    if (*coalesce > 0.1) return print_error(Error{"alltoall: --coalesce: must be <= 0.1"});
    opt.coalesce_rel = *coalesce;
    auto top = flags.integer("--top-links", 5, 0, 1000);
    if (!top.ok()) return print_error(top.error());
    opt.top_links = static_cast<int>(*top);
  }
  Result<std::unique_ptr<Topology>> topo_r = Error{""};
  if (flags.has("--topology")) {
    auto spec = parse_topology_arg(*flags.get("--topology"));
    if (!spec.ok()) return print_error(spec.error());
    topo_r = build_topology(*spec, "");
  } else {
    topo_r = build_measured_topology(*calibration, kLargeMessageBytes);
  }
  if (!topo_r.ok()) return print_error(topo_r.error());
  Topology& topo = **topo_r;
  // The measured machine's star may carry self ports (build_shared_star): its ranks are the
  // calibration's.
  const int n = flags.has("--topology") ? topo.num_gpus() : static_cast<int>(calibration->environment().num_ranks());

  // Refuse flow-level runs that cannot fit in memory, with an estimate.
  // About 650 bytes per flow, measured (docs/LIMITS.md, tests/bench/limits_bench.cc).
  const double flows = static_cast<double>(n) * (n - 1);
  const double have_bytes = static_cast<double>(::sysconf(_SC_PHYS_PAGES)) * static_cast<double>(::sysconf(_SC_PAGE_SIZE));
  if (opt.network == NetworkMode::kFlow && (flows > 5e7 || (have_bytes > 0 && flows * 650 > have_bytes))) {
    return print_error(Error{"alltoall: " + std::to_string(n) + " GPUs is " + std::to_string(static_cast<long long>(flows)) +
                             " flows, about " + std::to_string(static_cast<long long>(flows * 650 / 1e9)) +
                             " GB at flow level (this machine has " + std::to_string(static_cast<long long>(have_bytes / 1e9)) +
                             " GB; the limit is 50,000,000 flows); use --network analytic"});
  }

  std::vector<std::pair<TrafficMatrix, double>> cases;  // matrix, nccl-tests size
  if (auto b = flags.get("--bytes-per-peer")) {
    auto bytes = parse_size(*b);
    if (!bytes.ok()) return print_error(Error{"alltoall: --bytes-per-peer: " + bytes.message()});
    if (*bytes < 0) return print_error(Error{"alltoall: --bytes-per-peer: must be >= 0, got " + *b});
    // Past a petabyte per pair the totals overflow to inf and the report prints nan.
    if (*bytes > kMaxPairBytes) return print_error(Error{"alltoall: --bytes-per-peer: " + *b + " is more than 1 PiB per pair"});
    cases.push_back({TrafficMatrix::Uniform(n, *bytes), *bytes * n});
  } else if (auto path = flags.get("--matrix")) {
    auto mat = read_count_matrix(*path, "source GPU", "destination GPU");
    if (!mat.ok()) return print_error(mat.error());
    if (static_cast<int>(mat->size()) != n) {
      return print_error(make_error(*path, "", "matrix has " + std::to_string(mat->size()) + " rows but the topology has " +
                                                   std::to_string(n) + " GPUs (expected " + std::to_string(n) + " x " +
                                                   std::to_string(n) + ")"));
    }
    if (static_cast<int>((*mat)[0].size()) != n) {
      return print_error(make_error(*path, "line 1", "matrix has " + std::to_string((*mat)[0].size()) +
                                                         " columns but the topology has " + std::to_string(n) + " GPUs"));
    }
    std::vector<double> dense(static_cast<size_t>(n) * n);
    double rows_total = 0;
    for (int s = 0; s < n; ++s) {
      for (int d = 0; d < n; ++d) {
        if ((*mat)[s][d] > kMaxPairBytes) {
          return print_error(make_error(*path, "source GPU " + std::to_string(s) + ", destination GPU " + std::to_string(d),
                                        "more than 1 PiB from one GPU to another"));
        }
        dense[static_cast<size_t>(s) * n + d] = (*mat)[s][d];
        rows_total += (*mat)[s][d];
      }
    }
    // On the measured machine a rank's bytes to itself may cost a copy (AllToAllRegime.self_copy).
    cases.push_back({calibration && !flags.has("--topology") ? dense_with_self(n, dense) : TrafficMatrix::Dense(n, dense),
                     rows_total / n});
  } else {
    for (double b = 1024; b <= 1024.0 * 1024 * 1024; b *= 2) cases.push_back({TrafficMatrix::Uniform(n, b), b * n});
  }

  AllToAllSweep sweep;
  for (const auto& [m, size] : cases) {
    // A calibration describes each message-size regime: the case's topology and costs follow it.
    const bool keep_costs = flags.has("--launch-overhead") || flags.has("--per-message-overhead");
    Result<AllToAllResult> r = Error{""};
    if (calibration && !flags.has("--topology")) {
      r = simulate_on_measured_machine(*calibration, m, size, opt, keep_costs);
    } else {
      if (calibration) {
        const double msg = regime_message_bytes(m);
        if (!keep_costs) opt.costs = calibrated_costs(*calibration, msg);
        apply_link_calibration(*calibration, msg, &topo);
      }
      r = simulate_alltoall(topo, m, size, opt);
    }
    if (!r.ok()) return print_error(Error{"alltoall: " + r.message()});
    *sweep.add_results() = *r;
  }
  if (flags.on("--json")) {
    if (sweep.results_size() == 1) std::cout << format_proto(sweep.results(0), ProtoFormat::kJson) << "\n";
    else std::cout << format_proto(sweep, ProtoFormat::kJson) << "\n";
    return 0;
  }
  const auto& first = sweep.results(0);
  std::printf("# moesim alltoall: topology %s, %d GPUs on %d nodes, algorithm %s, network %s\n", topo.name().c_str(), n,
              topo.num_nodes(), first.algorithm().c_str(), first.network().c_str());
  std::printf("# %14s %12s %14s %12s %12s %10s\n", "size(B)", "flows", "time(us)", "algbw(GB/s)", "busbw(GB/s)", "max util");
  for (const auto& r : sweep.results()) {
    std::printf("  %14.0f %12llu %14.2f %12.2f %12.2f %9.1f%%\n", r.size_bytes(),
                static_cast<unsigned long long>(r.num_flows()), r.completion_time_s() * 1e6, r.algbw_gb_per_s(),
                r.busbw_gb_per_s(), 100 * r.max_link_utilization());
  }
  const auto& last = sweep.results(sweep.results_size() - 1);
  if (last.busiest_links_size() > 0) {
    std::printf("# busiest links%s:\n", sweep.results_size() > 1 ? " (largest size)" : "");
    for (const auto& l : last.busiest_links()) {
      std::printf("#   %-36s %-8s %10s  %12s  util %5.1f%%\n", l.name().c_str(), l.link_class().c_str(),
                  format_bandwidth(l.bandwidth_bytes_per_s()).c_str(), format_size(l.bytes()).c_str(), 100 * l.utilization());
    }
  }
  return 0;
}

}  // namespace moesim::cli
