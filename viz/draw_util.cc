#include "viz/draw_util.h"

#include <algorithm>
#include <cmath>

#define GL_SILENCE_DEPRECATION
#include <GL/gl.h>

#include "viz/ticks.h"

namespace moesim::viz {

Rect reserve_canvas(const char* id, ImVec2 size) {
  size.x = std::max(size.x, 1.0f);
  size.y = std::max(size.y, 1.0f);
  const ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(id, size);
  return {p.x, p.y, p.x + size.x, p.y + size.y};
}

void draw_heatmap(ImDrawList* dl, const HeatmapGeometry& g, const std::function<double(int, int)>& t) {
  for (int r = 0; r < g.rows(); ++r) {
    for (int c = 0; c < g.cols(); ++c) {
      const Rect cell = g.cell(r, c);
      dl->AddRectFilled({cell.x0, cell.y0}, {cell.x1, cell.y1}, to_im(heat_color(t(r, c))));
    }
  }
}

HeatmapTexture::~HeatmapTexture() {
  if (texture_ != 0) {
    const GLuint tex = texture_;
    glDeleteTextures(1, &tex);
  }
}

void HeatmapTexture::update(uint64_t key, int rows, int cols, const std::function<double(int, int)>& t) {
  if (rows <= 0 || cols <= 0) return;
  if (texture_ != 0 && key == key_ && rows == rows_ && cols == cols_) return;
  std::vector<uint8_t> texels(static_cast<size_t>(rows) * cols * 4);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const Rgb8 color = heat_color(t(r, c));
      uint8_t* px = &texels[(static_cast<size_t>(r) * cols + c) * 4];
      px[0] = color.r;
      px[1] = color.g;
      px[2] = color.b;
      px[3] = 255;
    }
  }
  if (texture_ == 0) {
    GLuint tex = 0;
    glGenTextures(1, &tex);
    texture_ = tex;
  }
  glBindTexture(GL_TEXTURE_2D, texture_);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, cols, rows, 0, GL_RGBA, GL_UNSIGNED_BYTE, texels.data());
  key_ = key;
  rows_ = rows;
  cols_ = cols;
}

void HeatmapTexture::draw(ImDrawList* dl, const HeatmapGeometry& g, ImU32 gap_color) const {
  if (texture_ == 0 || g.rows() != rows_ || g.cols() != cols_) return;
  const Rect& a = g.area();
  dl->AddImage(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(texture_)), {a.x0, a.y0}, {a.x1, a.y1});
  if (g.gap_y() > 0) {
    for (int r = 0; r < rows_; ++r) {
      const float y1 = g.cell(r, 0).y1;
      dl->AddRectFilled({a.x0, y1}, {a.x1, y1 + g.gap_y()}, gap_color);
    }
  }
  if (g.gap_x() > 0) {
    for (int c = 0; c < cols_; ++c) {
      const float x1 = g.cell(0, c).x1;
      dl->AddRectFilled({x1, a.y0}, {x1 + g.gap_x(), a.y1}, gap_color);
    }
  }
}

uint64_t cache_key(std::initializer_list<uint64_t> parts) {
  uint64_t h = 1469598103934665603ull;
  for (uint64_t p : parts) {
    for (int i = 0; i < 8; ++i) {
      h ^= (p >> (8 * i)) & 0xff;
      h *= 1099511628211ull;
    }
  }
  return h;
}

ImU32 background_color() { return ImGui::GetColorU32(ImGuiCol_WindowBg); }

void draw_colorbar(ImDrawList* dl, Rect r, ValueScale scale, double max_value, const std::string& max_label) {
  const int steps = std::max(2, static_cast<int>(r.height() / 2));
  for (int i = 0; i < steps; ++i) {
    const float y0 = r.y1 - (i + 1) * r.height() / steps;
    const float y1 = r.y1 - i * r.height() / steps;
    dl->AddRectFilled({r.x0, y0}, {r.x1, y1}, to_im(heat_color((i + 0.5) / steps)));
  }
  dl->AddRect({r.x0, r.y0}, {r.x1, r.y1}, kAxisColor);
  dl->AddText({r.x1 + 4, r.y0 - 2}, kTextColor, max_label.c_str());
  dl->AddText({r.x1 + 4, r.y1 - ImGui::GetFontSize()}, kTextColor, "0");
  if (scale == ValueScale::kLog) {
    dl->AddText({r.x1 + 4, (r.y0 + r.y1) / 2 - ImGui::GetFontSize() / 2}, kDimTextColor, "log");
  }
  (void)max_value;
}

