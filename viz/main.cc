// moeviz: the moesim visualiser.
//   moeviz [FILE...]                                   interactive window
//   moeviz FILE... --screenshot OUT.png [--view NAME] [--size WxH] [--view-option KEY=VALUE]...
//   moeviz FILE... --benchmark-frames N [--view NAME] [--size WxH]
// Exit codes: 0 success, 1 no display/OpenGL, 2 bad input (flags, or a file that does not
// open in screenshot/benchmark mode; no screenshot is written then).
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "traces/file_io.h"
#include "viz/app.h"
#include "viz/png_writer.h"

namespace {

using moesim::Error;
using moesim::Result;
using moesim::viz::App;
using moesim::viz::AppOptions;

struct Options {
  std::vector<std::string> files;
  std::string screenshot;
  std::string view;
  std::vector<std::pair<std::string, std::string>> view_options;
  int width = 1400, height = 900;
  int benchmark_frames = 0;
  bool help = false;
};

constexpr const char* kUsage =
    "usage: moeviz [FILE...] [options]\n"
    "Shows moesim results (result.pb/.json/.textproto), expert-load logs (.npy, .csv, .csv.gz,\n"
    "SmartMoE/OLMoE/HarMoEny folders, ExpertLoadTrace .pb) and moeprof profiles and calibrations.\n"
    "Files of any kind, any number.\n\n"
    "options:\n"
    "  --view NAME             view to show: overview, expert-load, placement, traffic, topology,\n"
    "                          timeline, what-if, profiles\n"
    "  --view-option KEY=VALUE set a view option (repeatable): expert-load layer=N step=N\n"
    "                          iteration=N scale=linear|log; placement/traffic layer=N step=N;\n"
    "                          timeline start=S end=S (seconds); what-if policy=NAME rebalance-every=K\n"
    "  --screenshot OUT.png    render the view offscreen, write a PNG and exit\n"
    "  --size WxH              window size (default 1400x900)\n"
    "  --benchmark-frames N    render N frames of the view and print mean/max frame time\n"
    "  --help                  this text\n"
    "Settings (window layout) are kept in $XDG_CONFIG_HOME/moesim or ~/.config/moesim.\n";

Result<Options> parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_inline = false;
    if (arg.rfind("--", 0) == 0) {
      const size_t eq = arg.find('=');
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
        has_inline = true;
      }
    } else {
      o.files.push_back(arg);
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      o.help = true;
      continue;
    }
    auto need_value = [&]() -> Result<std::string> {
      if (has_inline) return value;
      if (i + 1 >= argc) return moesim::make_error(arg, "", "needs a value");
      return std::string(argv[++i]);
    };
    if (arg == "--screenshot") {
      MOESIM_ASSIGN_OR_RETURN(o.screenshot, need_value());
    } else if (arg == "--view") {
      MOESIM_ASSIGN_OR_RETURN(o.view, need_value());
    } else if (arg == "--view-option") {
      MOESIM_ASSIGN_OR_RETURN(std::string kv, need_value());
      const size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) return moesim::make_error(arg, "", "expected KEY=VALUE, got '" + kv + "'");
      o.view_options.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    } else if (arg == "--size") {
      MOESIM_ASSIGN_OR_RETURN(std::string wh, need_value());
      int w = 0, h = 0;
      char tail = 0;
      if (std::sscanf(wh.c_str(), "%dx%d%c", &w, &h, &tail) != 2 || w < 200 || h < 150 || w > 8192 || h > 8192) {
        return moesim::make_error(arg, "", "expected WxH between 200x150 and 8192x8192, got '" + wh + "'");
      }
      o.width = w;
      o.height = h;
    } else if (arg == "--benchmark-frames") {
      MOESIM_ASSIGN_OR_RETURN(std::string n, need_value());
      char* end = nullptr;
      const long v = std::strtol(n.c_str(), &end, 10);
      if (n.empty() || *end != '\0' || v < 1 || v > 100000) {
        return moesim::make_error(arg, "", "expected a frame count 1..100000, got '" + n + "'");
      }
      o.benchmark_frames = static_cast<int>(v);
    } else {
      return moesim::make_error(arg, "", "unknown flag (moeviz --help lists them)");
    }
  }
  return o;
}

// Ctrl+C / SIGTERM end the interactive loop normally, so the window layout is saved.
volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

int fail(const Error& e) {
  std::cerr << "moeviz: " << e.message << std::endl;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parse_args(argc, argv);
  if (!parsed.ok()) return fail(parsed.error());
  const Options& o = parsed.value();
  if (o.help) {
    std::cout << kUsage;
    return 0;
  }
  const bool batch = !o.screenshot.empty() || o.benchmark_frames > 0;
  if (batch && o.files.empty()) return fail(Error{"--screenshot/--benchmark-frames need at least one FILE"});

  AppOptions app_options;
  app_options.width = o.width;
  app_options.height = o.height;
  app_options.deterministic = batch;
  auto created = App::create(app_options);
  if (!created.ok()) {
    std::cerr << "moeviz: " << created.message() << std::endl;
    return 1;
  }
  App& app = *created.value();

  bool all_opened = true;
  for (const auto& f : o.files) all_opened = app.open(f).ok() && all_opened;
  if (batch && !all_opened) return 2;  // open() has printed why
  if (!app.documents().empty()) app.set_active_document(0);
  if (!o.view.empty()) {
    if (auto st = app.select_view(o.view); !st.ok()) return fail(st.error());
  }
  for (const auto& [key, value] : o.view_options) {
    if (auto st = app.selected_view()->set_option(key, value); !st.ok()) return fail(st.error());
  }
  if (!batch) {
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    while (!app.should_close() && !g_stop) app.render_frame();
    return 0;
  }

  // A few frames let ImGui settle its layout (tab bar, auto-sized items) before measuring or
  // capturing.
  for (int i = 0; i < 3; ++i) app.render_frame();
  if (o.benchmark_frames > 0) {
    std::vector<double> ms;
    for (int i = 0; i < o.benchmark_frames; ++i) {
      app.selected_view()->on_benchmark_frame(i);
      const auto t0 = std::chrono::steady_clock::now();
      app.render_frame(nullptr, /*finish=*/true);  // the frame's whole rendering cost is counted
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    double sum = 0, max = 0;
    for (double v : ms) {
      sum += v;
      max = std::max(max, v);
    }
    std::sort(ms.begin(), ms.end());
    std::printf("moeviz benchmark: view %s, %dx%d, %d frames: mean %.2f ms, median %.2f ms, max %.2f ms\n",
                app.selected_view()->name(), app.framebuffer_width(), app.framebuffer_height(),
                o.benchmark_frames, sum / ms.size(), ms[ms.size() / 2], max);
  }
  if (!o.screenshot.empty()) {
    std::vector<uint8_t> rgb;
    app.render_frame(&rgb);
    const int w = app.framebuffer_width(), h = app.framebuffer_height();
    if (auto st = moesim::viz::write_png(o.screenshot, w, h, 3, rgb.data()); !st.ok()) return fail(st.error());
    std::cerr << "moeviz: wrote " << o.screenshot << " (" << w << "x" << h << ", view "
              << app.selected_view()->name() << ")\n";
  }
  return 0;
}
