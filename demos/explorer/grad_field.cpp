// The gradient field pictures (demos/explorer/grad_field.hpp).
#include "demos/explorer/grad_field.hpp"

#include <algorithm>
#include <cmath>

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

Figure grad_field_figure(Objective& obj, const FeatureSnapshot& full, const std::string& title, int points) {
  if (full.H.dim() != 2 || full.H.size(1) != 2)
    throw Error("grad field: needs 2-D features (--dim 2); these have " +
                std::to_string(full.H.dim() == 2 ? full.H.size(1) : 0) + " dimensions");
  FeatureSnapshot s = full;
  s.max_points = points;
  s = thin_snapshot(s);
  const bool has_w = s.W.dim() == 2 && s.W.size(1) == 2;
  const PointProbes pr = probe_points(obj, s.H, s.y, has_w ? s.W : s.C);
  const Tensor push = class_weight_push(obj, s.H, s.y);
  const double gmax = max_row_norm(pr.neg_grad), pmax = push.numel() ? max_row_norm(push) : 0;
  const std::string note = pr.note.empty() ? "" : " (" + pr.note + ")";

  Figure fig(2, 1, 620, 620);
  fig.title = title;
  for (int panel = 0; panel < 2; ++panel) {
    const bool normed = panel == 1;
    Plot p = normed ? second_panel(s, "normalised: arrows at h / |h|" + note)
                    : raw_panel(s, "raw: arrows -dL_i/dh_i, black: -dL/dW_j" + note);
    double radius = 1;
    if (!normed) {
      radius = 0;
      for (int i = 0; i < s.H.size(0); ++i) radius = std::max(radius, double(std::hypot(s.H.at(i, 0), s.H.at(i, 1))));
      radius = std::max(radius, 1e-12);
    }
    const double gscale = gmax > 0 ? 0.12 * radius / gmax : 0;
    for (int i = 0; i < s.H.size(0); ++i) {
      const double gx = pr.neg_grad.at(i, 0), gy = pr.neg_grad.at(i, 1);
      if (!std::isfinite(gx) || !std::isfinite(gy)) continue;
      double x = s.H.at(i, 0), y = s.H.at(i, 1);
      if (normed) {
        const double n = std::max(double(std::hypot(x, y)), 1e-12);
        x /= n, y /= n;
      }
      arrow(p, x, y, gx * gscale, gy * gscale, grey(60), 0.8);
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