void draw_x_axis(ImDrawList* dl, Rect plot, double lo, double hi, int max_ticks,
                 const std::function<std::string(double)>& label) {
  if (!(hi > lo)) return;
  dl->AddLine({plot.x0, plot.y1}, {plot.x1, plot.y1}, kAxisColor);
  for (double v : tick_values(lo, hi, max_ticks)) {
    const float x = plot.x0 + static_cast<float>((v - lo) / (hi - lo)) * plot.width();
    dl->AddLine({x, plot.y1}, {x, plot.y1 + 4}, kAxisColor);
    const std::string s = label(v);
    const float w = ImGui::CalcTextSize(s.c_str()).x;
    dl->AddText({std::clamp(x - w / 2, plot.x0 - w / 2, plot.x1 - w / 2), plot.y1 + 5}, kDimTextColor, s.c_str());
  }
}

void draw_y_axis(ImDrawList* dl, Rect plot, double lo, double hi, int max_ticks,
                 const std::function<std::string(double)>& label) {
  if (!(hi > lo)) return;
  dl->AddLine({plot.x0, plot.y0}, {plot.x0, plot.y1}, kAxisColor);
  for (double v : tick_values(lo, hi, max_ticks)) {
    const float y = plot.y1 - static_cast<float>((v - lo) / (hi - lo)) * plot.height();
    dl->AddLine({plot.x0 - 4, y}, {plot.x0, y}, kAxisColor);
    const std::string s = label(v);
    const ImVec2 sz = ImGui::CalcTextSize(s.c_str());
    dl->AddText({plot.x0 - 6 - sz.x, y - sz.y / 2}, kDimTextColor, s.c_str());
  }
}

void draw_line_plot(ImDrawList* dl, Rect plot, const std::vector<PlotSeries>& series, double y_max) {
  dl->AddRectFilled({plot.x0, plot.y0}, {plot.x1, plot.y1}, kPanelColor);
  if (!(y_max > 0)) return;
  for (double v : tick_values(0, y_max, 5)) {
    const float y = plot.y1 - static_cast<float>(v / y_max) * plot.height();
    dl->AddLine({plot.x0, y}, {plot.x1, y}, IM_COL32(50, 50, 58, 255));
  }
  std::vector<ImVec2> pts;
  float legend_y = plot.y0 + 4;
  for (const auto& s : series) {
    if (s.n <= 0) continue;
    // One point per pixel column at most: the max of the samples it covers keeps peaks visible.
    const std::vector<int> cols = fold_columns(s.n, plot.width());
    pts.clear();
    const int drawn = static_cast<int>(cols.size()) - 1;
    for (int c = 0; c < drawn; ++c) {
      float v = 0;
      for (int i = cols[c]; i < cols[c + 1]; ++i) v = std::max(v, s.y[i]);
      const float x = drawn > 1 ? plot.x0 + plot.width() * c / (drawn - 1) : (plot.x0 + plot.x1) / 2;
      const float y = plot.y1 - static_cast<float>(std::min(1.0, v / y_max)) * plot.height();
      pts.push_back({x, y});
    }
    dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), s.color, 0, 1.5f);
    if (!s.label.empty()) {
      const float w = ImGui::CalcTextSize(s.label.c_str()).x;
      dl->AddLine({plot.x1 - w - 26, legend_y + 7}, {plot.x1 - w - 8, legend_y + 7}, s.color, 2.0f);
      dl->AddText({plot.x1 - w - 4, legend_y}, kTextColor, s.label.c_str());
      legend_y += ImGui::GetFontSize() + 2;
    }
  }
}

void draw_centered_text(ImDrawList* dl, Rect r, ImU32 color, const std::string& text) {
  const ImVec2 sz = ImGui::CalcTextSize(text.c_str());
  if (sz.x > r.width() || sz.y > r.height()) return;
  dl->AddText({(r.x0 + r.x1 - sz.x) / 2, (r.y0 + r.y1 - sz.y) / 2}, color, text.c_str());
}

}  // namespace moesim::viz
