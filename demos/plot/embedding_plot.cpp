#include "demos/plot/embedding_plot.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/random.hpp"

namespace fg {

namespace {

void check_embeddings(const char* op, const Tensor& H, const std::vector<int>& y, int cols) {
  if (H.dim() != 2 || H.size(1) != cols)
    throw Error(std::string(op) + ": embeddings " + shape_str(H.shape()) + " (expected m x " +
                std::to_string(cols) + ", one embedding a row" +
                (cols == 2 ? "; train with --dim 2 to draw the feature plane)" : ")"));
  if (int64_t(y.size()) != H.size(0))
    throw Error(std::string(op) + ": " + std::to_string(y.size()) + " labels for " +
                std::to_string(H.size(0)) + " embeddings (expected one a row)");
}

void check_weights(const char* op, const Tensor& W, int cols) {
  if (W.dim() != 2 || W.size(1) != cols)
    throw Error(std::string(op) + ": W " + shape_str(W.shape()) + " (expected K x " +
                std::to_string(cols) + ", row W_j the weight of class j)");
}

std::vector<LegendEntry> class_entries(const std::vector<int>& y, const std::vector<std::string>& names) {
  std::vector<LegendEntry> out;
  const int top = y.empty() ? -1 : *std::max_element(y.begin(), y.end());
  std::vector<bool> present(size_t(std::max(top + 1, 0)), false);
  for (int l : y)
    if (l >= 0) present[size_t(l)] = true;
  for (int k = 0; k <= top; ++k)
    if (present[size_t(k)])
      out.push_back({k < int(names.size()) ? names[size_t(k)] : std::to_string(k), class_color(k)});
  return out;
}

struct Vec3 {
  double x, y, z;
};

// Turn by yaw about the vertical axis, then tilt by pitch about the horizontal one.
Vec3 view(Vec3 p, double yaw, double pitch) {
  const double x1 = std::cos(yaw) * p.x + std::sin(yaw) * p.z, z1 = -std::sin(yaw) * p.x + std::cos(yaw) * p.z;
  return Vec3{x1, std::cos(pitch) * p.y - std::sin(pitch) * z1, std::sin(pitch) * p.y + std::cos(pitch) * z1};
}

struct SphereLayer : Layer {
  std::vector<Vec3> pts;  // normalised and turned to the view; z > 0 faces the viewer
  std::vector<int> y;
  std::vector<Vec3> w;  // unit W_j, turned
  std::vector<LegendEntry> entries;
  bool show_back = true;
  uint64_t seed = 1;
  void bounds(Bounds& b, Scale xs, Scale ys) const override {
    b.add(-1, -1, xs, ys), b.add(1, 1, xs, ys);
  }
  void draw(Canvas& c, const Frame& f, const Font&, double) const override {
    const Point2 o = f.to_px(0, 0), e = f.to_px(1, 0);
    const double R = e.x - o.x;
    // Lambert shading lit from the upper left, kept light so points stand out.
    const double L[3] = {-0.42, 0.52, 0.74};
    const PixelRect box = f.box;
    for (int py = box.y0; py < box.y1; ++py)
      for (int px = box.x0; px < box.x1; ++px) {
        const double nx = (px + 0.5 - o.x) / R, ny = (o.y - (py + 0.5)) / R, rr = nx * nx + ny * ny;
        const double edge = std::clamp((1 - std::sqrt(rr)) * R + 0.5, 0.0, 1.0);
        if (edge <= 0) continue;
        const double nz = std::sqrt(std::max(0.0, 1 - rr));
        const double lambert = std::max(0.0, nx * L[0] + ny * L[1] + nz * L[2]);
        const int v = int(std::lround(196 + 52 * lambert));
        c.blend(px, py, Color{uint8_t(v - 6), uint8_t(v - 3), uint8_t(std::min(255, v + 4))}, edge);
      }
    c.circle(o.x, o.y, R, grey(150), 1.2);
    std::vector<size_t> order(pts.size());
    std::iota(order.begin(), order.end(), size_t(0));
    Rng rng(seed);
    rng.shuffle(order);
    // Back first (faint), then the front from far to near.
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return pts[a].z < pts[b].z; });
    const double r = pts.size() <= 3000 ? 2.6 : pts.size() <= 20000 ? 2.0 : 1.6;
    for (size_t i : order) {
      const Vec3& p = pts[i];
      if (p.z < 0 && !show_back) continue;
      const Point2 q = f.to_px(p.x, p.y);
      const double alpha = p.z < 0 ? 0.10 : 0.45 + 0.4 * p.z;
      c.fill_circle(q.x, q.y, r * (p.z < 0 ? 0.8 : 0.75 + 0.35 * p.z), class_color(y[i]), alpha);
    }
    for (size_t j = 0; j < w.size(); ++j) {
      const Point2 tip = f.to_px(w[j].x * 1.15, w[j].y * 1.15);
      const bool front = w[j].z >= 0;
      c.line(o.x, o.y, tip.x, tip.y, class_color(int(j)), front ? 2.2 : 1.4, front ? 1 : 0.6,
             front ? LineStyle::Solid : LineStyle::Dashed);
    }
  }
  void legend(std::vector<LegendEntry>& out) const override {
    out.insert(out.end(), entries.begin(), entries.end());
  }
  void sample_points(std::vector<Point2>& out) const override {
    const size_t step = std::max<size_t>(1, pts.size() / 3000);
    for (size_t i = 0; i < pts.size(); i += step)
      if (pts[i].z >= 0 || show_back) out.push_back({pts[i].x, pts[i].y});
    for (int k = 0; k <= 40; ++k) out.push_back({std::cos(k * 0.157), std::sin(k * 0.157)});
  }
};

}  // namespace

