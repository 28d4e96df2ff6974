// The faceid pictures (declared in report.hpp): ROC, pair angles,
// neural collapse per epoch, the 2-D feature space of the unseen classes, and
// the ROC of every run in one figure.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "demos/plot/embedding_plot.hpp"
#include "demos/faceid/report.hpp"
#include "demos/plot/plot.hpp"

namespace fg {

namespace {

constexpr double kPi = 3.14159265358979323846;

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// The smallest FAR worth a log axis: a decade below 1 / #impostor pairs.
double far_floor(const VerificationSummary& v) {
  const double least = 1.0 / double(std::max<int64_t>(1, v.impostor));
  return std::max(1e-7, std::pow(10.0, std::floor(std::log10(least))));
}

// The ROC of one run into p, as one line with its label and colour.
void roc_line(Plot& p, const VerificationSummary& v, const std::string& label, Color c) {
  std::vector<double> far, tar;
  for (const RocPoint& q : v.roc) {
    far.push_back(q.far);
    tar.push_back(q.tar);
  }
  LineOpts o;
  o.color = c;
  p.line(far, tar, label, o);
}

void roc_axes(Plot& p, double lo) {
  p.xlabel = "false accept rate (FAR, log scale)";
  p.ylabel = "true accept rate (TAR)";
  p.xscale = Scale::Log;
  p.xlim(lo, 1);
  p.ylim(0, 1.02);
  // Chance: TAR = FAR.
  std::vector<double> x, y;
  for (double e = std::log10(lo); e <= 0.0001; e += 0.05)
    x.push_back(std::pow(10.0, e)), y.push_back(x.back());
  LineOpts o;
  o.color = Color{150, 150, 150};
  o.style = LineStyle::Dashed;
  o.width = 1;
  p.line(x, y, "chance", o);
}

std::string run_title(const FaceIdRunResult& r) {
  return r.objective + ", " + std::to_string(r.dim) + "-D";
}

void save_roc(const FaceIdRunResult& r, const std::string& path) {
  const VerificationSummary& v = r.verification;
  Plot p;
  p.title = "ROC on unseen classes: " + run_title(r);
  roc_axes(p, far_floor(v));
  roc_line(p, v, "EER " + fmt("%.3f", v.eer.eer), class_color(0));
  std::vector<double> fx, fy;
  for (const TarAtFar& t : v.tar)
    if (t.far > 0) fx.push_back(t.far), fy.push_back(t.tar);
  p.markers(fx, fy, {class_color(1)}, Marker::Diamond, 7, "TAR at FAR = 1e-1, 1e-2, 1e-3");
  p.legend = LegendPos::TopLeft;  // a ROC on log FAR leaves the top left empty
  p.save_png(path, 640, 480);
}

void save_angles(const FaceIdRunResult& r, const std::string& path) {
  const VerificationSummary& v = r.verification;
  Plot p;
  p.title = "Pair angles on unseen classes: " + run_title(r);
  p.xlabel = "angle between the embeddings (degrees)";
  p.ylabel = "density";
  HistOpts o;
  o.bins = 60;
  o.lo = 0;
  o.hi = 180;
  o.colors = {class_color(2), class_color(3)};
  p.histograms({v.genuine_deg, v.impostor_deg},
               {"genuine (" + std::to_string(v.genuine) + " pairs)",
                "impostor (" + std::to_string(v.impostor) + " pairs)"},
               o);
  const double t = std::max(-1.0, std::min(1.0, v.eer.threshold));
  p.vline(std::acos(t) * 180 / kPi, kBlack, LineStyle::Dashed,
          "EER threshold " + fmt("%.0f", std::acos(t) * 180 / kPi) + " deg");
  p.xlim(0, 180);
  p.save_png(path, 640, 480);
}

// One panel of the collapse figure: series by name, epochs on x, log y.
void collapse_panel(Plot& p, const std::string& title,
                    const std::vector<std::pair<std::string, std::vector<double>>>& series,
                    const std::vector<double>& epochs) {
  p.title = title;
  p.xlabel = "epoch (0: at initialisation)";
  p.yscale = Scale::Log;
  bool any = false, zero = false;
  int k = 0;
  for (const auto& [name, ys] : series) {
    LineOpts o;
    o.color = class_color(k++);
    o.markers = true;
    p.line(epochs, ys, series.size() > 1 ? name : "", o);
    for (double y : ys) any = any || (std::isfinite(y) && y > 0), zero = zero || y == 0;
  }
  if (!epochs.empty()) p.xlim(epochs.front() - 0.25, epochs.back() + 0.25);
  if (!any) {
    p.ylim(1e-3, 1);
    p.text(epochs.empty() ? 0 : epochs.front(), 0.03,
           zero ? "0 at every epoch (not drawn on a log axis)" : "no value", kBlack, HAlign::Left);
  }
}

void save_collapse(const FaceIdRunResult& r, const std::string& path) {
  std::vector<double> ep, nc1, m_norm, m_cos, w_norm, w_cos, nc3, nc4;
  for (const EpochRecord& e : r.epochs) {
    const CollapsePoint& c = e.collapse;
    ep.push_back(e.epoch);
    nc1.push_back(c.nc1);
    m_norm.push_back(c.means.equinorm);
    m_cos.push_back(c.means.equiangularity);
    w_norm.push_back(c.classifier.equinorm);
    w_cos.push_back(c.classifier.equiangularity);
    nc3.push_back(c.nc3);
    nc4.push_back(c.nc4);
  }
  // Without class weights NC3 and NC4 are not defined: two panels only.
  Figure fig(2, r.has_classifier ? 2 : 1, 480, 360);
  fig.title = r.has_classifier ? "Neural collapse on training embeddings: " + run_title(r)
                               : "Neural collapse: " + run_title(r) + " (no W: no NC3, NC4)";
  collapse_panel(fig.panel(0), "NC1 = Tr(Sigma_W Sigma_B^+) / K", {{"NC1", nc1}}, ep);
  std::vector<std::pair<std::string, std::vector<double>>> nc2 = {{"norms of M (std/mean)", m_norm},
                                                                  {"cosines of M (std)", m_cos}};
  if (r.has_classifier) {
    nc2.push_back({"norms of W", w_norm});
    nc2.push_back({"cosines of W", w_cos});
  }
  collapse_panel(fig.panel(1), "NC2: equinorm and equiangularity", nc2, ep);
  if (r.has_classifier) {
    collapse_panel(fig.panel(2), "NC3 = || W/||W|| - M/||M|| ||", {{"NC3", nc3}}, ep);
    collapse_panel(fig.panel(3), "NC4: classifier vs nearest class mean", {{"NC4", nc4}}, ep);
  }
  fig.save_png(path);
}

}  // namespace

void write_run_plots(const FaceIdRunResult& r, const Dataset& unseen, const std::string& dir) {
  if (!r.epochs.empty()) save_collapse(r, dir + "/collapse.png");
  if (!r.error.empty()) return;
  save_roc(r, dir + "/roc.png");
  save_angles(r, dir + "/angles.png");
  if (r.dim == 2 && r.unseen_h.dim() == 2 && r.unseen_h.size(0) == unseen.size()) {
    Figure fig(2, 1, 560, 560);
    fig.title = "Unseen classes in the 2-D feature space: " + r.objective;
    fig.panel(0) = embedding_scatter(r.unseen_h, unseen.labels, unseen.class_names, "features h");
    fig.panel(1) = normalized_scatter(r.unseen_h, unseen.labels, unseen.class_names, nullptr,
                                      "h / |h|: what cosine similarity sees");
    fig.save_png(dir + "/features.png");
  }
  if (!r.explorer.frames.empty()) {
    ExplorerPage page;
    page.title = r.describe + ", " + std::to_string(r.dim) + "-D: training images of the seen classes";
    page.runs.push_back(r.explorer);
    page.points = "300 training images of the seen classes (the loss needs their labels)";
    write_explorer(dir + "/explorer.html", page);
  }
}

void write_roc_comparison(const std::vector<FaceIdRunResult>& runs, const std::string& path) {
  std::map<int, std::vector<const FaceIdRunResult*>> by_dim;
  for (const auto& r : runs)
    if (r.error.empty()) by_dim[r.dim].push_back(&r);
  if (by_dim.empty()) return;
  Figure fig(int(by_dim.size()), 1, 640, 560);
  int panel = 0;
  for (const auto& [dim, rs] : by_dim) {
    Plot& p = fig.panel(panel++);
    double lo = 1;
    for (const auto* r : rs) lo = std::min(lo, far_floor(r->verification));
    p.title = "ROC on unseen classes, " + std::to_string(dim) + "-D embeddings";
    roc_axes(p, lo);
    int k = 0;
    for (const auto* r : rs)
      roc_line(p, r->verification,
               r->objective + " (EER " + fmt("%.3f", r->verification.eer.eer) + ")",
               class_color(k++));
    p.legend = LegendPos::TopLeft;  // a ROC on log FAR leaves the top left empty
  }
  fig.save_png(path);
}

}  // namespace fg
