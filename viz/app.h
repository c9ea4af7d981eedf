// The moeviz application: a GLFW window with an OpenGL 3 context, ImGui, the open documents
// and the views (tabs). main() drives it frame by frame, interactively or for
// screenshots and benchmarks; tests drive it the same way under Xvfb.
// Ownership: the App owns the window, the ImGui context, the views and the documents
// (shared with views for the frame). Only one App may exist at a time (GLFW and ImGui keep
// global state). Not thread-safe: use it from the thread that created it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "traces/status.h"
#include "viz/document.h"
#include "viz/view.h"

struct GLFWwindow;

namespace moesim::viz {

struct AppOptions {
  int width = 1400, height = 900;
  // Screenshots and benchmarks: no mouse input, no saved settings, no vsync.
  bool deterministic = false;
};

class App {
 public:
  // Creates the window and GL context; an error when there is no display or no OpenGL 3.3.
  static Result<std::unique_ptr<App>> create(const AppOptions& options);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Opens a file. On failure the error is kept (shown in the window) and printed to stderr as
  // "moeviz: <path>: <problem>", and returned; other documents are unaffected.
  Status open(const std::string& path);
  void add_document(std::shared_ptr<const Document> doc);
  const std::vector<std::shared_ptr<const Document>>& documents() const { return documents_; }
  const std::vector<std::string>& errors() const { return errors_; }
  void set_active_document(int index);

  // Selects a view by its command-line name; the error lists the names.
  Status select_view(const std::string& name);
  View* selected_view() const { return views_[selected_].get(); }
  View* find_view(const std::string& name) const;
  const std::vector<std::unique_ptr<View>>& views() const { return views_; }

  // Polls input, builds and renders one frame. With `capture`, waits for the GPU and reads
  // the frame back (RGB, rows top to bottom) before presenting it; with `finish`, only waits
  // (so a timed frame includes all its rendering work).
  void render_frame(std::vector<uint8_t>* capture = nullptr, bool finish = false);
  int framebuffer_width() const;
  int framebuffer_height() const;
  bool should_close() const;

 private:
  App() = default;
  void build_ui();
  void draw_menu();
  void draw_open_popup();
  void draw_help_popup();

  GLFWwindow* window_ = nullptr;
  AppOptions options_;
  std::string ini_path_;  // must outlive the ImGui context (ImGui keeps the pointer)
  std::vector<std::shared_ptr<const Document>> documents_;
  std::vector<std::string> errors_;
  std::vector<std::unique_ptr<View>> views_;
  int active_ = -1;
  int selected_ = 0;
  bool select_pending_ = true;  // apply `selected_` to the tab bar on the next frame
  bool open_popup_requested_ = false;
  bool help_popup_requested_ = false;
  std::string open_path_;
  std::vector<std::string> dropped_;  // files dropped on the window, opened next frame
  friend void on_drop(GLFWwindow*, int, const char**);
};

}  // namespace moesim::viz