std::vector<double> tensor_column(const Tensor& t, int j) {
  if (t.dim() != 2 || j < 0 || j >= t.size(1))
    throw Error("tensor_column: column " + std::to_string(j) + " of " + shape_str(t.shape()) +
                " (expected a 2-D tensor with more than " + std::to_string(j) + " columns)");
  std::vector<double> out(size_t(t.size(0)));
  for (int i = 0; i < t.size(0); ++i) out[size_t(i)] = t.at(i, j);
  return out;
}

Plot embedding_scatter(const Tensor& H, const std::vector<int>& y,
                       const std::vector<std::string>& names, const std::string& title,
                       uint64_t seed) {
  check_embeddings("embedding_scatter", H, y, 2);
  Plot p;
  p.title = title, p.equal_aspect = true;
  ScatterOpts o;
  o.seed = seed;
  p.scatter(tensor_column(H, 0), tensor_column(H, 1), y, names, o);
  return p;
}

Plot normalized_scatter(const Tensor& H, const std::vector<int>& y,
                        const std::vector<std::string>& names, const Tensor* W,
                        const std::string& title, const NormalizedOpts& o) {
  check_embeddings("normalized_scatter", H, y, 2);
  if (W) check_weights("normalized_scatter", *W, 2);
  Plot p;
  p.title = title, p.equal_aspect = true;
  const double reach = std::max(1.0 + o.jitter, W ? o.ray_length : 1.0) * 1.06;
  p.xlim(-reach, reach), p.ylim(-reach, reach);
  p.circle(0, 0, 1, grey(150), 1, LineStyle::Dashed);
  Rng rng(o.seed);
  const int m = H.size(0);
  std::vector<double> xs(static_cast<size_t>(m)), ys(static_cast<size_t>(m));
  const double nan = std::nan("");
  int K = W ? W->size(0) : 0;
  for (int k : y) K = std::max(K, k + 1);
  std::vector<double> sx(size_t(K), 0), sy(size_t(K), 0);
  for (int i = 0; i < m; ++i) {
    const double hx = H.at(i, 0), hy = H.at(i, 1), n = std::hypot(hx, hy);
    const double r = 1 + o.jitter * (2 * rng.uniform() - 1);
    const bool ok = std::isfinite(n) && n > 0;
    xs[size_t(i)] = ok ? hx / n * r : nan, ys[size_t(i)] = ok ? hy / n * r : nan;
    if (ok && y[size_t(i)] >= 0) sx[size_t(y[size_t(i)])] += hx / n, sy[size_t(y[size_t(i)])] += hy / n;
  }
  ScatterOpts so;
  so.seed = o.seed;
  p.scatter(xs, ys, y, names, so);
  if (W) add_weight_rays(p, *W, o.ray_length);
  if (o.centres) {
    std::vector<double> cx, cy;
    std::vector<Color> cc;
    for (int k = 0; k < K; ++k) {
      const double n = std::hypot(sx[size_t(k)], sy[size_t(k)]);
      if (!(n > 0)) continue;
      cx.push_back(sx[size_t(k)] / n), cy.push_back(sy[size_t(k)] / n), cc.push_back(class_color(k));
    }
    if (!cx.empty()) p.markers(cx, cy, cc, Marker::Diamond, 11);
  }
  return p;
}

