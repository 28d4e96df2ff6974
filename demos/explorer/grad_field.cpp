// The gradient field pictures (demos/explorer/grad_field.hpp).
#include "demos/explorer/grad_field.hpp"

#include <algorithm>
#include <cmath>

#include "core/data/batching.hpp"
#include "core/error.hpp"
#include "demos/explorer/probe.hpp"

namespace fg {

namespace {

// A segment from (x, y) along (dx, dy) with a two-stroke head.
void arrow(Plot& p, double x, double y, double dx, double dy, Color c, double width) {
  const double len = std::hypot(dx, dy);
  if (!(len > 0)) return;
  p.segment(x, y, x + dx, y + dy, c, width);
  const double a = std::atan2(dy, dx), h = 0.35 * len;
  for (double side : {-0.45, 0.45})
    p.segment(x + dx, y + dy, x + dx - h * std::cos(a + side), y + dy - h * std::sin(a + side), c, width);
}

double max_row_norm(const Tensor& t) {
  double m = 0;
  for (int i = 0; i < t.size(0); ++i) {
    const double n = std::hypot(double(t.at(i, 0)), double(t.at(i, 1)));
    if (std::isfinite(n)) m = std::max(m, n);
  }
  return m;
}

}  // namespace

Figure grad_field_figure(Objective& obj, const FeatureSnapshot& full, const std::string& title, int points,
                         int pk_P, int pk_K) {
  if (full.H.dim() != 2 || full.H.size(1) != 2)
    throw Error("grad field: needs 2-D features (--dim 2); these have " +
                std::to_string(full.H.dim() == 2 ? full.H.size(1) : 0) + " dimensions");
  FeatureSnapshot s = full;
  s.max_points = points;
  s = thin_snapshot(s);
  const bool has_w = s.W.dim() == 2 && s.W.size(1) == 2;
  PointProbes pr = probe_points(obj, s.H, s.y, has_w ? s.W : s.C);
  Tensor push = class_weight_push(obj, s.H, s.y);
  // Pair and triplet objectives: one P x K batch of the full set, its batch gradient.
  Tensor bH;
  std::vector<int> active, pk_labels;
  if (!pr.note.empty() && pk_P > 0 && pk_K > 0) {
    const std::vector<int> idx = PKSampler(full.y, pk_P, pk_K, full.seed).batch(0);
    bH = gather_images(full.H, idx, "grad-field P x K batch");
    std::vector<int> by;
    for (int i : idx) by.push_back(full.y[size_t(i)]);
    pr.neg_grad = batch_push(obj, bH, by);
    pk_labels = by;
    push = class_weight_push(obj, bH, by);
    for (int i = 0; i < bH.size(0); ++i)
      if (pr.neg_grad.at(i, 0) != 0 || pr.neg_grad.at(i, 1) != 0) active.push_back(i);
    pr.note = "batch " + std::to_string(pk_P) + " x " + std::to_string(pk_K) + ": " + std::to_string(active.size()) +
              " of " + std::to_string(bH.size(0)) + " points active (ringed)";
  }
  const Tensor& AH = bH.numel() ? bH : s.H;  // where the arrows start
  const double gmax = max_row_norm(pr.neg_grad), pmax = push.numel() ? max_row_norm(push) : 0;

  Figure fig(2, 1, 620, 620);
  fig.title = title;
  for (int panel = 0; panel < 2; ++panel) {
    const bool normed = panel == 1;
    Plot p = normed ? second_panel(s, bH.numel() ? "normalised; " + pr.note : "normalised: the arrows at h / |h|")
                    : raw_panel(s, bH.numel() ? "raw: arrows -dL/dh_i of the batch loss"
                                              : "raw: arrows -dL_i/dh_i, black: -dL/dW_j");
    double radius = 1;
    if (!normed) {
      radius = 0;
      for (int i = 0; i < s.H.size(0); ++i) radius = std::max(radius, double(std::hypot(s.H.at(i, 0), s.H.at(i, 1))));
      radius = std::max(radius, 1e-12);
    }
    const double gscale = gmax > 0 ? 0.12 * radius / gmax : 0;
    for (int i = 0; i < AH.size(0); ++i) {
      const double gx = pr.neg_grad.at(i, 0), gy = pr.neg_grad.at(i, 1);
      if (!std::isfinite(gx) || !std::isfinite(gy)) continue;
      double x = AH.at(i, 0), y = AH.at(i, 1);
      if (normed) {
        const double n = std::max(double(std::hypot(x, y)), 1e-12);
        x /= n, y /= n;
      }
      arrow(p, x, y, gx * gscale, gy * gscale, grey(60), 0.8);
    }
    if (!active.empty()) {
      std::vector<double> ax, ay;
      std::vector<Color> ac;
      for (int i : active) {
        ac.push_back(class_color(pk_labels[size_t(i)]));
        double x = AH.at(i, 0), y = AH.at(i, 1);
        if (normed) {
          const double n = std::max(double(std::hypot(x, y)), 1e-12);
          x /= n, y /= n;
        }
        ax.push_back(x), ay.push_back(y);
      }
      p.markers(ax, ay, ac, Marker::Circle, 6, "in an active pair or triplet");
    }
    if (push.numel() && has_w && pmax > 0) {
      const double wmax = std::max(max_row_norm(s.W), 1e-12);
      for (int j = 0; j < s.W.size(0); ++j) {
        const double wn = std::max(double(std::hypot(s.W.at(j, 0), s.W.at(j, 1))), 1e-12);
        // The tip: where the normalised view draws its ray (1.3), or W_j scaled to the raw view.
        const double k = normed ? 1.3 / wn : radius / wmax;
        const double tx = s.W.at(j, 0) * k, ty = s.W.at(j, 1) * k, ps = 0.25 * radius / pmax;
        if (!normed) p.segment(0, 0, tx, ty, class_color(j), 1.5);
        arrow(p, tx, ty, push.at(j, 0) * ps, push.at(j, 1) * ps, kBlack, 1.6);
      }
    }
    fig.panel(panel) = p;
  }
  return fig;
}

}  // namespace fg
