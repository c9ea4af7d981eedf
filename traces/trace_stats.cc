#include "traces/trace_stats.h"

#include <algorithm>
#include <cstdio>

#include "traces/trace_shape.h"

namespace moesim {
namespace {

int64_t step_id(const ExpertLoadTrace& t, size_t s) {
  return t.step_ids_size() ? t.step_ids(static_cast<int>(s)) : static_cast<int64_t>(s);
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// 262144 -> "262,144"; non-integers keep 1 decimal.
std::string grouped(double v) {
  if (v != static_cast<double>(static_cast<int64_t>(v)) || v > 9e15) return fixed(v, 1);
  std::string digits = std::to_string(static_cast<int64_t>(v));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

double layer_imbalance(const ExpertLoadTrace& t, size_t step, size_t layer) {
  const double* c = t.counts().data() + count_index(t, step, layer, 0);
  double sum = 0, mx = 0;
  for (size_t e = 0; e < t.num_experts(); ++e) {
    sum += c[e];
    mx = std::max(mx, c[e]);
  }
  if (sum <= 0) return 0;
  return mx / (sum / t.num_experts());
}

TraceStats compute_trace_stats(const ExpertLoadTrace& t, size_t num_hottest) {
  TraceStats st;
  const size_t S = t.num_steps(), L = t.num_layers(), E = t.num_experts();
  std::vector<double> expert_total(L * E, 0.0), layer_total(L, 0.0);
  st.layers.resize(L);
  for (size_t l = 0; l < L; ++l) {
    st.layers[l].name = t.layer_names_size() ? t.layer_names(static_cast<int>(l)) : "layer " + std::to_string(l);
  }
  for (size_t s = 0; s < S; ++s) {
    StepSummary ss;
    ss.step_id = step_id(t, s);
    if (t.step_names_size()) ss.name = t.step_names(static_cast<int>(s));
    for (size_t l = 0; l < L; ++l) {
      const double* c = t.counts().data() + count_index(t, s, l, 0);
      double layer_tokens = 0;
      uint32_t zeros = 0;
      for (size_t e = 0; e < E; ++e) {
        layer_tokens += c[e];
        expert_total[l * E + e] += c[e];
        if (c[e] == 0) ++zeros;
      }
      layer_total[l] += layer_tokens;
      const double imb = layer_imbalance(t, s, l);
      ss.tokens += layer_tokens;
      ss.mean_imbalance += imb / L;
      ss.zero_experts += zeros;
      if (l == 0 || imb > ss.max_imbalance) {
        ss.max_imbalance = imb;
        ss.max_layer = static_cast<uint32_t>(l);
      }
      LayerImbalance& li = st.layers[l];
      if (s == 0) li.first = imb;
      if (s + 1 == S) {
        li.last = imb;
        li.zero_experts_last = zeros;
        li.tokens_last = layer_tokens;
      }
      if (s == 0 || imb > li.max) {
        li.max = imb;
        li.max_step_id = ss.step_id;
      }
    }
    st.total_tokens += ss.tokens;
    st.steps.push_back(std::move(ss));
  }
  std::vector<size_t> order(L * E);
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  const size_t k = std::min(num_hottest, order.size());
  std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](size_t a, size_t b) {
    return expert_total[a] != expert_total[b] ? expert_total[a] > expert_total[b] : a < b;
  });
  for (size_t i = 0; i < k; ++i) {
    HotExpert h;
    h.layer = static_cast<uint32_t>(order[i] / E);
    h.expert = static_cast<uint32_t>(order[i] % E);
    h.tokens = expert_total[order[i]];
    h.layer_share = layer_total[h.layer] > 0 ? h.tokens / layer_total[h.layer] : 0;
    if (h.tokens <= 0) break;
    st.hottest.push_back(h);
  }
  return st;
}

std::string format_trace_stats_text(const ExpertLoadTrace& t, const TraceStats& s, size_t max_step_rows) {
  std::string o;
  char buf[256];
  o += "trace    " + t.source() + "\n";
  o += "format   " + t.format() + "\n";
  std::snprintf(buf, sizeof buf, "shape    %u steps x %u layers x %u experts", t.num_steps(), t.num_layers(),
                t.num_experts());
  o += buf;
  if (t.num_ranks() > 0) o += " (per-rank counts from " + std::to_string(t.num_ranks()) + " ranks)";
  o += "\n";
  if (t.top_k() > 0) o += "top_k    " + std::to_string(t.top_k()) + "\n";
  if (t.num_steps() > 0) {
    o += "steps    ids " + std::to_string(s.steps.front().step_id) + " .. " + std::to_string(s.steps.back().step_id);
    if (t.step_names_size()) {
      o += " (";
      for (int i = 0; i < t.step_names_size(); ++i) o += (i ? ", " : "") + t.step_names(i);
      o += ")";
    }
    o += "\n";
  }
  o += "tokens   " + grouped(s.total_tokens) + " token assignments in all";
  if (!s.steps.empty()) o += "; " + grouped(s.steps.back().tokens) + " at the last step";
  o += "\n\nimbalance (max/mean over experts) per layer:\n";
  std::snprintf(buf, sizeof buf, "  %-16s %8s %8s %8s %12s %10s\n", "layer", "first", "last", "max", "max at step",
                "zero@last");
  o += buf;
  for (const auto& l : s.layers) {
    std::snprintf(buf, sizeof buf, "  %-16s %8.2f %8.2f %8.2f %12lld %6u/%-3u\n", l.name.c_str(), l.first, l.last,
                  l.max, static_cast<long long>(l.max_step_id), l.zero_experts_last, t.num_experts());
    o += buf;
  }
  o += "\nper step (mean and max imbalance over layers):\n";
  std::snprintf(buf, sizeof buf, "  %10s %-12s %14s %8s %8s %8s %10s\n", "step", "", "tokens", "mean", "max",
                "at layer", "zero cells");
  o += buf;
  const size_t n = s.steps.size();
  std::vector<size_t> rows;
  if (n <= max_step_rows || max_step_rows < 2) {
    for (size_t i = 0; i < n; ++i) rows.push_back(i);
  } else {
    for (size_t i = 0; i < max_step_rows; ++i) rows.push_back(i * (n - 1) / (max_step_rows - 1));
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  }
  for (size_t i : rows) {
    const auto& st = s.steps[i];
    std::snprintf(buf, sizeof buf, "  %10lld %-12s %14s %8.2f %8.2f %8u %10u\n", static_cast<long long>(st.step_id),
                  st.name.substr(0, 12).c_str(), grouped(st.tokens).c_str(), st.mean_imbalance, st.max_imbalance,
                  st.max_layer, st.zero_experts);
    o += buf;
  }
  if (rows.size() < n) o += "  (" + std::to_string(rows.size()) + " of " + std::to_string(n) + " steps shown; --json lists all)\n";
  o += "\nhottest experts (tokens over all steps, share of their layer):\n";
  for (const auto& h : s.hottest) {
    const std::string lname = s.layers[h.layer].name;
    std::snprintf(buf, sizeof buf, "  %-16s expert %-5u %14s %6.1f%%\n", lname.c_str(), h.expert,
                  grouped(h.tokens).c_str(), 100.0 * h.layer_share);
    o += buf;
  }
  return o;
}

nlohmann::json trace_stats_json(const ExpertLoadTrace& t, const TraceStats& s) {
  nlohmann::json j;
  j["source"] = t.source();
  j["format"] = t.format();
  j["num_steps"] = t.num_steps();
  j["num_layers"] = t.num_layers();
  j["num_experts"] = t.num_experts();
  j["num_ranks"] = t.num_ranks();
  j["top_k"] = t.top_k();
  j["total_tokens"] = s.total_tokens;
  j["layers"] = nlohmann::json::array();
  for (const auto& l : s.layers) {
    j["layers"].push_back({{"name", l.name},
                           {"imbalance_first", l.first},
                           {"imbalance_last", l.last},
                           {"imbalance_max", l.max},
                           {"imbalance_max_step_id", l.max_step_id},
                           {"zero_experts_last", l.zero_experts_last},
                           {"tokens_last", l.tokens_last}});
  }
  j["steps"] = nlohmann::json::array();
  for (const auto& st : s.steps) {
    nlohmann::json row = {{"step_id", st.step_id},
                          {"tokens", st.tokens},
                          {"imbalance_mean", st.mean_imbalance},
                          {"imbalance_max", st.max_imbalance},
                          {"imbalance_max_layer", st.max_layer},
                          {"zero_cells", st.zero_experts}};
    if (!st.name.empty()) row["name"] = st.name;
    j["steps"].push_back(std::move(row));
  }
  j["hottest"] = nlohmann::json::array();
  for (const auto& h : s.hottest) {
    j["hottest"].push_back(
        {{"layer", h.layer}, {"expert", h.expert}, {"tokens", h.tokens}, {"layer_share", h.layer_share}});
  }
  return j;
}

}  // namespace moesim
