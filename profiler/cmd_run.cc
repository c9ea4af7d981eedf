// `moeprof run`: the measurement sweeps.
#include <cstdio>
#include <iostream>
#include <sstream>

#include "profiler/backend.h"
#include "profiler/benchmarks.h"
#include "profiler/cli.h"
#include "profiler/environment.h"
#include "sim/cli/flags.h"
#include "sim/topology/units.h"
#include "traces/proto_io.h"

namespace moesim::profiler {
namespace {

constexpr const char* kUsage =
    "usage: mpirun -np N moeprof run [options]      (one rank per GPU)\n"
    "       moeprof run [options]                   (one process, no MPI needed)\n"
    "\n"
    "Measures and writes a profile (protobuf; rewritten after every measurement, so a run that\n"
    "dies keeps what it measured) and prints nccl-tests style tables.\n"
    "\n"
    "  --backend B          auto (cuda when every rank sees a GPU), host (MPI + CPU), cuda (NCCL + CUDA)\n"
    "  --out FILE           profile to write (.pb, .json, .textproto; default profile.pb)\n"
    "  --benchmarks LIST    any of alltoall,alltoallv,p2p,kernels,gemm (default: all)\n"
    "  --min-bytes SIZE     smallest all-to-all size per rank (default 1KiB)\n"
    "  --max-bytes SIZE     largest all-to-all size per rank (default 1GiB cuda, 64MiB host)\n"
    "  --uneven-sizes LIST  mean bytes per rank of the uneven cases (default 256KiB,4MiB,32MiB host;\n"
    "                       16MiB,128MiB,512MiB cuda; capped at --max-bytes)\n"
    "  --trace PATH         real expert-load log for uneven splits (SmartMoE per-rank counts, ...)\n"
    "  --trace-cases N      snapshots taken from it (default 3)\n"
    "  --hidden N           token hidden size for uneven splits (default 2048)\n"
    "  --dtype-bytes N      bytes per element (default 2, BF16)\n"
    "  --kernel-tokens LIST token counts of the kernel sweep (default 256..16384 host, ..1Mi cuda)\n"
    "  --gemm-tokens LIST   tokens per expert of the GEMM sweep (default 1..4096 host, ..16384 cuda)\n"
    "  --gemm-hidden N, --gemm-ffn N   expert GEMM shape (default 256x512 host, 4096x2048 cuda)\n"
    "  --warmup N           untimed repeats (default 3)\n"
    "  --iters N            timed repeats at most (default 20; fewer once --time-budget is spent)\n"
    "  --time-budget T      measured time per case before stopping early (default 1s; min 5 repeats)\n"
    "  --timeout T          wall-clock limit per case; past it the run ends (default 120s)\n"
    "  --seed S             routing-model seed (default 1)\n"
    "  --quiet              no tables\n";

Result<std::vector<double>> size_list(const std::string& text, const std::string& flag) {
  std::vector<double> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    auto v = parse_size(item);
    if (!v.ok()) return Error{flag + ": " + v.message()};
    if (*v <= 0) return Error{flag + ": sizes must be positive, got '" + item + "'"};
    out.push_back(*v);
  }
  if (out.empty()) return Error{flag + ": empty list"};
  return out;
}

std::vector<long long> doubling(long long from, long long to) {
  std::vector<long long> v;
  for (long long x = from; x <= to; x *= 2) v.push_back(x);
  return v;
}

}  // namespace

int usage_error(const Error& e) {
  std::cerr << "moeprof: " << e.message << std::endl;
  return 2;
}

