#include "traces/trace_megatron.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "traces/file_io.h"
#include "traces/trace_csv.h"
#include "traces/trace_shape.h"

namespace moesim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int64_t kMaxExperts = 1 << 20;

// (block order: decoder 0, mtp 1; mtp_idx; layer)
using LayerKey = std::tuple<int, int64_t, int64_t>;
// (step, rank, layer)
using RecordKey = std::tuple<int64_t, int64_t, LayerKey>;

struct Context {
  const std::string& file;
  int line;
  Error error(const std::string& field, const std::string& what) const {
    return make_error(file, "line " + std::to_string(line), (field.empty() ? "" : "field '" + field + "': ") + what);
  }
};

Result<int64_t> get_int(const json& rec, const char* name, const Context& ctx, bool required, int64_t fallback) {
  auto it = rec.find(name);
  if (it == rec.end() || it->is_null()) {
    if (required) return ctx.error(name, "missing");
    return fallback;
  }
  if (!it->is_number_integer()) return ctx.error(name, "expected an integer, found " + std::string(it->type_name()));
  return it->get<int64_t>();
}

// Rank from "router_trace_rank12.jsonl" -> 12, else -1.
int64_t rank_from_file_name(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  const std::string prefix = "router_trace_rank";
  if (name.rfind(prefix, 0) != 0) return -1;
  int64_t r = 0;
  const size_t dot = name.find('.', prefix.size());
  if (!parse_int64(std::string_view(name).substr(prefix.size(), dot - prefix.size()), &r) || r < 0) return -1;
  return r;
}

}  // namespace

bool is_megatron_dir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (rank_from_file_name(e.path().string()) >= 0 && e.path().extension() == ".jsonl") return true;
  }
  return false;
}

