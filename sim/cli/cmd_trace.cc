// `moesim trace`: inspect and convert expert-load traces in any format traces/trace_import.h
// reads (SmartMoE, OLMoE, HarMoEny, Megatron-LM router traces, .npy, long CSV, moesim protobuf).
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "sim/cli/commands.h"
#include "sim/cli/flags.h"
#include "sim/cli/progress.h"
#include "traces/trace_export.h"
#include "traces/trace_import.h"
#include "traces/trace_stats.h"

namespace moesim::cli {
namespace {

constexpr const char* kUsage =
    "usage: moesim trace stats FILE|FOLDER [--json] [importer options]\n"
    "       moesim trace convert IN OUT [importer options]\n"
    "\n"
    "stats    shape, total tokens, imbalance (max/mean over experts) per layer over the\n"
    "         steps (first, last, max), a per-step summary and the hottest experts.\n"
    "         --json prints everything, every step included; --rows N sets how many steps\n"
    "         the text report shows (default 12).\n"
    "convert  reads IN (any format below) and writes OUT by its extension: .pb, .json,\n"
    "         .textproto (everything kept), .npy (counts [steps, layers, experts]) or .csv\n"
    "         (step,layer,expert,tokens). The file is written whole or not at all.\n"
    "\n"
    "formats (detected from the path and the first line; --format NAME forces one):\n"
    "  npy             .npy array [steps, layers, experts] or [layers, experts]\n"
    "  csv             long CSV with header step,layer,expert,tokens\n"
    "  smartmoe        global_layer_expert_counts.csv, per_rank_layer_expert_counts.csv.gz,\n"
    "                  or their folder (per-rank preferred: fills per-rank counts)\n"
    "  olmoe           OLMoE expert_counts.csv (model,domain,selection,layer,expert,...)\n"
    "  harmoeny        HarMoEny raw_trace/<model>/ folder ({rank}/moe_layer-{i}.csv)\n"
    "  megatron-jsonl  Megatron-LM --moe-routing-trace-path output: router_trace_rank*.jsonl\n"
    "                  or the folder holding them\n"
    "  moesim          ExpertLoadTrace as .pb / .json / .textproto\n"
    "\n"
    "importer options:\n"
    "  --format NAME        force the format\n"
    "  --model-name NAME    OLMoE: the model's rows (default: the first model in the file)\n"
    "  --domain NAME        OLMoE: one text domain (default: every domain, one step each)\n"
    "  --selection topk|top1  OLMoE: all k choices per token (default) or the first only\n"
    "  --num-experts N      Megatron: experts per layer (default: largest id seen + 1)\n"
    "  --quiet              no progress lines (shown for text inputs of 16 MiB and more, e.g.\n"
    "                       the .json/.textproto form of a long trace, which take seconds)\n";

void add_import_flags(FlagSet& flags) {
  flags.value("--format").value("--model-name").value("--domain").value("--selection").value("--num-experts");
  flags.toggle("--quiet");
}

// Progress in phases (read, then compute or write): the readers and writers are single calls
// into protobuf/zlib with no progress of their own. Only for inputs that take seconds: text
// encodings of 16 MiB and more (the JSON form of the real SmartMoE per-rank trace, 40 MB, takes
// 2 s to read; its 52 MB binary .pb 0.2 s).
Progress phase_progress(const char* what, const FlagSet& flags, const std::string& input) {
  std::error_code ec;
  const auto bytes = std::filesystem::is_regular_file(input, ec) ? std::filesystem::file_size(input, ec) : 0;
  const std::string ext = std::filesystem::path(input).extension().string();
  const bool binary = ext == ".pb" || ext == ".npy";
  return Progress(what, flags.on("--quiet") || ec || binary || bytes < (16u << 20));
}

Result<TraceImportOptions> import_options(const FlagSet& flags) {
  TraceImportOptions o;
  o.format = flags.get_or("--format", "");
  o.model_name = flags.get_or("--model-name", "");
  o.domain = flags.get_or("--domain", "");
  o.selection = flags.get_or("--selection", "topk");
  if (o.selection != "topk" && o.selection != "top1") {
    return Error{"trace: --selection must be topk or top1, not '" + o.selection + "'"};
  }
  MOESIM_ASSIGN_OR_RETURN(long long n, flags.integer("--num-experts", 0, 0, 1 << 20));
  o.num_experts = static_cast<uint32_t>(n);
  return o;
}

int run_stats(const Args& args) {
  FlagSet flags("trace stats");
  add_import_flags(flags);
  flags.toggle("--json").value("--rows");
  if (auto st = flags.parse(args); !st.ok()) return print_error(st.error());
  if (flags.help()) {
    std::cout << kUsage;
    return 0;
  }
  if (flags.positional().size() != 1) return print_error(Error{"trace stats: give exactly one trace file or folder"});
  auto opts = import_options(flags);
  if (!opts.ok()) return print_error(opts.error());
  auto rows = flags.integer("--rows", 12, 2, 1000000);
  if (!rows.ok()) return print_error(rows.error());
  Progress progress = phase_progress("trace stats", flags, flags.positional()[0]);
  progress.update(0, 2);
  auto trace = load_expert_load_trace(flags.positional()[0], *opts);
  progress.update(1, 2);
  if (!trace.ok()) {
    progress.finish();
    return print_error(trace.error());
  }
  const TraceStats stats = compute_trace_stats(*trace);
  progress.update(2, 2);
  progress.finish();
  if (flags.on("--json")) {
    std::cout << trace_stats_json(*trace, stats).dump(2) << "\n";
  } else {
    std::cout << format_trace_stats_text(*trace, stats, static_cast<size_t>(*rows));
  }
  return 0;
}

int run_convert(const Args& args) {
  FlagSet flags("trace convert");
  add_import_flags(flags);
  if (auto st = flags.parse(args); !st.ok()) return print_error(st.error());
  if (flags.help()) {
    std::cout << kUsage;
    return 0;
  }
  if (flags.positional().size() != 2) return print_error(Error{"trace convert: give IN and OUT"});
  auto opts = import_options(flags);
  if (!opts.ok()) return print_error(opts.error());
  const std::string& out = flags.positional()[1];
  Progress progress = phase_progress("trace convert", flags, flags.positional()[0]);
  progress.update(0, 2);
  auto trace = load_expert_load_trace(flags.positional()[0], *opts);
  progress.update(1, 2);
  if (!trace.ok()) {
    progress.finish();
    return print_error(trace.error());
  }
  const Status saved = save_expert_load_trace(out, *trace);
  progress.update(2, 2);
  progress.finish();
  if (!saved.ok()) return print_error(saved.error());
  if (const std::string dropped = export_dropped_fields(out, *trace); !dropped.empty()) {
    std::cerr << "moesim: note: " << out << " does not keep: " << dropped << " (.pb/.json/.textproto keep everything)\n";
  }
  std::printf("wrote %s (%u steps x %u layers x %u experts)\n", out.c_str(), trace->num_steps(), trace->num_layers(),
              trace->num_experts());
  return 0;
}

}  // namespace

int run_trace(const Args& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const Args rest(args.begin() + 1, args.end());
  if (args[0] == "stats") return run_stats(rest);
  if (args[0] == "convert") return run_convert(rest);
  return print_error(Error{"trace: unknown subcommand '" + args[0] + "' (expected stats or convert)"});
}

}  // namespace moesim::cli