void add_weight_rays(Plot& p, const Tensor& W, double length) {
  check_weights("add_weight_rays", W, 2);
  for (int j = 0; j < W.size(0); ++j) {
    const double wx = W.at(j, 0), wy = W.at(j, 1), n = std::hypot(wx, wy);
    if (!std::isfinite(n) || !(n > 0)) continue;
    const double s = length > 0 ? length / n : 1;
    p.segment(0, 0, wx * s, wy * s, class_color(j), 2.2);
  }
}

void add_class_centres(Plot& p, const Tensor& C, const std::string& label) {
  check_weights("add_class_centres", C, 2);
  std::vector<Color> cc;
  for (int k = 0; k < C.size(0); ++k) cc.push_back(class_color(k));
  p.markers(tensor_column(C, 0), tensor_column(C, 1), cc, Marker::Diamond, 11, label);
}

std::function<int(double, double)> linear_classifier(const Tensor& W, const Tensor* b) {
  check_weights("linear_classifier", W, 2);
  if (b && b->numel() != W.size(0))
    throw Error("linear_classifier: bias " + shape_str(b->shape()) + " for W " +
                shape_str(W.shape()) + " (expected one bias a class)");
  std::vector<double> w(size_t(W.numel())), bias(size_t(W.size(0)), 0.0);
  for (int64_t i = 0; i < W.numel(); ++i) w[size_t(i)] = W[i];
  if (b)
    for (int j = 0; j < W.size(0); ++j) bias[size_t(j)] = (*b)[j];
  return [w, bias](double x, double y) {
    int best = -1;
    double top = -1e300;
    for (size_t j = 0; j < bias.size(); ++j) {
      const double s = w[2 * j] * x + w[2 * j + 1] * y + bias[j];
      if (s > top) top = s, best = int(j);
    }
    return best;
  };
}

std::function<int(double, double)> cosine_classifier(const Tensor& W) {
  check_weights("cosine_classifier", W, 2);
  Tensor unit = W.clone();
  for (int j = 0; j < W.size(0); ++j) {
    const double n = std::hypot(double(W.at(j, 0)), double(W.at(j, 1)));
    unit.at(j, 0) = real(n > 0 ? W.at(j, 0) / n : 0), unit.at(j, 1) = real(n > 0 ? W.at(j, 1) / n : 0);
  }
  return linear_classifier(unit);
}

Plot sphere_scatter(const Tensor& H, const std::vector<int>& y,
                    const std::vector<std::string>& names, const Tensor* W,
                    const std::string& title, const SphereView& v) {
  check_embeddings("sphere_scatter", H, y, 3);
  if (W) check_weights("sphere_scatter", *W, 3);
  const double yaw = v.yaw_deg * M_PI / 180, pitch = v.pitch_deg * M_PI / 180;
  auto layer = std::make_shared<SphereLayer>();
  for (int i = 0; i < H.size(0); ++i) {
    const Vec3 h{H.at(i, 0), H.at(i, 1), H.at(i, 2)};
    const double n = std::sqrt(h.x * h.x + h.y * h.y + h.z * h.z);
    if (!std::isfinite(n) || !(n > 0)) continue;
    layer->pts.push_back(view(Vec3{h.x / n, h.y / n, h.z / n}, yaw, pitch));
    layer->y.push_back(y[size_t(i)]);
  }
  for (int j = 0; W && j < W->size(0); ++j) {
    const Vec3 w{W->at(j, 0), W->at(j, 1), W->at(j, 2)};
    const double n = std::sqrt(w.x * w.x + w.y * w.y + w.z * w.z);
    layer->w.push_back(std::isfinite(n) && n > 0 ? view(Vec3{w.x / n, w.y / n, w.z / n}, yaw, pitch)
                                                 : Vec3{0, 0, 0});
  }
  layer->entries = class_entries(y, names);
  layer->show_back = v.show_back, layer->seed = v.seed;
  Plot p;
  p.title = title, p.equal_aspect = true, p.show_axes = false, p.grid = false;
  p.xlim(-1.2, 1.2), p.ylim(-1.2, 1.2);
  p.add(layer);
  return p;
}

}  // namespace fg
