#include "demos/plot/canvas.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "core/tensor.hpp"

namespace fg {

namespace {

inline bool finite(double v) { return std::isfinite(v); }
inline double clamp01(double v) { return v < 0 ? 0 : (v > 1 ? 1 : v); }

// The pixels a shape reaching from (x0, y0) to (x1, y1) (plus `pad`) can
// touch, inside `clip`. Non-finite or absurd coordinates give an empty box.
PixelRect touch_box(double x0, double y0, double x1, double y1, double pad, PixelRect clip) {
  if (!finite(x0) || !finite(y0) || !finite(x1) || !finite(y1) || !finite(pad)) return {};
  const double lo_x = std::max(std::min(x0, x1) - pad, double(clip.x0));
  const double lo_y = std::max(std::min(y0, y1) - pad, double(clip.y0));
  const double hi_x = std::min(std::max(x0, x1) + pad, double(clip.x1));
  const double hi_y = std::min(std::max(y0, y1) + pad, double(clip.y1));
  if (hi_x <= lo_x || hi_y <= lo_y) return {};
  return PixelRect{int(std::floor(lo_x)), int(std::floor(lo_y)), int(std::ceil(hi_x)),
                   int(std::ceil(hi_y))};
}

// Distance from (px, py) to the segment a-b.
double segment_distance(double px, double py, Point2 a, Point2 b) {
  const double dx = b.x - a.x, dy = b.y - a.y, len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? ((px - a.x) * dx + (py - a.y) * dy) / len2 : 0;
  t = t < 0 ? 0 : (t > 1 ? 1 : t);
  const double ex = a.x + t * dx - px, ey = a.y + t * dy - py;
  return std::sqrt(ex * ex + ey * ey);
}

// Cuts a polyline into the "on" pieces of a dash pattern (lengths in pixels).
std::vector<std::vector<Point2>> dash_pieces(const std::vector<Point2>& pts, double on,
                                             double off) {
  std::vector<std::vector<Point2>> pieces(1);
  bool drawing = true;
  double left = on;  // length left in the current on/off stretch
  pieces.back().push_back(pts[0]);
  for (size_t i = 1; i < pts.size(); ++i) {
    Point2 a = pts[i - 1];
    const Point2 b = pts[i];
    double seg = std::hypot(b.x - a.x, b.y - a.y);
    while (seg > left) {
      const double t = left / seg;
      a = Point2{a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t};
      seg -= left;
      if (drawing) pieces.back().push_back(a);
      else pieces.push_back({a});
      drawing = !drawing;
      left = drawing ? on : off;
    }
    left -= seg;
    if (drawing) pieces.back().push_back(b);
  }
  return pieces;
}

}  // namespace

Color mix(Color a, Color b, double t) {
  t = clamp01(t);
  auto m = [t](uint8_t u, uint8_t v) { return uint8_t(std::lround(u + (v - u) * t)); };
  return Color{m(a.r, b.r), m(a.g, b.g), m(a.b, b.b)};
}

Canvas::Canvas(int width, int height, Color background) {
  if (width < 1 || height < 1 || width > 16384 || height > 16384)
    throw Error("Canvas: size " + std::to_string(width) + " x " + std::to_string(height) +
                " is out of range (expected 1..16384 each way)");
  w_ = width, h_ = height;
  rgb_.resize(size_t(w_) * h_ * 3);
  reset_clip();
  fill(background);
}

Color Canvas::get(int x, int y) const {
  const uint8_t* p = &rgb_[(size_t(y) * w_ + x) * 3];
  return Color{p[0], p[1], p[2]};
}

void Canvas::set(int x, int y, Color c) {
  if (x < 0 || y < 0 || x >= w_ || y >= h_) return;
  uint8_t* p = &rgb_[(size_t(y) * w_ + x) * 3];
  p[0] = c.r, p[1] = c.g, p[2] = c.b;
}

void Canvas::set_clip(PixelRect r) {
  clip_ = PixelRect{std::max(r.x0, 0), std::max(r.y0, 0), std::min(r.x1, w_), std::min(r.y1, h_)};
  if (clip_.empty()) clip_ = PixelRect{};
}

void Canvas::blend(int x, int y, Color c, double a) {
  if (x < clip_.x0 || y < clip_.y0 || x >= clip_.x1 || y >= clip_.y1 || !(a > 0)) return;
  if (a > 1) a = 1;
  uint8_t* p = &rgb_[(size_t(y) * w_ + x) * 3];
  p[0] = uint8_t(std::lround(p[0] + (c.r - p[0]) * a));
  p[1] = uint8_t(std::lround(p[1] + (c.g - p[1]) * a));
  p[2] = uint8_t(std::lround(p[2] + (c.b - p[2]) * a));
}

void Canvas::fill(Color c) {
  for (int y = clip_.y0; y < clip_.y1; ++y)
    for (int x = clip_.x0; x < clip_.x1; ++x) set(x, y, c);
}

void Canvas::fill_rect(double x0, double y0, double x1, double y1, Color c, double alpha) {
  if (x1 < x0) std::swap(x0, x1);
  if (y1 < y0) std::swap(y0, y1);
  const PixelRect box = touch_box(x0, y0, x1, y1, 0, clip_);
  for (int y = box.y0; y < box.y1; ++y) {
    const double cy = std::min(y + 1.0, y1) - std::max(double(y), y0);
    if (cy <= 0) continue;
    for (int x = box.x0; x < box.x1; ++x) {
      const double cx = std::min(x + 1.0, x1) - std::max(double(x), x0);
      if (cx > 0) blend(x, y, c, alpha * cx * cy);
    }
  }
}

void Canvas::rect_outline(double x0, double y0, double x1, double y1, Color c, double width) {
  polyline({{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}, c, width);
}

void Canvas::line(double x0, double y0, double x1, double y1, Color c, double width,
                  double alpha, LineStyle style) {
  polyline({{x0, y0}, {x1, y1}}, c, width, alpha, style);
}

void Canvas::blend_coverage(const std::vector<float>& cover, PixelRect box, Color c,
                            double alpha) {
  for (int y = box.y0; y < box.y1; ++y)
    for (int x = box.x0; x < box.x1; ++x) {
      const float a = cover[size_t(y - box.y0) * box.width() + (x - box.x0)];
      if (a > 0) blend(x, y, c, alpha * a);
    }
}

void Canvas::polyline(const std::vector<Point2>& pts, Color c, double width, double alpha,
                      LineStyle style) {
  if (!(width > 0) || !(alpha > 0)) return;
  const double hw = std::max(width, 1.0) / 2;
  // Finite runs of the line with each segment clipped to the reach of the
  // clip rectangle (a point far outside costs nothing), cut into dashes when asked.
  const double lo_x = clip_.x0 - hw - 2, hi_x = clip_.x1 + hw + 2, lo_y = clip_.y0 - hw - 2,
               hi_y = clip_.y1 + hw + 2;
  std::vector<std::vector<Point2>> runs(1);
  auto cut = [&]() {
    if (!runs.back().empty()) runs.emplace_back();
  };
  for (size_t i = 0; i < pts.size(); ++i) {
    const Point2 b = pts[i];
    if (!finite(b.x) || !finite(b.y)) {
      cut();
      continue;
    }
    if (i == 0 || !finite(pts[i - 1].x) || !finite(pts[i - 1].y)) {
      if (pts.size() == 1 || style == LineStyle::Dotted) runs.back().push_back(b);
      continue;  // a run starts: its first segment comes with the next point
    }
    Point2 a = pts[i - 1];
    // Liang-Barsky: the part of a-b inside the reach.
    double t0 = 0, t1 = 1;
    const double dx = b.x - a.x, dy = b.y - a.y;
    bool visible = true;
    for (const auto& pq : {std::pair<double, double>{-dx, a.x - lo_x}, {dx, hi_x - a.x},
                           {-dy, a.y - lo_y}, {dy, hi_y - a.y}}) {
      const double p = pq.first, q = pq.second;
      if (p == 0) {
        if (q < 0) visible = false;
      } else {
        const double r = q / p;
        if (p < 0) t0 = std::max(t0, r);
        else t1 = std::min(t1, r);
      }
    }
    if (!visible || t0 > t1) {
      cut();
      continue;
    }
    const Point2 ca{a.x + t0 * dx, a.y + t0 * dy}, cb{a.x + t1 * dx, a.y + t1 * dy};
    if (runs.back().empty() || t0 > 0) {
      cut();
      runs.back().push_back(ca);
    }
    runs.back().push_back(cb);
    if (t1 < 1) cut();
  }
  std::vector<std::vector<Point2>> pieces;
  for (auto& r : runs) {
    if (r.empty()) continue;
    if (style == LineStyle::Solid) pieces.push_back(std::move(r));
    else {
      const double on = style == LineStyle::Dashed ? 3 * width + 4 : 0.01;
      const double off = style == LineStyle::Dashed ? 2 * width + 3 : 1.5 * width + 2;
      for (auto& d : dash_pieces(r, on, off)) pieces.push_back(std::move(d));
    }
  }
  const double strength = std::min(width, 1.0);
  double lx = 1e300, ly = 1e300, hx = -1e300, hy = -1e300;
  for (const auto& p : pieces)
    for (const Point2& q : p)
      lx = std::min(lx, q.x), ly = std::min(ly, q.y), hx = std::max(hx, q.x), hy = std::max(hy, q.y);
  const PixelRect box = touch_box(lx, ly, hx, hy, hw + 1, clip_);
  if (box.empty()) return;
  std::vector<float> cover(size_t(box.width()) * box.height(), 0.f);
  for (const auto& p : pieces)
    for (size_t i = 0; i < p.size(); ++i) {
      const Point2 a = p[i], b = p[i + 1 < p.size() ? i + 1 : i];
      if (i + 1 == p.size() && p.size() > 1) break;  // the last point closes the previous segment
      const PixelRect s = touch_box(a.x, a.y, b.x, b.y, hw + 1, box);
      for (int y = s.y0; y < s.y1; ++y)
        for (int x = s.x0; x < s.x1; ++x) {
          const double d = segment_distance(x + 0.5, y + 0.5, a, b);
          const float v = float(clamp01(hw + 0.5 - d) * strength);
          float& slot = cover[size_t(y - box.y0) * box.width() + (x - box.x0)];
          if (v > slot) slot = v;
        }
    }
  blend_coverage(cover, box, c, alpha);
}

void Canvas::fill_circle(double cx, double cy, double r, Color c, double alpha) {
  if (!(r > 0)) return;
  const PixelRect box = touch_box(cx, cy, cx, cy, r + 1, clip_);
  // A disc smaller than a pixel keeps its area rather than vanishing.
  const double re = std::max(r, 0.5), strength = std::min(1.0, (r * r) / (re * re));
  for (int y = box.y0; y < box.y1; ++y)
    for (int x = box.x0; x < box.x1; ++x) {
      const double d = std::hypot(x + 0.5 - cx, y + 0.5 - cy);
      const double a = clamp01(re + 0.5 - d);
      if (a > 0) blend(x, y, c, alpha * a * strength);
    }
}

void Canvas::circle(double cx, double cy, double r, Color c, double width, double alpha) {
  arc(cx, cy, r, 0, 2 * M_PI, c, width, alpha);
}

void Canvas::arc(double cx, double cy, double r, double a0, double a1, Color c, double width,
                 double alpha) {
  if (!finite(cx) || !finite(cy) || !finite(r) || !finite(a0) || !finite(a1) || !(r > 0)) return;
  const double span = a1 - a0;
  const int n = int(std::clamp(std::ceil(std::fabs(span) * r / 2), 8.0, 4096.0));
  std::vector<Point2> pts(n + 1);
  for (int i = 0; i <= n; ++i) {
    const double a = a0 + span * i / n;
    pts[i] = Point2{cx + r * std::cos(a), cy - r * std::sin(a)};
  }
  polyline(pts, c, width, alpha);
}

void Canvas::fill_polygon(const std::vector<Point2>& pts, Color c, double alpha) {
  if (pts.size() < 3) return;
  double lx = 1e300, ly = 1e300, hx = -1e300, hy = -1e300;
  for (const Point2& q : pts) {
    if (!finite(q.x) || !finite(q.y)) return;
    lx = std::min(lx, q.x), ly = std::min(ly, q.y), hx = std::max(hx, q.x), hy = std::max(hy, q.y);
  }
  const PixelRect box = touch_box(lx, ly, hx, hy, 1, clip_);
  const size_t n = pts.size();
  for (int y = box.y0; y < box.y1; ++y)
    for (int x = box.x0; x < box.x1; ++x) {
      int inside = 0;
      for (int sy = 0; sy < 4; ++sy)
        for (int sx = 0; sx < 4; ++sx) {
          const double px = x + (sx + 0.5) / 4, py = y + (sy + 0.5) / 4;
          bool in = false;
          for (size_t i = 0, j = n - 1; i < n; j = i++) {
            const Point2 a = pts[i], b = pts[j];
            if ((a.y > py) != (b.y > py) && px < a.x + (py - a.y) * (b.x - a.x) / (b.y - a.y))
              in = !in;
          }
          inside += in;
        }
      if (inside) blend(x, y, c, alpha * inside / 16.0);
    }
}

void Canvas::blend_mask(int x, int y, const uint8_t* mask, int mw, int mh, Color color,
                        bool rotate_ccw) {
  for (int v = 0; v < mh; ++v)
    for (int u = 0; u < mw; ++u) {
      const uint8_t a = mask[size_t(v) * mw + u];
      if (!a) continue;
      if (rotate_ccw) blend(x + v, y + (mw - 1 - u), color, a / 255.0);
      else blend(x + u, y + v, color, a / 255.0);
    }
}

}  // namespace fg