Result<ExpertLoadTrace> parse_megatron_jsonl(const std::vector<std::pair<std::string, std::string>>& files,
                                             const TraceImportOptions& opts, const std::string& source) {
  std::map<RecordKey, std::vector<double>> hist;
  int64_t max_id = -1;
  int64_t top_k = -1;  // -1 unknown yet, -2 varies
  size_t num_records = 0;
  for (const auto& [name, text] : files) {
    const int64_t file_rank = std::max<int64_t>(rank_from_file_name(name), 0);
    size_t pos = 0;
    int line = 0;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      std::string_view row(text.data() + pos, end - pos);
      pos = end + 1;
      ++line;
      if (trim_spaces(row).empty() || trim_spaces(row) == "\r") continue;
      const Context ctx{name, line};
      json rec;
      try {
        rec = json::parse(row);
      } catch (const json::parse_error& e) {
        return ctx.error("", "invalid JSON at column " + std::to_string(e.byte) + ": " + e.what());
      } catch (const json::exception& e) {  // out_of_range: a number beyond double (1e400)
        return ctx.error("", std::string("invalid JSON: ") + e.what());
      }
      if (!rec.is_object()) return ctx.error("", "expected a JSON object per line");
      MOESIM_ASSIGN_OR_RETURN(int64_t step, get_int(rec, "step", ctx, true, 0));
      MOESIM_ASSIGN_OR_RETURN(int64_t layer, get_int(rec, "layer", ctx, true, 0));
      MOESIM_ASSIGN_OR_RETURN(int64_t rank, get_int(rec, "rank", ctx, false, file_rank));
      MOESIM_ASSIGN_OR_RETURN(int64_t mtp_idx, get_int(rec, "mtp_idx", ctx, false, 0));
      if (layer < 0) return ctx.error("layer", "negative layer " + std::to_string(layer));
      if (rank < 0) return ctx.error("rank", "negative rank " + std::to_string(rank));
      int block = 0;
      if (auto b = rec.find("block"); b != rec.end() && !b->is_null()) {
        if (!b->is_string()) return ctx.error("block", "expected \"decoder\" or \"mtp\"");
        const std::string bs = b->get<std::string>();
        if (bs == "mtp") {
          block = 1;
        } else if (bs != "decoder") {
          return ctx.error("block", "unknown block '" + bs + "' (expected \"decoder\" or \"mtp\")");
        }
      }
      std::vector<double>& h = hist[RecordKey{step, rank, LayerKey{block, block ? mtp_idx : 0, layer}}];
      auto bump = [&](int64_t id, double n) {
        if (static_cast<size_t>(id) >= h.size()) h.resize(static_cast<size_t>(id) + 1, 0.0);
        h[static_cast<size_t>(id)] += n;
        max_id = std::max(max_id, id);
      };
      const json* ids = nullptr;
      const char* ids_name = "top_indices";
      if (auto it = rec.find("top_indices"); it != rec.end()) ids = &*it;
      else if (auto it2 = rec.find("topk_ids"); it2 != rec.end()) ids = &*it2, ids_name = "topk_ids";
      if (ids != nullptr) {
        if (!ids->is_array()) return ctx.error(ids_name, "expected a list of per-token lists of expert ids");
        int64_t k = -1;
        for (size_t tok = 0; tok < ids->size(); ++tok) {
          const json& row_ids = (*ids)[tok];
          const std::string where = std::string(ids_name) + "[" + std::to_string(tok) + "]";
          if (!row_ids.is_array()) return ctx.error(where, "expected a list of expert ids");
          if (k >= 0 && static_cast<int64_t>(row_ids.size()) != k) {
            return ctx.error(where, "has " + std::to_string(row_ids.size()) + " expert ids, the tokens before have " +
                                        std::to_string(k) + " (ragged top-k)");
          }
          k = static_cast<int64_t>(row_ids.size());
          for (size_t c = 0; c < row_ids.size(); ++c) {
            const json& v = row_ids[c];
            if (!v.is_number_integer() || v.get<int64_t>() < 0) {
              return ctx.error(where + "[" + std::to_string(c) + "]",
                               "expected a non-negative integer expert id, found " + v.dump());
            }
            const int64_t id = v.get<int64_t>();
            if (id >= kMaxExperts) return ctx.error(where, "implausible expert id " + std::to_string(id));
            bump(id, 1.0);
          }
        }
        MOESIM_ASSIGN_OR_RETURN(int64_t nt, get_int(rec, "num_tokens", ctx, false, static_cast<int64_t>(ids->size())));
        if (nt != static_cast<int64_t>(ids->size())) {
          return ctx.error("num_tokens", "is " + std::to_string(nt) + " but " + ids_name + " has " +
                                             std::to_string(ids->size()) + " tokens");
        }
        MOESIM_ASSIGN_OR_RETURN(int64_t tk, get_int(rec, "topk", ctx, false, k));
        if (k >= 0 && tk != k) {
          return ctx.error("topk", "is " + std::to_string(tk) + " but each token has " + std::to_string(k) + " ids");
        }
        if (tk >= 0) top_k = (top_k == -1 || top_k == tk) ? tk : -2;
      } else if (auto tpe = rec.find("tokens_per_expert"); tpe != rec.end()) {
        if (!tpe->is_array() || tpe->empty()) return ctx.error("tokens_per_expert", "expected a non-empty list of counts");
        if (static_cast<int64_t>(tpe->size()) > kMaxExperts) return ctx.error("tokens_per_expert", "implausibly long");
        for (size_t e = 0; e < tpe->size(); ++e) {
          const json& v = (*tpe)[e];
          if (!v.is_number() || v.get<double>() < 0) {
            return ctx.error("tokens_per_expert[" + std::to_string(e) + "]",
                             "expected a non-negative count, found " + v.dump());
          }
          bump(static_cast<int64_t>(e), v.get<double>());
        }
        // A counted record states how many experts it knows about, even those at zero.
        max_id = std::max(max_id, static_cast<int64_t>(tpe->size()) - 1);
      } else {
        return ctx.error("top_indices", "missing (and no topk_ids or tokens_per_expert either)");
      }
      ++num_records;
    }
  }
  if (num_records == 0) return make_error(source, "", "empty trace (no JSON records)");
  if (max_id < 0) return make_error(source, "", "no expert ids in any record (every top_indices list is empty)");

  size_t num_experts = static_cast<size_t>(max_id) + 1;
  if (opts.num_experts > 0) {
    if (static_cast<size_t>(max_id) >= opts.num_experts) {
      return make_error(source, "", "expert id " + std::to_string(max_id) + " is out of range for --num-experts " +
                                        std::to_string(opts.num_experts));
    }
    num_experts = opts.num_experts;
  }
  std::vector<int64_t> steps, ranks;
  std::vector<LayerKey> layers;
  for (const auto& [key, h] : hist) {
    steps.push_back(std::get<0>(key));
    ranks.push_back(std::get<1>(key));
    layers.push_back(std::get<2>(key));
  }
  for (auto* v : {&steps, &ranks}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  std::sort(layers.begin(), layers.end());
  layers.erase(std::unique(layers.begin(), layers.end()), layers.end());

  const size_t num_ranks = ranks.size() > 1 ? ranks.size() : 0;
  ExpertLoadTrace t;
  init_trace_shape(&t, steps.size(), layers.size(), num_experts, num_ranks);
  for (size_t s = 0; s < steps.size(); ++s) t.set_step_ids(static_cast<int>(s), steps[s]);
  for (const auto& [block, mtp, layer] : layers) {
    t.add_layer_names(block == 0 ? "layer " + std::to_string(layer)
                                 : "mtp " + std::to_string(mtp) + " layer " + std::to_string(layer));
  }
  for (const auto& [key, h] : hist) {
    const size_t s = std::lower_bound(steps.begin(), steps.end(), std::get<0>(key)) - steps.begin();
    const size_t l = std::lower_bound(layers.begin(), layers.end(), std::get<2>(key)) - layers.begin();
    double* dst;
    if (num_ranks > 0) {
      const size_t r = std::lower_bound(ranks.begin(), ranks.end(), std::get<1>(key)) - ranks.begin();
      dst = t.mutable_rank_counts()->mutable_data() + rank_count_index(t, s, r, l, 0);
    } else {
      dst = t.mutable_counts()->mutable_data() + count_index(t, s, l, 0);
    }
    for (size_t e = 0; e < h.size(); ++e) dst[e] += h[e];
  }
  if (num_ranks > 0) sum_rank_counts(&t);
  if (top_k > 0) t.set_top_k(static_cast<uint32_t>(top_k));
  t.set_format("megatron-jsonl");
  t.set_source(source);
  MOESIM_RETURN_IF_ERROR(validate_expert_load_trace(t, source));
  return t;
}

Result<ExpertLoadTrace> import_megatron_jsonl(const std::string& path, const TraceImportOptions& opts) {
  std::vector<std::string> paths;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<std::pair<int64_t, std::string>> found;
    for (const auto& e : fs::directory_iterator(path, ec)) {
      const int64_t r = rank_from_file_name(e.path().string());
      if (r >= 0 && e.path().extension() == ".jsonl") found.emplace_back(r, e.path().string());
    }
    std::sort(found.begin(), found.end());
    for (auto& f : found) paths.push_back(f.second);
    if (paths.empty()) return make_error(path, "", "folder has no router_trace_rank*.jsonl files");
  } else {
    paths.push_back(path);
  }
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& p : paths) {
    MOESIM_ASSIGN_OR_RETURN(std::string text, read_file(p));
    files.emplace_back(p, std::move(text));
  }
  return parse_megatron_jsonl(files, opts, path);
}

}  // namespace moesim
