// Helpers for the headless viz tests: an App under the test's X display (skipping the test
// when there is none), frame capture as an Image, pixel and run counting, and running the
// moeviz executable. Test-only; not thread-safe (one App at a time).
#pragma once

#include <memory>
#include <string>

#include "tests/viz/png_decode.h"
#include "viz/app.h"
#include "viz/colormap.h"

namespace moesim::viz::testing {

// An App for tests (deterministic mode: no mouse, no settings file), or nullptr with `why`.
std::unique_ptr<App> make_test_app(int width, int height, std::string* why);

// Renders `frames` frames (ImGui settles its layout over the first ones) and captures the last.
Image render(App& app, int frames = 4);

// RGB of a pixel.
Rgb8 pixel(const Image& img, int x, int y);
bool near(Rgb8 a, Rgb8 b, int tolerance = 2);

// Runs of equal colour at least `min_len` px long along row y for x in [x0, x1), or along
// column x for y in [y0, y1): the cells of a heat map with gaps between them.
int count_runs_x(const Image& img, int y, int x0, int x1, int min_len);
int count_runs_y(const Image& img, int x, int y0, int y1, int min_len);

// Distinct colours in the image (a blank or one-colour picture has very few).
int distinct_colors(const Image& img);

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};
CommandResult run_command(const std::string& command);

// A folder for this test program's files.
std::string scratch_dir();

}  // namespace moesim::viz::testing
