// `moesim validate`: simulates every measured case of a profile with a calibration and prints
// measured vs simulated, with the error.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "sim/calibration/calibration.h"
#include "sim/calibration/validation.h"
#include "sim/cli/commands.h"
#include "sim/cli/flags.h"
#include "traces/proto_io.h"

namespace moesim::cli {
namespace {

constexpr const char* kUsage =
    "usage: moesim validate --profile PROFILE --calibration CALIBRATION [--all] [--benchmark B]\n"
    "                       [--holdout odd-indices|none] [--max-median-error PCT] [--json]\n"
    "\n"
    "Simulates every measured case of a `moeprof run` profile with a `moeprof fit` calibration and\n"
    "prints measured vs simulated time with the relative error (simulated - measured) / measured.\n"
    "By default only the cases the fit did not see: odd-indexed sizes of each sweep and every uneven\n"
    "all-to-allv case. All-to-all cases run simulate_alltoall on the measured machine (a star of the\n"
    "measured ranks with the calibrated links and costs); p2p a one-message transfer; gemm the step\n"
    "simulator's grouped-GEMM model; kernels the calibration's linear model.\n"
    "\n"
    "  --all                   also the cases the fit saw\n"
    "  --benchmark B           only alltoall, alltoallv, p2p, gemm or kernel\n"
    "  --holdout H             the split the fit used (default odd-indices)\n"
    "  --max-median-error PCT  exit 1 when the median absolute error exceeds PCT percent\n";

}  // namespace

int run_validate(const Args& args) {
  FlagSet f("validate");
  f.value("--profile").value("--calibration").toggle("--all").value("--benchmark").value("--holdout")
      .value("--max-median-error").toggle("--json");
  if (auto st = f.parse(args); !st.ok()) return print_error(st.error());
  if (f.help()) {
    std::cout << kUsage;
    return 0;
  }
  if (!f.positional().empty()) return print_error(Error{"validate: unexpected argument '" + f.positional()[0] + "'"});
  if (!f.has("--profile") || !f.has("--calibration")) {
    return print_error(Error{"validate: --profile and --calibration are required (moesim validate --help)"});
  }
  ValidationOptions o;
  o.include_fitted = f.on("--all");
  o.benchmark = f.get_or("--benchmark", "");
  o.holdout = f.get_or("--holdout", "odd-indices");
  if (auto st = check_holdout(o.holdout); !st.ok()) return print_error(Error{"validate: " + st.message()});
  if (!o.benchmark.empty()) {
    const std::vector<std::string> known = {"alltoall", "alltoallv", "p2p", "gemm", "kernel"};
    if (std::find(known.begin(), known.end(), o.benchmark) == known.end()) {
      return print_error(Error{"validate: --benchmark: expected alltoall, alltoallv, p2p, gemm or kernel, got '" + o.benchmark + "'"});
    }
  }
  auto limit = f.number("--max-median-error", 0, 0);
  if (!limit.ok()) return print_error(limit.error());
  const std::string profile_path = *f.get("--profile");
  Profile profile;
  if (auto st = load_proto(profile_path, &profile); !st.ok()) return print_error(st.error());
  auto cal = load_calibration(*f.get("--calibration"));
  if (!cal.ok()) return print_error(cal.error());
  auto rep = validate_calibration(profile, *cal, o);
  if (!rep.ok()) return print_error(Error{"validate: " + rep.message()});
  if (rep->cases.empty()) {
    return print_error(Error{"validate: " + profile_path + ": no case to validate" +
                             (o.include_fitted ? std::string() : " (every usable case was fitted; try --all)")});
  }
  if (f.on("--json")) {
    std::printf("{\n  \"cases\": [\n");
    for (size_t i = 0; i < rep->cases.size(); ++i) {
      const auto& c = rep->cases[i];
      std::printf("    {\"benchmark\": \"%s\", \"case\": \"%s\", \"size\": %.17g, \"measured_s\": %.9g, \"simulated_s\": %.9g, "
                  "\"rel_error\": %.6g, \"fitted\": %s}%s\n",
                  c.benchmark.c_str(), c.case_name.c_str(), c.size, c.measured_s, c.simulated_s, c.rel_error,
                  c.fitted ? "true" : "false", i + 1 < rep->cases.size() ? "," : "");
    }
    std::printf("  ],\n  \"median_abs_error\": %.6g,\n  \"max_abs_error\": %.6g,\n  \"skipped\": %d\n}\n",
                rep->median_abs_error, rep->max_abs_error, rep->skipped);
  } else {
    const auto& e = profile.environment();
    std::printf("# moesim validate: %s (backend %s, %u rank(s)) against %s\n", profile_path.c_str(), e.backend().c_str(),
                e.num_ranks(), f.get("--calibration")->c_str());
    std::printf("# %-10s %-30s %14s %14s %14s %9s %s\n", "benchmark", "case", "size", "measured(us)", "simulated(us)",
                "error", "");
    for (const auto& c : rep->cases) {
      std::printf("  %-10s %-30s %14.0f %14.2f %14.2f %+8.1f%% %s\n", c.benchmark.c_str(), c.case_name.c_str(), c.size,
                  c.measured_s * 1e6, c.simulated_s * 1e6, 100 * c.rel_error, c.fitted ? "(fitted)" : "");
    }
    for (const auto& n : rep->notes) std::printf("# note: %s\n", n.c_str());
    // Per benchmark summary, then the overall line.
    for (const char* b : {"alltoall", "alltoallv", "p2p", "gemm", "kernel"}) {
      std::vector<double> errs;
      for (const auto& c : rep->cases)
        if (c.benchmark == b) errs.push_back(std::fabs(c.rel_error));
      if (errs.empty()) continue;
      std::sort(errs.begin(), errs.end());
      const size_t n = errs.size();
      const double med = n % 2 ? errs[n / 2] : 0.5 * (errs[n / 2 - 1] + errs[n / 2]);
      std::printf("# %-10s %3zu case(s): median |error| %5.1f%%, max %5.1f%%\n", b, n, 100 * med, 100 * errs.back());
    }
    std::printf("validate: %zu case(s)%s, median |error| %.1f%%, max |error| %.1f%%%s\n", rep->cases.size(),
                o.include_fitted ? "" : " not seen by the fit", 100 * rep->median_abs_error, 100 * rep->max_abs_error,
                rep->skipped ? (", " + std::to_string(rep->skipped) + " skipped").c_str() : "");
  }
  if (*limit > 0 && 100 * rep->median_abs_error > *limit) return 1;
  return 0;
}

}  // namespace moesim::cli
