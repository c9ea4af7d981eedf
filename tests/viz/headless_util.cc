#include "tests/viz/headless_util.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>

#include <sys/wait.h>

#include <gtest/gtest.h>

#include "traces/file_io.h"

namespace moesim::viz::testing {

std::unique_ptr<App> make_test_app(int width, int height, std::string* why) {
  if (std::getenv("DISPLAY") == nullptr) {
    *why = "no X display (run under xvfb-run; ctest does via tests/viz/run_headless.sh)";
    return nullptr;
  }
  AppOptions options;
  options.width = width;
  options.height = height;
  options.deterministic = true;
  auto app = App::create(options);
  if (!app.ok()) {
    *why = app.message();
    return nullptr;
  }
  return std::move(app).value();
}

Image render(App& app, int frames) {
  for (int i = 0; i + 1 < frames; ++i) app.render_frame();
  Image img;
  app.render_frame(&img.pixels);
  img.width = app.framebuffer_width();
  img.height = app.framebuffer_height();
  img.channels = 3;
  return img;
}

Rgb8 pixel(const Image& img, int x, int y) {
  const uint8_t* p = img.at(x, y);
  return {p[0], p[1], p[2]};
}

bool near(Rgb8 a, Rgb8 b, int tolerance) {
  return std::abs(a.r - b.r) <= tolerance && std::abs(a.g - b.g) <= tolerance && std::abs(a.b - b.b) <= tolerance;
}

namespace {

template <typename At>
int count_runs(int from, int to, int min_len, At at) {
  int runs = 0, len = 0;
  Rgb8 prev{};
  for (int i = from; i < to; ++i) {
    const Rgb8 c = at(i);
    if (len > 0 && c.r == prev.r && c.g == prev.g && c.b == prev.b) {
      ++len;
    } else {
      if (len >= min_len) ++runs;
      len = 1;
      prev = c;
    }
  }
  if (len >= min_len) ++runs;
  return runs;
}

}  // namespace

int count_runs_x(const Image& img, int y, int x0, int x1, int min_len) {
  return count_runs(x0, x1, min_len, [&](int x) { return pixel(img, x, y); });
}

int count_runs_y(const Image& img, int x, int y0, int y1, int min_len) {
  return count_runs(y0, y1, min_len, [&](int y) { return pixel(img, x, y); });
}

int distinct_colors(const Image& img) {
  std::set<uint32_t> colors;
  for (int y = 0; y < img.height; y += 2) {
    for (int x = 0; x < img.width; x += 2) {
      const Rgb8 c = pixel(img, x, y);
      colors.insert((uint32_t{c.r} << 16) | (uint32_t{c.g} << 8) | c.b);
    }
  }
  return static_cast<int>(colors.size());
}

CommandResult run_command(const std::string& command) {
  CommandResult r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string scratch_dir() {
  const std::string dir = ::testing::TempDir() + "/viz_headless_test";
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace moesim::viz::testing
