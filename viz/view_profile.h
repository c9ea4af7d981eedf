// Profiles: what `moeprof run` measured against what `moeprof fit` predicts. Five plots and a
// table: uniform all-to-all time against size (log-log; medians as points with whiskers up to
// the 90th percentile, uneven all-to-allv cases as diamonds) and its bus bandwidth (log x),
// point-to-point time per link class (log-log), expert-GEMM FLOP/s against tokens per expert
// (log x) and routing-kernel throughput (log-log), each with the calibration's curve; and the
// FitReport (rms and max relative residual per fit, expandable to every residual) with the
// error on the points the fit did not see. Fitted points are filled, held-out ones hollow.
// Hover a point for its record, or the plot for the curve's value there.
//
// Shows the active document's profile and calibration, paired with the other open documents
// (profile_model.h's pair_profile_sources); without a profile the points are the FitReport's.
// The curves are evaluated by profile_model.h; this file only draws. UI thread only.
#pragma once

#include <string>
#include <vector>

#include "viz/draw_util.h"
#include "viz/plot_axis.h"
#include "viz/profile_model.h"
#include "viz/view.h"

namespace moesim::viz {

// Colours of the Profiles view (tests look for them in screenshots).
constexpr ImU32 kProfilePointColor = IM_COL32(250, 170, 60, 255);    // measured (fitted when a calibration is open)
constexpr ImU32 kProfileHeldOutColor = IM_COL32(90, 200, 250, 255);  // measured, not seen by the fit
constexpr ImU32 kProfileUnevenColor = IM_COL32(200, 130, 240, 255);  // all-to-allv cases
constexpr ImU32 kProfileCurveColor = IM_COL32(110, 225, 110, 255);   // the calibration's curve
constexpr ImU32 kProfileOtherNodeColor = IM_COL32(240, 100, 150, 255);       // p2p other-node points
constexpr ImU32 kProfileOtherNodeCurveColor = IM_COL32(230, 220, 90, 255);   // p2p other-node curve

class ProfileView : public View {
 public:
  const char* name() const override { return "profiles"; }
  const char* title() const override { return "Profiles"; }
  bool accepts(const Document& doc) const override { return doc.has_profile() || doc.has_calibration(); }
  const char* requirement() const override { return "a moeprof profile or calibration (moeprof run / moeprof fit)"; }
  void draw(const Document& doc, ViewContext& ctx) override;

  // One plot of the last frame: where it was drawn, its axes, and what went into it.
  struct PlotFrame {
    std::string id;      // "alltoall-time", "alltoall-busbw", "p2p", "gemm", "kernels"
    Rect plot;           // the data area
    AxisMap x, y;
    int num_points = 0;  // markers drawn
    int num_curve_points = 0;  // curve vertices drawn
  };
  const std::vector<PlotFrame>& plots() const { return plots_; }
  const PlotFrame* plot(const std::string& id) const;
  // The profile and calibration shown in the last frame.
  const ProfileSources& sources() const { return sources_; }

 private:
  struct Series {
    const std::vector<ProfilePoint>* points = nullptr;
    ImU32 color = kProfilePointColor;
    ImU32 held_out_color = kProfileHeldOutColor;
    bool diamond = false;
    std::string legend;
  };
  struct Curve {
    Curve(CurveKind kind, int num_ranks, std::string name, ImU32 c, std::string l) : color(c), legend(std::move(l)) {
      spec.kind = kind;
      spec.num_ranks = num_ranks;
      spec.name = std::move(name);
    }
    CurveSpec spec;
    ImU32 color = kProfileCurveColor;
    std::string legend;
  };
  struct PlotSpec {
    const char* id;
    std::string title;
    AxisScale x_scale, y_scale;
    std::string (*x_label)(double);
    std::string (*y_label)(double);
    std::vector<Series> series;
    std::vector<Curve> curves;
    std::vector<double> x_marks;  // regime boundaries
  };

  void draw_plot(const PlotSpec& spec, Rect area, ViewContext& ctx);
  void draw_fit_table(Rect area);
  void point_tooltip(const PlotSpec& spec, const Series& s, const ProfilePoint& p) const;

  std::vector<PlotFrame> plots_;
  ProfileSources sources_;
  ProfileSeries series_;  // rebuilt every frame (a profile is a few hundred records)
};

std::unique_ptr<View> make_profile_view();

}  // namespace moesim::viz
