#include "viz/view_profile.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "viz/ticks.h"

namespace moesim::viz {
namespace {

constexpr ImU32 kGridColor = IM_COL32(48, 48, 56, 255);
constexpr ImU32 kRegimeMarkColor = IM_COL32(90, 90, 105, 255);
constexpr ImU32 kErrorTextColor = IM_COL32(255, 115, 100, 255);
// Routing kernels get a colour each (points and their curve).
constexpr ImU32 kKernelColors[] = {IM_COL32(250, 170, 60, 255), IM_COL32(240, 100, 150, 255),
                                   IM_COL32(90, 200, 250, 255), IM_COL32(200, 130, 240, 255),
                                   IM_COL32(230, 220, 90, 255), IM_COL32(160, 160, 170, 255)};
constexpr int kCurveSamples = 160;
constexpr float kHoverRadiusPx = 8;

ImVec4 to_vec4(ImU32 c) { return ImGui::ColorConvertU32ToFloat4(c); }

ImU32 with_alpha(ImU32 c, int alpha) { return (c & 0x00FFFFFFu) | (static_cast<ImU32>(alpha) << 24); }

// 1.5k, 2.3M, 4.1G, 1.2T: FLOP/s and tokens/s span too many decades for format_count.
std::string format_si(double v) {
  static const double kScales[] = {1e15, 1e12, 1e9, 1e6, 1e3};
  static const char kNames[] = {'P', 'T', 'G', 'M', 'k'};
  char buf[32];
  for (int i = 0; i < 5; ++i) {
    if (std::fabs(v) >= kScales[i]) {
      std::snprintf(buf, sizeof buf, "%.3g%c", v / kScales[i], kNames[i]);
      return buf;
    }
  }
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// Exact bytes with the binary size moeprof sweeps in ("1048576 B (1 MiB)").
std::string format_bytes_exact(double bytes) {
  char buf[64];
  static const char* const kUnits[] = {"KiB", "MiB", "GiB"};
  double v = bytes;
  int unit = -1;
  while (v >= 1024 && unit < 2) {
    v /= 1024;
    ++unit;
  }
  if (unit < 0) {
    std::snprintf(buf, sizeof buf, "%.0f B", bytes);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f B (%.4g %s)", bytes, v, kUnits[unit]);
  }
  return buf;
}

// Tick values computed as k * step can come out as -0 or 1e-17; print them as 0.
double tidy(double v) { return std::fabs(v) < 1e-300 ? 0.0 : v + 0.0; }

std::string label_bytes(double v) { return format_bytes(v); }
std::string label_time(double v) { return format_time_s(v); }
std::string label_gb_per_s(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g GB/s", tidy(v));
  return buf;
}
std::string label_flops(double v) { return format_si(tidy(v)) + " FLOP/s"; }
std::string label_tokens(double v) { return format_si(v); }
std::string label_tokens_per_s(double v) { return format_si(tidy(v)) + "/s"; }

std::vector<double> axis_ticks(const AxisMap& a, int max_ticks) {
  return a.scale == AxisScale::kLog ? log_tick_values(a.lo, a.hi, max_ticks) : tick_values(a.lo, a.hi, max_ticks);
}

void draw_marker(ImDrawList* dl, ImVec2 p, ImU32 color, bool filled, bool diamond) {
  if (diamond) {
    const float r = 4.5f;
    const ImVec2 a{p.x, p.y - r}, b{p.x + r, p.y}, c{p.x, p.y + r}, d{p.x - r, p.y};
    if (filled) {
      dl->AddQuadFilled(a, b, c, d, color);
    } else {
      dl->AddQuad(a, b, c, d, color, 1.5f);
    }
  } else if (filled) {
    dl->AddCircleFilled(p, 3.5f, color, 12);
  } else {
    dl->AddCircle(p, 4.0f, color, 12, 1.6f);
  }
}

}  // namespace

const ProfileView::PlotFrame* ProfileView::plot(const std::string& id) const {
  for (const auto& p : plots_) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

void ProfileView::draw(const Document& doc, ViewContext& ctx) {
  sources_ = pair_profile_sources(*ctx.documents, ctx.active);
  const Profile* profile = sources_.profile;
  const Calibration* cal = sources_.calibration;
  const std::string holdout = cal != nullptr ? cal->fit().holdout() : "";
  if (profile != nullptr) {
    series_ = profile_series(*profile, holdout);
  } else if (cal != nullptr) {
    series_ = fit_report_series(*cal);
  } else {
    series_ = ProfileSeries{};
  }
  plots_.clear();

  // What is shown, and from where.
  const Environment& env = profile != nullptr ? profile->environment() : cal->environment();
  ImGui::Text("Measured: %s", profile != nullptr ? sources_.profile_label.c_str() : "(no profile open: the fit report's points)");
  ImGui::SameLine(0, 24);
  if (cal != nullptr) {
    ImGui::Text("Fitted: %s (hold-out %s)", sources_.calibration_label.c_str(), holdout.empty() ? "unknown" : holdout.c_str());
  } else {
    ImGui::TextDisabled("No calibration open: `moeprof fit` writes one; open it too for the fitted curves.");
  }
  ImGui::TextDisabled("backend %s, %u rank(s) on %u node(s)%s%s%s%s", env.backend().c_str(), env.num_ranks(), env.num_nodes(),
                      env.cpu_model().empty() ? "" : ", ", env.cpu_model().c_str(), env.gpu_model().empty() ? "" : ", ",
                      env.gpu_model().c_str());
  if (!doc.profile_note().empty()) {
    ImGui::SameLine(0, 24);
    ImGui::TextColored(to_vec4(kErrorTextColor), "%s", doc.profile_note().c_str());
  }
  if (profile != nullptr && !profile->complete()) {
    ImGui::TextColored(to_vec4(kErrorTextColor), "Incomplete profile%s%s", profile->abort_reason().empty() ? "" : ": ",
                       profile->abort_reason().c_str());
  }
  if (cal != nullptr && profile != nullptr && series_.alltoall_ranks > 0 &&
      cal->environment().num_ranks() != static_cast<uint32_t>(series_.alltoall_ranks)) {
    ImGui::TextColored(to_vec4(kErrorTextColor), "The calibration was measured on %u ranks, the profile's all-to-all on %d.",
                       cal->environment().num_ranks(), series_.alltoall_ranks);
  }
  if (series_.num_failed > 0) {
    ImGui::SameLine(0, 24);
    ImGui::TextColored(to_vec4(kErrorTextColor), "%d record(s) timed out or failed (not plotted)", series_.num_failed);
  }

  // The six panes: two rows of three.
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float cell_w = std::floor(avail.x / 3), cell_h = std::floor(avail.y / 2);
  auto cell = [&](int row, int col) {
    return Rect{origin.x + col * cell_w, origin.y + row * cell_h, origin.x + (col + 1) * cell_w, origin.y + (row + 1) * cell_h};
  };
  const int n = series_.alltoall_ranks;
  char title[160];

  PlotSpec a2a{"alltoall-time", "", AxisScale::kLog, AxisScale::kLog, label_bytes, label_time, {}, {}, {}};
  std::snprintf(title, sizeof title, "All-to-all time vs size (%d ranks; size = bytes per rank)", n);
  a2a.title = title;
  a2a.series.push_back({&series_.alltoall_time, kProfilePointColor, kProfileHeldOutColor, false, "uniform"});
  if (!series_.alltoallv_time.empty()) {
    a2a.series.push_back({&series_.alltoallv_time, kProfileUnevenColor, kProfileUnevenColor, true, "uneven (alltoallv)"});
  }
  PlotSpec busbw{"alltoall-busbw", "All-to-all bus bandwidth vs size", AxisScale::kLog, AxisScale::kLinear, label_bytes,
                 label_gb_per_s, {}, {}, {}};
  busbw.series.push_back({&series_.alltoall_busbw, kProfilePointColor, kProfileHeldOutColor, false, "uniform"});
  if (cal != nullptr && n >= 2) {
    a2a.curves.emplace_back(CurveKind::kAllToAllTime, n, "", kProfileCurveColor, "fit");
    busbw.curves.emplace_back(CurveKind::kAllToAllBusbw, n, "", kProfileCurveColor, "fit");
    // Regime boundaries, in the plots' size (bytes per rank = n x bytes per peer).
    for (int i = 1; i < cal->alltoall_size(); ++i) {
      a2a.x_marks.push_back(cal->alltoall(i).min_message_bytes() * n);
      busbw.x_marks.push_back(cal->alltoall(i).min_message_bytes() * n);
    }
  }

  PlotSpec p2p{"p2p", "Point-to-point time vs message size, per link class", AxisScale::kLog, AxisScale::kLog,
               label_bytes, label_time, {}, {}, {}};
  for (const auto& [cls, pts] : series_.p2p) {
    const bool other = cls == "other-node";
    // Colour tells the link class; held-out points are hollow in it.
    const ImU32 color = other ? kProfileOtherNodeColor : kProfilePointColor;
    p2p.series.push_back({&pts, color, color, false, cls});
    if (cal != nullptr && fitted_link(*cal, cls, 1.0) != nullptr) {
      p2p.curves.emplace_back(CurveKind::kP2pTime, 0, cls, other ? kProfileOtherNodeCurveColor : kProfileCurveColor, "fit " + cls);
    }
  }

  PlotSpec gemm{"gemm", "", AxisScale::kLog, AxisScale::kLinear, label_tokens, label_flops, {}, {}, {}};
  std::snprintf(title, sizeof title, "Expert GEMM FLOP/s vs tokens per expert (H=%u, F=%u)", series_.gemm_hidden,
                series_.gemm_ffn_hidden);
  gemm.title = title;
  gemm.series.push_back({&series_.gemm, kProfilePointColor, kProfileHeldOutColor, false, "measured"});
  if (cal != nullptr && cal->gemm().max_flops() > 0) gemm.curves.emplace_back(CurveKind::kGemmFlops, 0, "", kProfileCurveColor, "fit");

  PlotSpec kernels{"kernels", "Routing kernel throughput vs tokens", AxisScale::kLog, AxisScale::kLog, label_tokens,
                   label_tokens_per_s, {}, {}, {}};
  int k = 0;
  for (const auto& [name, pts] : series_.kernels) {
    const ImU32 c = kKernelColors[k++ % std::size(kKernelColors)];
    // Held-out points hollow in the kernel's own colour: four kernels share the plot.
    kernels.series.push_back({&pts, c, c, false, name});
    if (cal != nullptr) kernels.curves.emplace_back(CurveKind::kKernelThroughput, 0, name, c, "");
  }
  if (!kernels.curves.empty()) {
    kernels.title = "Routing kernel throughput vs tokens (lines: fit)";
  }

  draw_plot(a2a, cell(0, 0), ctx);
  draw_plot(busbw, cell(0, 1), ctx);
  draw_plot(p2p, cell(0, 2), ctx);
  draw_plot(gemm, cell(1, 0), ctx);
  draw_plot(kernels, cell(1, 1), ctx);
  draw_fit_table(cell(1, 2));
  ImGui::SetCursorScreenPos({origin.x, origin.y + 2 * cell_h});
}

void ProfileView::draw_plot(const PlotSpec& spec, Rect area, ViewContext& ctx) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float font = ImGui::GetFontSize();
  dl->AddText({area.x0 + 8, area.y0 + 2}, kTextColor, spec.title.c_str());
  ImGui::SetCursorScreenPos({area.x0, area.y0 + font + 6});
  const Rect canvas = reserve_canvas(spec.id, {area.width() - 6, area.height() - font - 12});
  const bool hovered = !ctx.deterministic && ImGui::IsItemHovered();
  // The plot's left edge leaves room for the widest y label, known once the range is.
  Rect plot{canvas.x0 + 74, canvas.y0 + 4, canvas.x1 - 10, canvas.y1 - font - 10};

  // Ranges: every point (and whisker), and the curves over the points' sizes.
  std::vector<double> xs, ys;
  for (const auto& s : spec.series) {
    for (const auto& p : *s.points) {
      xs.push_back(p.x);
      ys.push_back(p.y);
      if (p.y_p90 > 0) ys.push_back(p.y_p90);
    }
  }
  double x_lo = 0, x_hi = 0;
  if (!covering_range(xs, AxisScale::kLog, 0.0, &x_lo, &x_hi)) {
    dl->AddRectFilled({plot.x0, plot.y0}, {plot.x1, plot.y1}, kPanelColor);
    draw_centered_text(dl, plot, kDimTextColor, "no measurements");
    return;
  }
  const Calibration* cal = sources_.calibration;
  for (const auto& c : spec.curves) {
    for (const auto& s : sample_curve(*cal, c.spec, x_lo, x_hi, kCurveSamples)) ys.push_back(s.y);
  }
  PlotFrame f;
  f.id = spec.id;
  f.x.scale = spec.x_scale;
  f.y.scale = spec.y_scale;
  covering_range(xs, spec.x_scale, 0.04, &f.x.lo, &f.x.hi);
  if (!covering_range(ys, spec.y_scale, 0.06, &f.y.lo, &f.y.hi)) {
    dl->AddRectFilled({plot.x0, plot.y0}, {plot.x1, plot.y1}, kPanelColor);
    draw_centered_text(dl, plot, kDimTextColor, "no measurements");
    return;
  }
  const int y_ticks = std::max(2, static_cast<int>(plot.height() / 40));
  float label_w = 0;
  for (double v : axis_ticks(f.y, y_ticks)) label_w = std::max(label_w, ImGui::CalcTextSize(spec.y_label(v).c_str()).x);
  plot.x0 = canvas.x0 + std::max(40.0f, label_w + 12);
  f.plot = plot;
  dl->AddRectFilled({plot.x0, plot.y0}, {plot.x1, plot.y1}, kPanelColor);
  f.x.px_lo = plot.x0;
  f.x.px_hi = plot.x1;
  f.y.px_lo = plot.y1;
  f.y.px_hi = plot.y0;

  // Grid, ticks, labels.
  dl->AddLine({plot.x0, plot.y1}, {plot.x1, plot.y1}, kAxisColor);
  dl->AddLine({plot.x0, plot.y0}, {plot.x0, plot.y1}, kAxisColor);
  for (double v : axis_ticks(f.x, std::max(2, static_cast<int>(plot.width() / 80)))) {
    const float x = f.x.to_px(v);
    dl->AddLine({x, plot.y0}, {x, plot.y1}, kGridColor);
    dl->AddLine({x, plot.y1}, {x, plot.y1 + 4}, kAxisColor);
    const std::string s = spec.x_label(v);
    const float w = ImGui::CalcTextSize(s.c_str()).x;
    dl->AddText({std::clamp(x - w / 2, plot.x0 - 20, plot.x1 - w), plot.y1 + 5}, kDimTextColor, s.c_str());
  }
  for (double v : axis_ticks(f.y, y_ticks)) {
    const float y = f.y.to_px(v);
    dl->AddLine({plot.x0, y}, {plot.x1, y}, kGridColor);
    dl->AddLine({plot.x0 - 4, y}, {plot.x0, y}, kAxisColor);
    const std::string s = spec.y_label(v);
    const ImVec2 sz = ImGui::CalcTextSize(s.c_str());
    dl->AddText({plot.x0 - 6 - sz.x, y - sz.y / 2}, kDimTextColor, s.c_str());
  }
  dl->PushClipRect({plot.x0, plot.y0}, {plot.x1 + 1, plot.y1 + 1}, true);
  for (double m : spec.x_marks) {
    const float x = f.x.to_px(m);
    for (float y = plot.y0; y < plot.y1; y += 8) dl->AddLine({x, y}, {x, std::min(y + 4, plot.y1)}, kRegimeMarkColor);
  }

  // Curves: one polyline per regime (a regime switch is a jump, not a slope).
  std::vector<ImVec2> line;
  for (size_t c = 0; c < spec.curves.size(); ++c) {
    // Sampled again over the whole axis, so the line spans the plot.
    const auto pts = sample_curve(*cal, spec.curves[c].spec, f.x.lo, f.x.hi, kCurveSamples);
    line.clear();
    for (size_t i = 0; i <= pts.size(); ++i) {
      if (i == pts.size() || (i > 0 && pts[i].segment != pts[i - 1].segment)) {
        if (line.size() >= 2) dl->AddPolyline(line.data(), static_cast<int>(line.size()), spec.curves[c].color, 0, 2.0f);
        f.num_curve_points += static_cast<int>(line.size());
        line.clear();
        if (i == pts.size()) break;
      }
      line.push_back({f.x.to_px(pts[i].x), f.y.to_px(pts[i].y)});
    }
  }

  // Points: whisker from the median to the p90, then the marker (filled: fitted or no fit
  // known; hollow: held out).
  const bool have_fit = cal != nullptr && !series_.from_fit_report;
  for (const auto& s : spec.series) {
    for (const auto& p : *s.points) {
      const ImVec2 c{f.x.to_px(p.x), f.y.to_px(p.y)};
      if (!std::isfinite(c.x) || !std::isfinite(c.y)) continue;
      const bool filled = s.diamond || !have_fit || p.fitted;
      const ImU32 color = filled ? s.color : s.held_out_color;
      if (p.y_p90 > 0) {
        const float y90 = f.y.to_px(p.y_p90);
        dl->AddLine(c, {c.x, y90}, with_alpha(color, 170), 1.0f);
        dl->AddLine({c.x - 3, y90}, {c.x + 3, y90}, with_alpha(color, 170), 1.0f);
      }
      draw_marker(dl, c, color, filled, s.diamond);
      ++f.num_points;
    }
  }
  dl->PopClipRect();

  // Legend in the corner of the plot that hides the fewest points.
  struct Entry {
    ImU32 color;
    bool filled, diamond, is_line;
    std::string text;
  };
  std::vector<Entry> entries;
  bool shared_held_out = false;  // series whose held-out points differ only by being hollow
  for (const auto& s : spec.series) {
    if (s.points->empty()) continue;
    const bool any_held_out =
        std::any_of(s.points->begin(), s.points->end(), [](const ProfilePoint& p) { return !p.fitted; });
    if (have_fit && !s.diamond && s.held_out_color == s.color) {
      entries.push_back({s.color, true, false, false, s.legend});
      shared_held_out = shared_held_out || any_held_out;
    } else if (have_fit && !s.diamond) {
      entries.push_back({s.color, true, false, false, s.legend + (spec.curves.empty() ? "" : ", fitted")});
      if (any_held_out) entries.push_back({s.held_out_color, false, false, false, s.legend + ", held out"});
    } else {
      entries.push_back({s.color, true, s.diamond, false, s.legend + (series_.from_fit_report ? " (fit report)" : "")});
    }
  }
  if (shared_held_out) entries.push_back({kDimTextColor, false, false, false, "hollow: held out"});
  for (const auto& c : spec.curves) {
    if (!c.legend.empty()) entries.push_back({c.color, false, false, true, c.legend});
  }
  float legend_w = 0;
  for (const auto& e : entries) legend_w = std::max(legend_w, ImGui::CalcTextSize(e.text.c_str()).x + 34);
  const float legend_h = entries.size() * (font + 2) + 8;
  Rect best_box{};
  int best_hidden = -1;
  for (int corner = 0; corner < 4; ++corner) {
    const float x0 = corner == 1 || corner == 2 ? plot.x1 - legend_w : plot.x0;
    const float y0 = corner >= 2 ? plot.y1 - legend_h : plot.y0;
    const Rect box{x0, y0, x0 + legend_w, y0 + legend_h};
    int hidden = 0;
    for (const auto& s : spec.series) {
      for (const auto& p : *s.points) hidden += box.contains(f.x.to_px(p.x), f.y.to_px(p.y));
    }
    if (best_hidden < 0 || hidden < best_hidden) {
      best_hidden = hidden;
      best_box = box;
    }
  }
  float ly = best_box.y0 + 4;
  for (const auto& e : entries) {
    const ImVec2 m{best_box.x0 + 14, ly + font / 2};
    if (e.is_line) {
      dl->AddLine({m.x - 8, m.y}, {m.x + 8, m.y}, e.color, 2.0f);
    } else {
      draw_marker(dl, m, e.color, e.filled, e.diamond);
    }
    dl->AddText({best_box.x0 + 28, ly}, kTextColor, e.text.c_str());
    ly += font + 2;
  }

  // Hover: the nearest point within a few pixels, else the curves at the pointer's x.
  if (hovered) {
    const ImVec2 mouse = ImGui::GetMousePos();
    const Series* best_s = nullptr;
    const ProfilePoint* best_p = nullptr;
    float best_d2 = kHoverRadiusPx * kHoverRadiusPx;
    for (const auto& s : spec.series) {
      for (const auto& p : *s.points) {
        const float dx = f.x.to_px(p.x) - mouse.x, dy = f.y.to_px(p.y) - mouse.y;
        if (dx * dx + dy * dy <= best_d2) {
          best_d2 = dx * dx + dy * dy;
          best_s = &s;
          best_p = &p;
        }
      }
    }
    if (best_p != nullptr) {
      point_tooltip(spec, *best_s, *best_p);
    } else if (plot.contains(mouse.x, mouse.y)) {
      const double x = f.x.to_value(mouse.x);
      ImGui::BeginTooltip();
      ImGui::Text("x = %s", spec.x_label(x).c_str());
      for (const auto& c : spec.curves) {
        const double y = curve_value(*cal, c.spec, x);
        if (std::isfinite(y)) {
          ImGui::TextColored(to_vec4(c.color), "%s%s%s", c.legend.empty() ? c.spec.name.c_str() : c.legend.c_str(), ": ",
                             spec.y_label(y).c_str());
        }
      }
      ImGui::EndTooltip();
    }
  }
  plots_.push_back(std::move(f));
}

void ProfileView::point_tooltip(const PlotSpec& spec, const Series& s, const ProfilePoint& p) const {
  ImGui::BeginTooltip();
  const Profile* profile = sources_.profile;
  const Calibration* cal = sources_.calibration;
  if (p.record >= 0 && profile != nullptr && p.record < profile->records_size()) {
    const ProfileRecord& r = profile->records(p.record);
    ImGui::Text("%s '%s' (record %d, sweep index %u)", r.benchmark().c_str(), r.case_name().c_str(), p.record, r.index());
    if (r.benchmark() == "gemm" || r.benchmark() == "kernel") {
      ImGui::Text("tokens %llu%s", static_cast<unsigned long long>(r.num_tokens()), r.benchmark() == "gemm" ? " per expert" : "");
    } else {
      ImGui::Text("size %s", format_bytes_exact(r.size_bytes()).c_str());
      if (r.benchmark() == "alltoall") ImGui::Text("bytes per peer %s, %u ranks", format_bytes_exact(r.bytes_per_peer()).c_str(), r.num_ranks());
      if (r.benchmark() == "p2p") ImGui::Text("ranks %d -> %d (%s)", r.src_rank(), r.dst_rank(), r.link_class().c_str());
    }
    ImGui::Text("median %s, p90 %s, min %s (%u timed, %u warm-up)", format_time_s(r.median_s()).c_str(),
                format_time_s(r.p90_s()).c_str(), format_time_s(r.min_s()).c_str(), r.iterations(), r.warmup());
    if (r.benchmark() == "alltoall" || r.benchmark() == "alltoallv" || r.benchmark() == "p2p") {
      ImGui::Text("algbw %.3g GB/s, busbw %.3g GB/s", r.algbw_gb_per_s(), r.busbw_gb_per_s());
    }
    if (r.benchmark() == "gemm") ImGui::Text("achieved %s", label_flops(p.y).c_str());
    if (r.benchmark() == "kernel") ImGui::Text("throughput %s tokens/s", format_si(p.y).c_str());
    ImGui::TextDisabled("%s, timer %s", r.implementation().c_str(), r.timer().c_str());
  } else {
    ImGui::Text("'%s' (from the fit report)", p.label.c_str());
    ImGui::Text("x %s, y %s", spec.x_label(p.x).c_str(), spec.y_label(p.y).c_str());
  }
  if (cal != nullptr && !s.diamond) {
    ImGui::Separator();
    ImGui::TextColored(to_vec4(p.fitted ? s.color : s.held_out_color), "%s", p.fitted ? "seen by the fit" : "held out (not seen by the fit)");
    // The first curve of the plot for this series: the same link class or kernel when named.
    for (const auto& c : spec.curves) {
      if (!c.spec.name.empty() && c.spec.name != s.legend) continue;
      const double y = curve_value(*cal, c.spec, p.x);
      if (!std::isfinite(y)) continue;
      ImGui::Text("fit predicts %s: time error %+.1f%%", spec.y_label(y).c_str(), 100 * relative_time_error(c.spec.kind, p.y, y));
      break;
    }
  }
  ImGui::EndTooltip();
}

void ProfileView::draw_fit_table(Rect area) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float font = ImGui::GetFontSize();
  const Calibration* cal = sources_.calibration;
  dl->AddText({area.x0 + 8, area.y0 + 2}, kTextColor, "Fit report: relative residuals per fit");
  ImGui::SetCursorScreenPos({area.x0 + 4, area.y0 + font + 6});
  ImGui::BeginChild("##fit_report", {area.width() - 10, area.height() - font - 12}, false);
  if (cal == nullptr) {
    ImGui::TextWrapped("Open the calibration `moeprof fit` wrote (with this profile, or alone: it names its profile) "
                       "to see the fitted curves and their residuals.");
    ImGui::EndChild();
    return;
  }
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit |
                                ImGuiTableFlags_ScrollY | ImGuiTableFlags_ScrollX;
  // The points the fit did not see: the curve's time error on them.
  const auto held = held_out_errors(series_, *cal);
  if (!held.empty()) {
    const float rows_h = (held.size() + 1) * ImGui::GetTextLineHeightWithSpacing() + 6;
    const float h = std::min(rows_h, ImGui::GetContentRegionAvail().y * 0.45f);
    if (ImGui::BeginTable("held_out", 3, flags & ~ImGuiTableFlags_ScrollX, {0, h})) {
      ImGui::TableSetupScrollFreeze(0, 1);
      ImGui::TableSetupColumn("held out (points)");
      ImGui::TableSetupColumn("median |err|");
      ImGui::TableSetupColumn("max |err|");
      ImGui::TableHeadersRow();
      for (const auto& r : held) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextColored(to_vec4(kProfileHeldOutColor), "%s (%d)", r.benchmark.c_str(), r.num_points);
        ImGui::TableNextColumn();
        ImGui::Text("%.1f%%", 100 * r.median_abs_rel_error);
        ImGui::TableNextColumn();
        ImGui::Text("%.1f%%", 100 * r.max_abs_rel_error);
      }
      ImGui::EndTable();
    }
  }
  if (ImGui::BeginTable("fits", 4, flags, ImGui::GetContentRegionAvail())) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("fit (points seen)");
    ImGui::TableSetupColumn("rms");
    ImGui::TableSetupColumn("max");
    ImGui::TableSetupColumn("model");
    ImGui::TableHeadersRow();
    for (int i = 0; i < cal->fit().fits_size(); ++i) {
      const FitSummary& fs = cal->fit().fits(i);
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::PushID(i);
      char label[160];
      std::snprintf(label, sizeof label, "%s (%u)", fs.name().c_str(), fs.num_points());
      const bool open = ImGui::TreeNodeEx(label, ImGuiTreeNodeFlags_SpanFullWidth);
      ImGui::TableNextColumn();
      ImGui::Text("%.2f%%", 100 * fs.rms_rel_error());
      ImGui::TableNextColumn();
      ImGui::Text("%.2f%%", 100 * fs.max_abs_rel_error());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(fs.model().c_str());
      if (ImGui::IsItemHovered() && !fs.note().empty()) ImGui::SetTooltip("%s", fs.note().c_str());
      if (open) {
        for (const auto& r : fs.residuals()) {
          ImGui::TableNextRow();
          ImGui::TableNextColumn();
          ImGui::TextDisabled("  %s at %s", r.case_name().c_str(), format_si(r.x()).c_str());
          ImGui::TableNextColumn();
          ImGui::TextColored(to_vec4(std::fabs(r.rel_error()) > 0.1 ? kErrorTextColor : kTextColor), "%+.2f%%",
                             100 * r.rel_error());
          ImGui::TableNextColumn();
          ImGui::TableNextColumn();
          ImGui::TextDisabled("measured %s, fit %s", format_time_s(r.measured_s()).c_str(), format_time_s(r.predicted_s()).c_str());
        }
        if (!fs.note().empty()) {
          ImGui::TableNextRow();
          ImGui::TableNextColumn();
          ImGui::TextDisabled("  note: %s", fs.note().c_str());
        }
        ImGui::TreePop();
      }
      ImGui::PopID();
    }
    ImGui::EndTable();
  }
  ImGui::EndChild();
}

std::unique_ptr<View> make_profile_view() { return std::make_unique<ProfileView>(); }

}  // namespace moesim::viz
