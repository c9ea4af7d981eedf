// `moeprof fit` and `moeprof show`.
#include <cstdio>
#include <iostream>

#include "profiler/calibrate.h"
#include "profiler/cli.h"
#include "sim/cli/flags.h"
#include "traces/proto_io.h"

namespace moesim::profiler {
namespace {

constexpr const char* kFitUsage =
    "usage: moeprof fit PROFILE --out CALIBRATION [--holdout odd-indices|none] [--max-regimes 3]\n"
    "\n"
    "Fits, by least squares on relative errors: per link class the p2p latency and bandwidth;\n"
    "the uniform all-to-all's launch cost and per-rank (and shared) bandwidth per message-size\n"
    "regime; expert GEMM FLOP/s against tokens per expert; each routing kernel's overhead and\n"
    "throughput. Prints the figures and the fit's residuals. By default the fit sees the\n"
    "even-indexed points of each sweep, so `moesim validate` can test it on the others and on\n"
    "every uneven all-to-allv case.\n";

void print_tables(const Profile& p) {
  std::string last;
  for (const auto& r : p.records()) {
    const std::string key = r.benchmark() + (r.benchmark() == "p2p" ? r.case_name() : "");
    if (key != last) {
      std::printf("#\n# %s (%s)\n", r.benchmark().c_str(), r.implementation().c_str());
      last = key;
    }
    std::printf("  %-28s %14.0f %10llu %12.2f %12.2f %10.3f %10.3f %5u%s\n", r.case_name().c_str(), r.size_bytes(),
                static_cast<unsigned long long>(r.num_tokens()), r.median_s() * 1e6, r.p90_s() * 1e6, r.algbw_gb_per_s(),
                r.busbw_gb_per_s(), r.iterations(), r.timed_out() ? "  TIMED OUT" : (r.error().empty() ? "" : "  FAILED"));
  }
}

}  // namespace

int fit_command(const std::vector<std::string>& args) {
  cli::FlagSet f("fit");
  f.value("--out").value("--holdout").value("--max-regimes");
  if (auto st = f.parse(args); !st.ok()) return usage_error(st.error());
  if (f.help()) {
    std::cout << kFitUsage;
    return 0;
  }
  if (f.positional().size() != 1) return usage_error(Error{"fit: expected one PROFILE argument (moeprof fit --help)"});
  if (!f.has("--out")) return usage_error(Error{"fit: --out CALIBRATION is required"});
  const std::string out = *f.get("--out");
  if (auto fmt = proto_format_for_path(out); !fmt.ok()) return usage_error(fmt.error());
  FitOptions o;
  o.holdout = f.get_or("--holdout", "odd-indices");
  auto k = f.integer("--max-regimes", 3, 1, 8);
  if (!k.ok()) return usage_error(k.error());
  o.max_regimes = static_cast<int>(*k);
  const std::string path = f.positional()[0];
  Profile p;
  if (auto st = load_proto(path, &p); !st.ok()) return usage_error(st.error());
  auto c = fit_calibration(p, path, o);
  if (!c.ok()) return usage_error(c.error());
  if (auto st = save_proto(out, *c); !st.ok()) return usage_error(st.error());
  std::cout << describe_calibration(*c);
  if (!p.complete()) std::cout << "# warning: the profile is incomplete (" << p.abort_reason() << ")\n";
  std::cout << "# calibration written to " << out << "\n";
  return 0;
}

int show_command(const std::vector<std::string>& args) {
  cli::FlagSet f("show");
  if (auto st = f.parse(args); !st.ok()) return usage_error(st.error());
  if (f.help()) {
    std::cout << "usage: moeprof show PROFILE\n";
    return 0;
  }
  if (f.positional().size() != 1) return usage_error(Error{"show: expected one PROFILE argument"});
  Profile p;
  if (auto st = load_proto(f.positional()[0], &p); !st.ok()) return usage_error(st.error());
  const auto& e = p.environment();
  std::printf("# %s: backend %s, %u rank(s) on %u node(s), %s%s, started %s\n", f.positional()[0].c_str(),
              e.backend().c_str(), e.num_ranks(), e.num_nodes(), e.gpu_model().empty() ? e.cpu_model().c_str() : e.gpu_model().c_str(),
              e.nccl_version().empty() ? "" : (", NCCL " + e.nccl_version()).c_str(), e.started_at().c_str());
  if (!p.complete()) std::printf("# INCOMPLETE: %s\n", p.abort_reason().empty() ? "run still going or killed" : p.abort_reason().c_str());
  std::printf("#  case                                 size(B)     tokens     time(us)      p90(us) algbw(GB/s) busbw(GB/s) iters\n");
  print_tables(p);
  return 0;
}

}  // namespace moesim::profiler
