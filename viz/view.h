// The View interface: one panel of moeviz, one file each (view_expert_load.cc, ...).
// A view reads the active Document and draws with ImGui into the current window; it never
// computes simulation results (those come from files or from the what-if child process).
// Views keep only UI state (chosen layer, zoom); they live on the UI thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "traces/status.h"
#include "viz/document.h"

namespace moesim::viz {

// What a view may see and ask of the application during a frame.
struct ViewContext {
  const std::vector<std::shared_ptr<const Document>>* documents = nullptr;
  int active = -1;  // index of the document being shown
  // Documents a view wants opened (the what-if view's results); the app adds them after the frame.
  std::vector<std::shared_ptr<const Document>> to_add;
  // Screenshot/benchmark mode: no mouse, no animation, deterministic pictures.
  bool deterministic = false;
};

class View {
 public:
  virtual ~View() = default;
  // Command-line name (--view NAME), e.g. "expert-load".
  virtual const char* name() const = 0;
  // Tab title.
  virtual const char* title() const = 0;
  // Whether this document has what the view shows; if not, requirement() says what is missing.
  virtual bool accepts(const Document& doc) const = 0;
  virtual const char* requirement() const = 0;
  // Draws into the current ImGui window's remaining content region.
  virtual void draw(const Document& doc, ViewContext& ctx) = 0;
  // Options from the command line (--view-option key=value); errors name the key.
  virtual Status set_option(const std::string& key, const std::string& value);
  // Benchmark mode calls this before frame `frame` so views can move (pan, scrub) as a user would.
  virtual void on_benchmark_frame(int frame) {}
};

// Parses an integer option value; the error names the key.
Result<long long> parse_int_option(const std::string& key, const std::string& value);
Result<double> parse_double_option(const std::string& key, const std::string& value);

std::unique_ptr<View> make_overview_view();
std::unique_ptr<View> make_expert_load_view();
std::unique_ptr<View> make_placement_view();
std::unique_ptr<View> make_traffic_view();
std::unique_ptr<View> make_topology_view();
std::unique_ptr<View> make_timeline_view();
std::unique_ptr<View> make_whatif_view();

}  // namespace moesim::viz