int run_command(int argc, char** argv, const std::vector<std::string>& args) {
  cli::FlagSet f("run");
  f.value("--backend").value("--out").value("--benchmarks").value("--min-bytes").value("--max-bytes")
      .value("--uneven-sizes").value("--trace").value("--trace-cases").value("--hidden").value("--dtype-bytes")
      .value("--kernel-tokens").value("--gemm-tokens").value("--gemm-hidden").value("--gemm-ffn").value("--warmup")
      .value("--iters").value("--time-budget").value("--timeout").value("--seed").toggle("--quiet");
  if (auto st = f.parse(args); !st.ok()) return usage_error(st.error());
  if (f.help()) {
    std::cout << kUsage;
    return 0;
  }
  if (!f.positional().empty()) return usage_error(Error{"run: unexpected argument '" + f.positional()[0] + "'"});
  const std::string backend_name = f.get_or("--backend", "auto");
  if (backend_name != "auto" && backend_name != "host" && backend_name != "cuda") {
    return usage_error(Error{"run: --backend: expected auto, host or cuda, got '" + backend_name + "'"});
  }
  bool want[5] = {true, true, true, true, true};
  const std::vector<std::string> names = {"alltoall", "alltoallv", "p2p", "kernels", "gemm"};
  if (auto b = f.get("--benchmarks")) {
    for (bool& w : want) w = false;
    std::stringstream ss(*b);
    std::string item;
    while (std::getline(ss, item, ',')) {
      bool found = false;
      for (size_t i = 0; i < names.size(); ++i) {
        if (item == names[i]) want[i] = found = true;
      }
      if (!found) return usage_error(Error{"run: --benchmarks: unknown benchmark '" + item + "' (alltoall, alltoallv, p2p, kernels, gemm)"});
    }
  }
  auto dur = [&](const char* flag, double def) -> Result<double> {
    auto v = f.get(flag);
    if (!v) return def;
    auto d = parse_duration(*v);
    if (!d.ok()) return Error{std::string("run: ") + flag + ": " + d.message()};
    if (*d <= 0) return Error{std::string("run: ") + flag + ": must be positive"};
    return *d;
  };
  HarnessOptions ho;
  ho.out_path = f.get_or("--out", "profile.pb");
  ho.quiet = f.on("--quiet");
  {
    auto w = f.integer("--warmup", 3, 0, 1000);
    if (!w.ok()) return usage_error(w.error());
    ho.warmup = static_cast<int>(*w);
    auto it = f.integer("--iters", 20, 1, 100000);
    if (!it.ok()) return usage_error(it.error());
    ho.iterations = static_cast<int>(*it);
    ho.min_iterations = std::min(ho.iterations, 5);
    auto tb = dur("--time-budget", 1.0);
    if (!tb.ok()) return usage_error(tb.error());
    ho.time_budget_s = *tb;
    auto to = dur("--timeout", 120.0);
    if (!to.ok()) return usage_error(to.error());
    ho.timeout_s = *to;
  }
  if (auto fmt = proto_format_for_path(ho.out_path); !fmt.ok()) return usage_error(fmt.error());

  SweepOptions so;
  auto int_flag = [&](const char* flag, int def, int lo, int hi, int* out) -> Status {
    auto v = f.integer(flag, def, lo, hi);
    if (!v.ok()) return v.error();
    *out = static_cast<int>(*v);
    return {};
  };
  int trace_cases = 3, seed = 1;
  for (auto st : {int_flag("--trace-cases", 3, 1, 1000, &trace_cases), int_flag("--hidden", 2048, 1, 1 << 20, &so.hidden),
                  int_flag("--dtype-bytes", 2, 1, 16, &so.dtype_bytes), int_flag("--seed", 1, 0, 1 << 30, &seed)}) {
    if (!st.ok()) return usage_error(st.error());
  }
  so.trace_cases = trace_cases;
  so.seed = static_cast<unsigned long long>(seed);
  so.trace_path = f.get_or("--trace", "");
  if (auto v = f.get("--min-bytes")) {
    auto s = size_list(*v, "run: --min-bytes");
    if (!s.ok()) return usage_error(s.error());
    so.min_bytes = (*s)[0];
  }
  std::vector<double> max_given;
  if (auto v = f.get("--max-bytes")) {
    auto s = size_list(*v, "run: --max-bytes");
    if (!s.ok()) return usage_error(s.error());
    max_given = *s;
  }
  std::vector<double> uneven_given;
  if (auto v = f.get("--uneven-sizes")) {
    auto s = size_list(*v, "run: --uneven-sizes");
    if (!s.ok()) return usage_error(s.error());
    uneven_given = *s;
  }
  std::vector<long long> kernel_tokens, gemm_tokens;
  for (auto [flag, out] : {std::pair{"--kernel-tokens", &kernel_tokens}, std::pair{"--gemm-tokens", &gemm_tokens}}) {
    if (auto v = f.get(flag)) {
      auto s = size_list(*v, std::string("run: ") + flag);
      if (!s.ok()) return usage_error(s.error());
      for (double x : *s) out->push_back(static_cast<long long>(x));
    }
  }
  int gemm_hidden = 0, gemm_ffn = 0;
  for (auto [flag, out] : {std::pair{"--gemm-hidden", &gemm_hidden}, std::pair{"--gemm-ffn", &gemm_ffn}}) {
    if (!f.has(flag)) continue;
    if (auto st = int_flag(flag, 0, 1, 1 << 20, out); !st.ok()) return usage_error(st.error());
  }

  // Flags are valid: start the ranks.
  auto comm_r = Communicator::create(&argc, &argv);
  if (!comm_r.ok()) return usage_error(comm_r.error());
  Communicator& comm = **comm_r;
  auto backend_r = make_backend(backend_name, comm);
  if (!backend_r.ok()) {
    std::cerr << "moeprof: rank " << comm.rank() << ": " << backend_r.message() << std::endl;
    if (comm.uses_mpi()) comm.abort(2);
    return 2;
  }
  Backend& backend = **backend_r;
  const bool cuda = backend.name() == "cuda";
  so.max_bytes = max_given.empty() ? (cuda ? 1024.0 * 1024 * 1024 : 64.0 * 1024 * 1024) : max_given[0];
  if (so.max_bytes < so.min_bytes) return usage_error(Error{"run: --max-bytes is below --min-bytes"});
  for (double b : uneven_given.empty() ? std::vector<double>{cuda ? 16.0 * 1024 * 1024 : 256.0 * 1024,
                                                              cuda ? 128.0 * 1024 * 1024 : 4.0 * 1024 * 1024,
                                                              cuda ? 512.0 * 1024 * 1024 : 32.0 * 1024 * 1024}
                                       : uneven_given) {
    if (b <= so.max_bytes) so.uneven_rank_bytes.push_back(b);
  }
  so.kernel_tokens = kernel_tokens.empty() ? doubling(256, cuda ? 1 << 20 : 16384) : kernel_tokens;
  so.gemm_tokens = gemm_tokens.empty() ? doubling(1, cuda ? 16384 : 4096) : gemm_tokens;
  so.gemm_hidden = gemm_hidden > 0 ? gemm_hidden : (cuda ? 4096 : 256);
  so.gemm_ffn = gemm_ffn > 0 ? gemm_ffn : (cuda ? 2048 : 512);

  Profile profile;
  std::string cmdline;
  for (int i = 0; i < argc; ++i) cmdline += (i ? " " : "") + std::string(argv[i]);
  auto* env = profile.mutable_environment();
  if (auto st = describe_ranks(comm, cmdline, env); !st.ok()) {
    std::cerr << "moeprof: " << st.message() << std::endl;
    comm.abort(1);
  }
  env->set_backend(backend.name());
  backend.describe(env);
  so.rank_node = rank_nodes(*env);
  Harness h(comm, backend, &profile, ho);
  if (h.is_root() && !ho.quiet) {
    std::printf("# moeprof %s: backend %s, %d rank(s) on %u node(s) (%s), %s\n", env->moeprof_version().c_str(),
                backend.name().c_str(), comm.size(), env->num_nodes(), env->hosts(0).c_str(),
                env->gpu_model().empty() ? env->cpu_model().c_str() : env->gpu_model().c_str());
    std::printf("# profile: %s (rewritten after every measurement)\n", ho.out_path.c_str());
  }
  if (auto st = h.write(false); !st.ok()) {
    std::cerr << "moeprof: " << st.message() << std::endl;
    comm.abort(2);
  }
  if (want[0]) run_alltoall(h, so);
  if (want[1] && comm.size() > 1) run_alltoallv(h, so);
  if (want[2]) run_p2p(h, so);
  if (want[3]) run_kernels(h, so);
  if (want[4]) run_gemm(h, so);
  if (auto st = h.write(true); !st.ok()) {
    std::cerr << "moeprof: " << st.message() << std::endl;
    comm.abort(1);
  }
  if (h.is_root() && !ho.quiet) std::printf("# done: %d measurement(s) in %s\n", profile.records_size(), ho.out_path.c_str());
  comm.finalize();
  return 0;
}

}  // namespace moesim::profiler
