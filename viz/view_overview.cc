// Overview: what the active file is and its headline numbers. For a result, the summary and
// the per-step times as lines; for an expert-load trace, its source, shape and the mean
// imbalance over training. UI thread only.
#include <algorithm>
#include <cstdio>

#include "viz/draw_util.h"
#include "viz/ticks.h"
#include "viz/view.h"

namespace moesim::viz {
namespace {

class OverviewView : public View {
 public:
  const char* name() const override { return "overview"; }
  const char* title() const override { return "Overview"; }
  // Profiles and calibrations have their own view (Profiles).
  bool accepts(const Document& doc) const override {
    return doc.kind() == DocumentKind::kSimResult || doc.kind() == DocumentKind::kExpertLoadTrace;
  }
  const char* requirement() const override { return "a simulation result or an expert-load trace"; }
  void draw(const Document& doc, ViewContext& ctx) override {
    if (doc.is_result()) {
      draw_result(doc);
    } else {
      draw_trace(doc);
    }
  }

 private:
  static void row(const char* name, const std::string& value) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(name);
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(value.c_str());
  }

  void draw_result(const Document& doc) {
    const SimResult& r = doc.result();
    const Summary& s = r.summary();
    ImGui::Text("Simulation result %s", doc.path().c_str());
    ImGui::TextDisabled("scenario '%s' (%s), model %s, topology %s, algorithm %s, placement %s, moesim %s",
                        r.scenario().name().c_str(), r.scenario().mode().c_str(), r.scenario().model().name().c_str(),
                        r.scenario().topology().preset().c_str(), r.scenario().algorithm().c_str(),
                        r.placement().policy().c_str(), r.moesim_version().c_str());
    char buf[64];
    if (ImGui::BeginTable("summary", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit)) {
      row("step time", format_time_s(s.step_time_s()));
      row("dispatch (critical path)", format_time_s(s.dispatch_time_s()));
      row("combine (critical path)", format_time_s(s.combine_time_s()));
      row("expert compute (slowest GPU)", format_time_s(s.expert_compute_time_s()));
      row("dense compute", format_time_s(s.dense_compute_time_s()));
      row("straggler wait", format_time_s(s.straggler_wait_time_s()));
      std::snprintf(buf, sizeof buf, "%.3f", s.imbalance_max_over_mean());
      row("imbalance (max/mean tokens per GPU)", buf);
      row("tokens dropped per step", format_count(s.tokens_dropped()));
      row("migration per step", format_time_s(s.migration_time_s()));
      row("overlap saved", format_time_s(s.overlap_saved_s()));
      row("throughput", format_count(s.tokens_per_s()) + " tokens/s");
      row("GPUs / steps", std::to_string(s.num_gpus()) + " / " + std::to_string(s.num_steps()));
      ImGui::EndTable();
    }
    const int n = r.steps_size();
    if (n == 0) return;
    series_.assign(4, std::vector<float>(n));
    double y_max = 0;
    for (int i = 0; i < n; ++i) {
      const StepResult& st = r.steps(i);
      series_[0][i] = static_cast<float>(st.step_time_s());
      series_[1][i] = static_cast<float>(st.dispatch_time_s());
      series_[2][i] = static_cast<float>(st.combine_time_s());
      series_[3][i] = static_cast<float>(st.expert_compute_time_s());
      y_max = std::max(y_max, st.step_time_s());
    }
    ImGui::Text("Per step");
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const Rect area = reserve_canvas("##steps", avail);
    const Rect plot{area.x0 + 70, area.y0 + 4, area.x1 - 10, area.y1 - ImGui::GetFontSize() - 8};
    ImDrawList* dl = ImGui::GetWindowDrawList();
    y_max = std::max(y_max * 1.1, 1e-12);
    draw_line_plot(dl, plot,
                   {{series_[0].data(), n, IM_COL32(230, 230, 235, 255), "step"},
                    {series_[1].data(), n, to_im(event_kind_color(2)), "dispatch"},
                    {series_[2].data(), n, to_im(event_kind_color(4)), "combine"},
                    {series_[3].data(), n, to_im(event_kind_color(3)), "expert compute"}},
                   y_max);
    draw_y_axis(dl, plot, 0, y_max, 5, [](double v) { return format_time_s(v); });
    draw_x_axis(dl, plot, r.steps(0).step(), r.steps(n - 1).step(), 10, [](double v) { return format_count(v); });
  }

  void draw_trace(const Document& doc) {
    const ExpertLoadTrace& t = doc.trace();
    const ExpertLoadTable& load = doc.load();
    ImGui::Text("Expert-load trace %s", doc.path().c_str());
    if (ImGui::BeginTable("trace", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit)) {
      row("format", t.format());
      row("source", t.source());
      row("snapshots", std::to_string(load.num_steps()) + " (iterations " + std::to_string(load.step_id(0)) + " .. " +
                           std::to_string(load.step_id(load.num_steps() - 1)) + ")");
      row("MoE layers", std::to_string(load.num_layers()));
      row("experts per layer", std::to_string(load.num_experts()));
      row("top-k", t.top_k() ? std::to_string(t.top_k()) : "unknown");
      row("ranks with per-rank counts", t.num_ranks() ? std::to_string(t.num_ranks()) : "none");
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.2f first, %.2f last, %.2f max (one layer)", load.mean_imbalance(0),
                    load.mean_imbalance(load.num_steps() - 1), load.max_imbalance());
      row("imbalance (max/mean), mean over layers", buf);
      ImGui::EndTable();
    }
    const int n = load.num_steps();
    series_.assign(1, std::vector<float>(n));
    for (int i = 0; i < n; ++i) series_[0][i] = load.mean_imbalance(i);
    ImGui::Text("Mean over layers of max/mean expert load");
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const Rect area = reserve_canvas("##imb", avail);
    const Rect plot{area.x0 + 50, area.y0 + 4, area.x1 - 10, area.y1 - ImGui::GetFontSize() - 8};
    ImDrawList* dl = ImGui::GetWindowDrawList();
    double y_max = 1;
    for (float v : series_[0]) y_max = std::max<double>(y_max, v);
    y_max *= 1.1;
    draw_line_plot(dl, plot, {{series_[0].data(), n, IM_COL32(250, 170, 60, 255), "mean of layers"}}, y_max);
    draw_y_axis(dl, plot, 0, y_max, 5, [](double v) { return format_count(v); });
    draw_x_axis(dl, plot, static_cast<double>(load.step_id(0)), static_cast<double>(load.step_id(n - 1)), 10,
                [](double v) { return format_count(v); });
  }

  std::vector<std::vector<float>> series_;
};

}  // namespace

std::unique_ptr<View> make_overview_view() { return std::make_unique<OverviewView>(); }

}  // namespace moesim::viz
