// What-if: re-simulate the active result with another placement policy and/or rebalancing
// interval, in the background, and compare the headline numbers side by side. The new result
// also opens as a document of its own so every other view can show it.
// The simulation runs in a `moesim simulate` child process (WhatIfRunner); the UI stays live.
// UI thread only.
#include <algorithm>
#include <cstdio>
#include <string>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "viz/draw_util.h"
#include "viz/ticks.h"
#include "viz/view.h"
#include "viz/whatif_runner.h"

namespace moesim::viz {
namespace {

// Placement policies DESIGN.md names; the field is free text so new policies work too.
constexpr const char* kPolicies[] = {"contiguous", "round-robin", "greedy", "eplb", "affinity", "search"};

class WhatIfView : public View {
 public:
  const char* name() const override { return "what-if"; }
  const char* title() const override { return "What-if"; }
  bool accepts(const Document& doc) const override { return doc.is_result() && doc.result().has_scenario(); }
  const char* requirement() const override { return "a simulation result (it embeds its scenario)"; }
  Status set_option(const std::string& key, const std::string& value) override {
    if (key == "policy") {
      policy_ = value;
    } else if (key == "rebalance-every") {
      MOESIM_ASSIGN_OR_RETURN(rebalance_every_, parse_int_option(key, value));
      change_rebalance_ = true;
    } else {
      return View::set_option(key, value);
    }
    return {};
  }

  void draw(const Document& doc, ViewContext& ctx) override {
    const Scenario& sc = doc.result().scenario();
    if (base_ != &doc && runner_.state() != WhatIfRunner::State::kRunning) {
      base_ = &doc;
      if (policy_.empty()) policy_ = sc.placement().policy();
      if (!change_rebalance_) rebalance_every_ = static_cast<int>(sc.placement().rebalance_every());
    }
    ImGui::TextWrapped("Re-simulate '%s' with a different placement. Runs `moesim simulate` in the background "
                       "on the scenario embedded in this result.", doc.label().c_str());
    ImGui::Text("now: placement policy '%s', rebalance every %u steps", sc.placement().policy().c_str(),
                sc.placement().rebalance_every());
    ImGui::SetNextItemWidth(220);
    ImGui::InputText("placement policy", &policy_);
    ImGui::SameLine();
    if (ImGui::BeginCombo("##policies", "choose", ImGuiComboFlags_NoPreview)) {
      for (const char* p : kPolicies) {
        if (ImGui::Selectable(p, policy_ == p)) policy_ = p;
      }
      ImGui::EndCombo();
    }
    ImGui::SetNextItemWidth(220);
    if (ImGui::InputInt("rebalance every K steps (0 = static)", &rebalance_every_)) change_rebalance_ = true;
    rebalance_every_ = std::max(rebalance_every_, 0);

    const auto state = runner_.state();
    if (state == WhatIfRunner::State::kRunning) {
      ImGui::Text("running %c", "|/-\\"[static_cast<int>(ImGui::GetTime() * 8) & 3]);
      ImGui::SameLine();
      if (ImGui::Button("cancel")) runner_.cancel();
    } else if (ImGui::Button("re-simulate")) {
      WhatIfRequest req;
      req.moesim_path = find_moesim_executable();
      req.scenario = sc;
      req.placement_policy = policy_;
      req.rebalance_every = rebalance_every_;
      req.label = "what-if: " + policy_ + ", rebalance " + std::to_string(rebalance_every_) + " (" + doc.label() + ")";
      if (Status st = runner_.start(std::move(req)); !st.ok()) {
        start_error_ = st.message();
      } else {
        start_error_.clear();
        pending_base_ = &doc;
      }
    }
    if (!start_error_.empty()) ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", start_error_.c_str());
    const std::string cmd = runner_.command_line();
    if (!cmd.empty()) ImGui::TextDisabled("%s", cmd.c_str());
    if (state == WhatIfRunner::State::kFailed) {
      ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", runner_.message().c_str());
    } else if (state == WhatIfRunner::State::kDone) {
      if (auto result = runner_.take_result()) {
        compare_ = result;
        compare_base_ = pending_base_;
        ctx.to_add.push_back(std::move(result));
      }
      ImGui::TextDisabled("%s; the new result is open as its own file too", runner_.message().c_str());
    }

    if (compare_ && compare_base_ == &doc) draw_comparison(doc.result().summary(), compare_->result().summary());
  }

 private:
  static void compare_row(const char* name, double before, double after, bool is_time) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(name);
    ImGui::TableNextColumn();
    ImGui::TextUnformatted((is_time ? format_time_s(before) : format_count(before)).c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted((is_time ? format_time_s(after) : format_count(after)).c_str());
    ImGui::TableNextColumn();
    if (before != 0) {
      const double pct = 100 * (after - before) / before;
      // Lower is better for every row but throughput.
      const bool better = std::string(name) == "throughput tokens/s" ? pct > 0 : pct < 0;
      ImGui::TextColored(pct == 0 ? ImVec4(0.8f, 0.8f, 0.8f, 1) : better ? ImVec4(0.4f, 0.9f, 0.4f, 1) : ImVec4(1, 0.45f, 0.4f, 1),
                         "%+.1f%%", pct);
    }
  }

  void draw_comparison(const Summary& a, const Summary& b) {
    ImGui::Separator();
    ImGui::Text("original vs what-if (%s)", compare_->label().c_str());
    if (ImGui::BeginTable("compare", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit)) {
      ImGui::TableSetupColumn("per step");
      ImGui::TableSetupColumn("original");
      ImGui::TableSetupColumn("what-if");
      ImGui::TableSetupColumn("change");
      ImGui::TableHeadersRow();
      compare_row("step time", a.step_time_s(), b.step_time_s(), true);
      compare_row("dispatch", a.dispatch_time_s(), b.dispatch_time_s(), true);
      compare_row("combine", a.combine_time_s(), b.combine_time_s(), true);
      compare_row("expert compute", a.expert_compute_time_s(), b.expert_compute_time_s(), true);
      compare_row("straggler wait", a.straggler_wait_time_s(), b.straggler_wait_time_s(), true);
      compare_row("migration", a.migration_time_s(), b.migration_time_s(), true);
      compare_row("imbalance max/mean", a.imbalance_max_over_mean(), b.imbalance_max_over_mean(), false);
      compare_row("tokens dropped", a.tokens_dropped(), b.tokens_dropped(), false);
      compare_row("throughput tokens/s", a.tokens_per_s(), b.tokens_per_s(), false);
      ImGui::EndTable();
    }
  }

  WhatIfRunner runner_;
  std::string policy_;
  int rebalance_every_ = 0;
  bool change_rebalance_ = false;
  std::string start_error_;
  const Document* base_ = nullptr;
  const Document* pending_base_ = nullptr;
  const Document* compare_base_ = nullptr;
  std::shared_ptr<const Document> compare_;
};

}  // namespace

std::unique_ptr<View> make_whatif_view() { return std::make_unique<WhatIfView>(); }

}  // namespace moesim::viz
