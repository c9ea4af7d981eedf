#include "viz/app.h"

#include <cstdio>
#include <iostream>

#include <imgui.h>
#include <imgui_stdlib.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <GL/gl.h>

#include "viz/config_path.h"
#include "viz/view_profile.h"

namespace moesim::viz {

void on_drop(GLFWwindow* window, int count, const char** paths) {
  auto* app = static_cast<App*>(glfwGetWindowUserPointer(window));
  for (int i = 0; i < count; ++i) app->dropped_.push_back(paths[i]);
}

namespace {

std::string g_glfw_error;
void on_glfw_error(int code, const char* description) { g_glfw_error = description != nullptr ? description : "?"; }

}  // namespace

Result<std::unique_ptr<App>> App::create(const AppOptions& options) {
  glfwSetErrorCallback(on_glfw_error);
  if (!glfwInit()) {
    return make_error("", "", "cannot start GLFW (no display? set DISPLAY or run under xvfb-run): " + g_glfw_error);
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
  glfwWindowHint(GLFW_RESIZABLE, options.deterministic ? GLFW_FALSE : GLFW_TRUE);
  GLFWwindow* window = glfwCreateWindow(options.width, options.height, "moeviz", nullptr, nullptr);
  if (window == nullptr) {
    glfwTerminate();
    return make_error("", "", "cannot create an OpenGL 3.3 window: " + g_glfw_error);
  }
  std::unique_ptr<App> app(new App());
  app->window_ = window;
  app->options_ = options;
  glfwMakeContextCurrent(window);
  glfwSwapInterval(options.deterministic ? 0 : 1);
  glfwSetWindowUserPointer(window, app.get());
  glfwSetDropCallback(window, on_drop);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  if (options.deterministic) {
    io.IniFilename = nullptr;
    io.ConfigFlags |= ImGuiConfigFlags_NoMouse;
  } else {
    auto ini = imgui_ini_path();
    if (ini.ok()) {
      app->ini_path_ = ini.value();
      io.IniFilename = app->ini_path_.c_str();
    } else {
      io.IniFilename = nullptr;
      std::cerr << "moeviz: not saving window layout: " << ini.message() << "\n";
    }
  }
  ImGui::StyleColorsDark();
  ImGui::GetStyle().WindowRounding = 0;
  // Opaque: the main window draws no background (one full-screen layer less for a software
  // rasteriser); the frame is cleared to this colour instead.
  ImGui::GetStyle().Colors[ImGuiCol_WindowBg].w = 1.0f;
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 330");

  app->views_.push_back(make_overview_view());
  app->views_.push_back(make_expert_load_view());
  app->views_.push_back(make_placement_view());
  app->views_.push_back(make_traffic_view());
  app->views_.push_back(make_topology_view());
  app->views_.push_back(make_timeline_view());
  app->views_.push_back(make_whatif_view());
  app->views_.push_back(make_profile_view());
  return app;
}

App::~App() {
  views_.clear();  // stops background what-if runs before the context goes
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window_);
  glfwTerminate();
}

Status App::open(const std::string& path) {
  auto doc = load_document(path);
  if (!doc.ok()) {
    std::cerr << "moeviz: " << doc.message() << std::endl;
    errors_.push_back(doc.message());
    return doc.error();
  }
  add_document(std::move(doc).value());
  return {};
}

void App::add_document(std::shared_ptr<const Document> doc) {
  // A profile or calibration has one view; show it unless the chosen view can show the file.
  const bool measured = doc->kind() == DocumentKind::kProfile || doc->kind() == DocumentKind::kCalibration;
  if (measured && !views_[selected_]->accepts(*doc)) (void)select_view("profiles");
  documents_.push_back(std::move(doc));
  active_ = static_cast<int>(documents_.size()) - 1;
}

void App::set_active_document(int index) {
  if (index >= 0 && index < static_cast<int>(documents_.size())) active_ = index;
}

View* App::find_view(const std::string& name) const {
  for (const auto& v : views_) {
    if (name == v->name()) return v.get();
  }
  return nullptr;
}

Status App::select_view(const std::string& name) {
  for (size_t i = 0; i < views_.size(); ++i) {
    if (name == views_[i]->name()) {
      selected_ = static_cast<int>(i);
      select_pending_ = true;
      return {};
    }
  }
  std::string names;
  for (const auto& v : views_) names += std::string(names.empty() ? "" : ", ") + v->name();
  return make_error("--view", "", "unknown view '" + name + "' (views: " + names + ")");
}

int App::framebuffer_width() const {
  int w = 0, h = 0;
  glfwGetFramebufferSize(window_, &w, &h);
  return w;
}

int App::framebuffer_height() const {
  int w = 0, h = 0;
  glfwGetFramebufferSize(window_, &w, &h);
  return h;
}

bool App::should_close() const { return glfwWindowShouldClose(window_); }

void App::render_frame(std::vector<uint8_t>* capture, bool finish) {
  glfwPollEvents();
  for (const auto& path : dropped_) (void)open(path);
  dropped_.clear();

  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
  build_ui();
  ImGui::Render();

  const int w = framebuffer_width(), h = framebuffer_height();
  glViewport(0, 0, w, h);
  const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
  glClearColor(bg.x, bg.y, bg.z, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  if (capture != nullptr) {
    // Read the back buffer before presenting it; GL's rows run bottom to top.
    glFinish();
    std::vector<uint8_t> flipped(static_cast<size_t>(w) * h * 3);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadBuffer(GL_BACK);
    glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, flipped.data());
    capture->resize(flipped.size());
    const size_t stride = static_cast<size_t>(w) * 3;
    for (int y = 0; y < h; ++y) {
      std::copy_n(flipped.data() + (h - 1 - y) * stride, stride, capture->data() + y * stride);
    }
  }
  if (finish && capture == nullptr) glFinish();
  glfwSwapBuffers(window_);
}

void App::draw_menu() {
  if (ImGui::BeginMenuBar()) {
    if (ImGui::BeginMenu("File")) {
      if (ImGui::MenuItem("Open...", "Ctrl+O")) open_popup_requested_ = true;
      if (ImGui::MenuItem("Close file", "Ctrl+W", false, active_ >= 0)) {
        documents_.erase(documents_.begin() + active_);
        active_ = std::min(active_, static_cast<int>(documents_.size()) - 1);
      }
      ImGui::Separator();
      if (ImGui::MenuItem("Quit", "Ctrl+Q")) glfwSetWindowShouldClose(window_, GLFW_TRUE);
      ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Help")) {
      if (ImGui::MenuItem("Keys and mouse", "F1")) help_popup_requested_ = true;
      ImGui::EndMenu();
    }
    if (!documents_.empty()) {
      ImGui::Separator();
      ImGui::SetNextItemWidth(420);
      if (ImGui::BeginCombo("##file", documents_[active_]->label().c_str())) {
        for (size_t i = 0; i < documents_.size(); ++i) {
          ImGui::PushID(static_cast<int>(i));
          if (ImGui::Selectable(documents_[i]->label().c_str(), static_cast<int>(i) == active_)) active_ = static_cast<int>(i);
          if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", documents_[i]->path().c_str());
          ImGui::PopID();
        }
        ImGui::EndCombo();
      }
      ImGui::TextDisabled("%s", document_kind_name(documents_[active_]->kind()));
    }
    ImGui::EndMenuBar();
  }
}

void App::draw_open_popup() {
  if (open_popup_requested_) {
    ImGui::OpenPopup("Open file");
    open_popup_requested_ = false;
  }
  if (ImGui::BeginPopupModal("Open file", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::Text("Result, moeprof profile or calibration (.pb/.json/.textproto), or expert-load log (.npy, .csv, folder):");
    ImGui::SetNextItemWidth(600);
    if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
    const bool enter = ImGui::InputText("##path", &open_path_, ImGuiInputTextFlags_EnterReturnsTrue);
    if (enter || ImGui::Button("Open")) {
      if (!open_path_.empty()) (void)open(open_path_);
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
}

void App::draw_help_popup() {
  if (help_popup_requested_) {
    ImGui::OpenPopup("Keys and mouse");
    help_popup_requested_ = false;
  }
  if (ImGui::BeginPopupModal("Keys and mouse", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::TextUnformatted(
        "Timeline: mouse wheel zooms about the pointer, drag pans (and scrolls lanes),\n"
        "          W/S zoom, A/D pan, double-click or 'fit' shows the whole run.\n"
        "Expert load: Left/Right step through snapshots, Up/Down through layers;\n"
        "             click a cell to pick its snapshot or layer.\n"
        "Hover any cell, bar, link or event for details.\n"
        "Ctrl+O open a file (or drop files on the window), Ctrl+W close it, Ctrl+Q quit.\n"
        "Esc closes this window.");
    if (ImGui::Button("Close") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
}

void App::build_ui() {
  const ImGuiIO& io = ImGui::GetIO();
  if (!options_.deterministic) {
    if (io.KeyCtrl && ImGui::IsKeyPressed('O')) open_popup_requested_ = true;
    if (io.KeyCtrl && ImGui::IsKeyPressed('Q')) glfwSetWindowShouldClose(window_, GLFW_TRUE);
    if (io.KeyCtrl && ImGui::IsKeyPressed('W') && active_ >= 0) {
      documents_.erase(documents_.begin() + active_);
      active_ = std::min(active_, static_cast<int>(documents_.size()) - 1);
    }
    if (ImGui::IsKeyPressed(GLFW_KEY_F1)) help_popup_requested_ = true;
  }

  ImGui::SetNextWindowPos({0, 0});
  ImGui::SetNextWindowSize(io.DisplaySize);
  ImGui::Begin("moeviz", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_MenuBar | ImGuiWindowFlags_NoBringToFrontOnFocus |
                   ImGuiWindowFlags_NoBackground);
  draw_menu();

  for (size_t i = 0; i < errors_.size();) {
    ImGui::PushID(static_cast<int>(i));
    const bool dismiss = ImGui::SmallButton("x");
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", errors_[i].c_str());
    ImGui::PopID();
    if (dismiss) {
      errors_.erase(errors_.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }

  if (documents_.empty()) {
    ImGui::TextWrapped("No file open. Run `moeviz FILE...`, use File > Open (Ctrl+O), or drop files on this window. "
                       "moeviz shows simulation results (result.pb from `moesim simulate`) and expert-load logs "
                       "(.npy, .csv, SmartMoE, OLMoE, HarMoEny, ExpertLoadTrace .pb), and moeprof profiles and "
                       "calibrations.");
  } else if (ImGui::BeginTabBar("views")) {
    const Document& doc = *documents_[active_];
    ViewContext ctx;
    ctx.documents = &documents_;
    ctx.active = active_;
    ctx.deterministic = options_.deterministic;
    for (size_t i = 0; i < views_.size(); ++i) {
      View& view = *views_[i];
      const ImGuiTabItemFlags flags =
          select_pending_ && static_cast<int>(i) == selected_ ? ImGuiTabItemFlags_SetSelected : ImGuiTabItemFlags_None;
      if (ImGui::BeginTabItem(view.title(), nullptr, flags)) {
        if (!select_pending_) selected_ = static_cast<int>(i);
        if (view.accepts(doc)) {
          view.draw(doc, ctx);
        } else {
          ImGui::TextWrapped("Nothing to show: this view needs %s, and %s is %s.", view.requirement(),
                             doc.label().c_str(),
                             doc.is_result()                                     ? "a simulation result without it"
                             : doc.kind() == DocumentKind::kExpertLoadTrace ? "an expert-load trace"
                             : doc.kind() == DocumentKind::kProfile         ? "a moeprof profile"
                                                                             : "a calibration");
        }
        ImGui::EndTabItem();
      }
    }
    select_pending_ = false;
    ImGui::EndTabBar();
    // New documents (what-if results) join the list without taking the screen away.
    for (auto& d : ctx.to_add) documents_.push_back(std::move(d));
  }
  draw_open_popup();
  draw_help_popup();
  ImGui::End();
}

}  // namespace moesim::viz
