// The layers a Plot draws: scatters, lines, histograms, regions and marks.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/random.hpp"
#include "core/tensor.hpp"
#include "demos/plot/plot.hpp"

namespace fg {

namespace {

void check_sizes(const char* op, size_t nx, size_t ny) {
  if (nx != ny)
    throw Error(std::string("Plot::") + op + ": " + std::to_string(nx) + " x values but " +
                std::to_string(ny) + " y values (expected as many)");
}

// A filled marker with a dark outline, centred on p, `s` pixels across.
void draw_marker(Canvas& c, Point2 p, Marker m, double s, Color fill) {
  if (!std::isfinite(p.x) || !std::isfinite(p.y)) return;
  const double h = s / 2;
  const Color edge = darken(fill, 0.6);
  std::vector<Point2> poly;
  switch (m) {
    case Marker::Circle:
      c.fill_circle(p.x, p.y, h + 2, kWhite, 0.9);
      c.fill_circle(p.x, p.y, h, fill);
      c.circle(p.x, p.y, h, edge, 1.5);
      return;
    case Marker::Cross:
      c.line(p.x - h, p.y - h, p.x + h, p.y + h, fill, 2.5);
      c.line(p.x - h, p.y + h, p.x + h, p.y - h, fill, 2.5);
      return;
    case Marker::Square: poly = {{p.x - h, p.y - h}, {p.x + h, p.y - h}, {p.x + h, p.y + h}, {p.x - h, p.y + h}}; break;
    case Marker::Diamond: poly = {{p.x, p.y - h * 1.25}, {p.x + h, p.y}, {p.x, p.y + h * 1.25}, {p.x - h, p.y}}; break;
    case Marker::Triangle: poly = {{p.x, p.y - h * 1.15}, {p.x + h, p.y + h * 0.75}, {p.x - h, p.y + h * 0.75}}; break;
  }
  poly.push_back(poly.front());
  c.polyline(poly, kWhite, 4.5, 0.9);  // a halo keeps the marker readable over dense points
  c.fill_polygon(poly, fill);
  c.polyline(poly, edge, 1.5);
}

struct ScatterLayer : Layer {
  std::vector<double> x, y;
  std::vector<int> labels;
  std::vector<std::string> names;
  ScatterOpts o;
  void bounds(Bounds& b, Scale xs, Scale ys) const override {
    for (size_t i = 0; i < x.size(); ++i) b.add(x[i], y[i], xs, ys);
  }
  void draw(Canvas& c, const Frame& f, const Font&, double) const override {
    std::vector<size_t> order(x.size());
    std::iota(order.begin(), order.end(), size_t(0));
    Rng rng(o.seed);
    rng.shuffle(order);
    const size_t n = x.size();
    const double r = o.radius > 0 ? o.radius : n <= 500 ? 3.4 : n <= 3000 ? 2.6 : n <= 20000 ? 2.0 : 1.6;
    for (size_t i : order) {
      const Point2 p = f.to_px(x[i], y[i]);
      c.fill_circle(p.x, p.y, r, class_color(labels[i]), o.alpha);
    }
  }
  void legend(std::vector<LegendEntry>& out) const override {
    const int top = labels.empty() ? -1 : *std::max_element(labels.begin(), labels.end());
    std::vector<bool> present(size_t(std::max(top + 1, 0)), false);
    for (int l : labels)
      if (l >= 0) present[size_t(l)] = true;
    for (int k = 0; k <= top; ++k)
      if (present[size_t(k)])
        out.push_back({k < int(names.size()) ? names[size_t(k)] : std::to_string(k), class_color(k),
                       LegendEntry::Dot});
  }
  void sample_points(std::vector<Point2>& out) const override {
    const size_t step = std::max<size_t>(1, x.size() / 4000);
    for (size_t i = 0; i < x.size(); i += step) out.push_back({x[i], y[i]});
  }
};

struct PointsLayer : Layer {
  std::vector<double> x, y;
  std::vector<Color> colors;  // one, or one per point
  std::string label;
  double radius = 3, alpha = 0.8;
  bool outlined = false;
  Marker marker = Marker::Circle;
  void bounds(Bounds& b, Scale xs, Scale ys) const override {
    for (size_t i = 0; i < x.size(); ++i) b.add(x[i], y[i], xs, ys);
  }
  void draw(Canvas& c, const Frame& f, const Font&, double) const override {
    for (size_t i = 0; i < x.size(); ++i) {
      const Color col = colors.size() == x.size() ? colors[i] : colors.front();
      const Point2 p = f.to_px(x[i], y[i]);
      if (outlined) draw_marker(c, p, marker, radius, col);
      else c.fill_circle(p.x, p.y, radius, col, alpha);
    }
  }
  void legend(std::vector<LegendEntry>& out) const override {
    if (!label.empty()) out.push_back({label, colors.size() == 1 ? colors.front() : grey(90), LegendEntry::Dot});
  }
  void sample_points(std::vector<Point2>& out) const override {
    for (size_t i = 0; i < x.size(); ++i) out.push_back({x[i], y[i]});
  }
};

struct LineLayer : Layer {
  std::vector<double> x, y;
  std::string label;
  LineOpts o;
  Color color;
  void bounds(Bounds& b, Scale xs, Scale ys) const override {
    for (size_t i = 0; i < x.size(); ++i) b.add(x[i], y[i], xs, ys);
  }
  void draw(Canvas& c, const Frame& f, const Font&, double) const override {
    std::vector<Point2> pts(x.size());
    for (size_t i = 0; i < x.size(); ++i) pts[i] = f.to_px(x[i], y[i]);
    c.polyline(pts, color, o.width, o.alpha, o.style);
    if (o.markers)
      for (const Point2& p : pts) c.fill_circle(p.x, p.y, o.width + 1.5, color, o.alpha);
  }
  void legend(std::vector<LegendEntry>& out) const override {
    if (!label.empty()) out.push_back({label, color, LegendEntry::Line, o.style});
  }
  void sample_points(std::vector<Point2>& out) const override {
    const size_t step = std::max<size_t>(1, x.size() / 2000);
    for (size_t i = 0; i < x.size(); i += step) out.push_back({x[i], y[i]});
  }
};

struct HistLayer : Layer {
  std::vector<std::vector<double>> heights;  // per set, per bin
  std::vector<std::string> labels;
  std::vector<Color> colors;
  double lo = 0, hi = 1, alpha = 0.4;
  int bins = 1;
  double bin_x(size_t i) const { return lo + (hi - lo) * double(i) / bins; }
  void bounds(Bounds& b, Scale xs, Scale ys) const override {
    b.y_from_zero = ys == Scale::Linear;
    for (const auto& h : heights)
      for (size_t i = 0; i < h.size(); ++i) {
        b.add(bin_x(i), h[i], xs, ys);
        b.add(bin_x(i + 1), ys == Scale::Linear ? 0.0 : h[i], xs, ys);
      }
  }
  void draw(Canvas& c, const Frame& f, const Font&, double) const override {
    const double base = f.yscale == Scale::Log ? std::pow(10.0, f.y0) : 0.0;
    for (size_t s = 0; s < heights.size(); ++s) {
      std::vector<Point2> outline;
      for (size_t i = 0; i < heights[s].size(); ++i) {
        const double h = heights[s][i];
        // Whole-pixel bar edges: neighbouring bars neither overlap nor leave seams.
        const double xa = std::round(f.x_px(bin_x(i))), xb = std::round(f.x_px(bin_x(i + 1)));
        if (h > 0) c.fill_rect(xa, f.y_px(h), xb, f.y_px(base), colors[s], alpha);
        const Point2 top_l = f.to_px(bin_x(i), h > 0 ? h : base), top_r = f.to_px(bin_x(i + 1), h > 0 ? h : base);
        outline.push_back(top_l), outline.push_back(top_r);
      }
      c.polyline(outline, colors[s], 1.6);
    }
  }
  void legend(std::vector<LegendEntry>& out) const override {
    for (size_t s = 0; s < labels.size() && s < colors.size(); ++s)
      if (!labels[s].empty()) out.push_back({labels[s], colors[s], LegendEntry::Patch});
  }
  void sample_points(std::vector<Point2>& out) const override {
    for (const auto& h : heights)
      for (size_t i = 0; i < h.size(); ++i)
        for (double t : {0.25, 0.5, 0.75, 1.0}) out.push_back({bin_x(i) + 0.5 * (hi - lo) / h.size(), h[i] * t});
  }
};

struct SegmentLayer : Layer {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  Color color;
  double width = 1.5;
  LineStyle style = LineStyle::Solid;
  std::string label;
  int across = 0;  // 1: horizontal line at y0 across the axes; 2: vertical at x0
  void bounds(Bounds& b, Scale xs, Scale ys) const override {
    if (across) return;
    b.add(x0, y0, xs, ys), b.add(x1, y1, xs, ys);
  }
  void draw(Canvas& c, const Frame& f, const Font&, double) const override {
    if (across == 1) {
      const double py = f.y_px(y0);
      c.line(f.box.x0, py, f.box.x1, py, color, width, 1, style);
    } else if (across == 2) {
      const double px = f.x_px(x0);
      c.line(px, f.box.y0, px, f.box.y1, color, width, 1, style);
    } else {
      const Point2 a = f.to_px(x0, y0), b = f.to_px(x1, y1);
      c.line(a.x, a.y, b.x, b.y, color, width, 1, style);
    }
  }
  void legend(std::vector<LegendEntry>& out) const override {
    if (!label.empty()) out.push_back({label, color, LegendEntry::Line, style});
  }
};

struct CircleLayer : Layer {
  double cx = 0, cy = 0, r = 1, width = 1;
  Color color;
  LineStyle style = LineStyle::Solid;
  void bounds(Bounds& b, Scale xs, Scale ys) const override {
    b.add(cx - r, cy - r, xs, ys), b.add(cx + r, cy + r, xs, ys);
  }
  void draw(Canvas& c, const Frame& f, const Font&, double) const override {
    std::vector<Point2> pts;
    for (int i = 0; i <= 256; ++i) {
      const double a = 2 * M_PI * i / 256;
      pts.push_back(f.to_px(cx + r * std::cos(a), cy + r * std::sin(a)));
    }
    c.polyline(pts, color, width, 1, style);
  }
};

struct TextLayer : Layer {
  double x = 0, y = 0, scale = 1;
  std::string s;
  Color color;
  HAlign h = HAlign::Left;
  VAlign v = VAlign::Middle;
  void draw(Canvas& c, const Frame& f, const Font& font, double text_px) const override {
    const Point2 p = f.to_px(x, y);
    font.draw(c, p.x, p.y, s, text_px * scale, color, h, v);
  }
};

struct RegionsLayer : Layer {
  std::function<int(double, double)> classify;
  double strength = 0.16;
  bool background() const override { return true; }
  void draw(Canvas& c, const Frame& f, const Font&, double) const override {
    const PixelRect b = f.box;
    if (b.empty()) return;
    std::vector<int> cls(size_t(b.width()) * b.height());
    for (int y = b.y0; y < b.y1; ++y)
      for (int x = b.x0; x < b.x1; ++x) {
        const Point2 d = f.to_data(x + 0.5, y + 0.5);
        cls[size_t(y - b.y0) * b.width() + (x - b.x0)] = classify(d.x, d.y);
      }
    for (int y = b.y0; y < b.y1; ++y)
      for (int x = b.x0; x < b.x1; ++x) {
        const size_t i = size_t(y - b.y0) * b.width() + (x - b.x0);
        const int k = cls[i];
        if (k < 0) continue;
        const bool border = (x + 1 < b.x1 && cls[i + 1] != k) || (y + 1 < b.y1 && cls[i + b.width()] != k);
        c.blend(x, y, class_color(k), border ? std::min(1.0, strength * 3) : strength);
      }
  }
};

}  // namespace

void Plot::scatter(const std::vector<double>& x, const std::vector<double>& y,
                   const std::vector<int>& labels, const std::vector<std::string>& names,
                   const ScatterOpts& o) {
  check_sizes("scatter", x.size(), y.size());
  if (labels.size() != x.size())
    throw Error("Plot::scatter: " + std::to_string(labels.size()) + " labels for " +
                std::to_string(x.size()) + " points (expected one label a point)");
  auto l = std::make_shared<ScatterLayer>();
  l->x = x, l->y = y, l->labels = labels, l->names = names, l->o = o;
  add(l);
}

void Plot::points(const std::vector<double>& x, const std::vector<double>& y, Color c,
                  const std::string& label, double radius, double alpha) {
  check_sizes("points", x.size(), y.size());
  auto l = std::make_shared<PointsLayer>();
  l->x = x, l->y = y, l->colors = {c}, l->label = label, l->radius = radius, l->alpha = alpha;
  add(l);
}

void Plot::markers(const std::vector<double>& x, const std::vector<double>& y,
                   const std::vector<Color>& colors, Marker m, double size, const std::string& label) {
  check_sizes("markers", x.size(), y.size());
  if (colors.empty() || (colors.size() != 1 && colors.size() != x.size()))
    throw Error("Plot::markers: " + std::to_string(colors.size()) + " colours for " +
                std::to_string(x.size()) + " markers (expected 1 or one a marker)");
  auto l = std::make_shared<PointsLayer>();
  l->x = x, l->y = y, l->colors = colors, l->label = label, l->radius = size;
  l->outlined = true, l->marker = m;
  add(l);
}

void Plot::line(const std::vector<double>& x, const std::vector<double>& y,
                const std::string& label, const LineOpts& o) {
  check_sizes("line", x.size(), y.size());
  auto l = std::make_shared<LineLayer>();
  l->x = x, l->y = y, l->label = label, l->o = o;
  l->color = o.color ? *o.color : class_color(series_);
  ++series_;
  add(l);
}

void Plot::histograms(const std::vector<std::vector<double>>& sets,
                      const std::vector<std::string>& labels, const HistOpts& o) {
  if (o.bins < 1 || o.bins > 100000)
    throw Error("Plot::histograms: bins = " + std::to_string(o.bins) + " (expected 1..100000)");
  double lo = 1e300, hi = -1e300;
  for (const auto& s : sets)
    for (double v : s)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (o.lo) lo = *o.lo;
  if (o.hi) hi = *o.hi;
  if (!(lo <= hi)) lo = 0, hi = 1;  // no finite data: empty bars over [0, 1]
  if (lo == hi) lo -= 0.5, hi += 0.5;
  auto l = std::make_shared<HistLayer>();
  l->lo = lo, l->hi = hi, l->alpha = o.alpha, l->labels = labels, l->bins = o.bins;
  for (size_t s = 0; s < sets.size(); ++s) {
    std::vector<double> h(size_t(o.bins), 0.0);
    double n = 0;
    for (double v : sets[s]) {
      if (!std::isfinite(v) || v < lo || v > hi) continue;
      const int bin = std::min(o.bins - 1, int((v - lo) / (hi - lo) * o.bins));
      h[size_t(bin)] += 1, n += 1;
    }
    if (o.density && n > 0)
      for (double& v : h) v /= n * (hi - lo) / o.bins;
    l->heights.push_back(std::move(h));
    l->colors.push_back(s < o.colors.size() ? o.colors[s] : class_color(int(s)));
  }
  add(l);
}

void Plot::segment(double x0, double y0, double x1, double y1, Color c, double width,
                   LineStyle style, const std::string& label) {
  auto l = std::make_shared<SegmentLayer>();
  l->x0 = x0, l->y0 = y0, l->x1 = x1, l->y1 = y1, l->color = c, l->width = width;
  l->style = style, l->label = label;
  add(l);
}

void Plot::hline(double v, Color c, LineStyle style, const std::string& label) {
  auto l = std::make_shared<SegmentLayer>();
  l->y0 = l->y1 = v, l->color = c, l->width = 1.3, l->style = style, l->label = label;
  l->across = 1;
  add(l);
}

void Plot::vline(double v, Color c, LineStyle style, const std::string& label) {
  auto l = std::make_shared<SegmentLayer>();
  l->x0 = l->x1 = v, l->color = c, l->width = 1.3, l->style = style, l->label = label;
  l->across = 2;
  add(l);
}

void Plot::circle(double cx, double cy, double r, Color c, double width, LineStyle style) {
  auto l = std::make_shared<CircleLayer>();
  l->cx = cx, l->cy = cy, l->r = r, l->width = width, l->color = c, l->style = style;
  add(l);
}

void Plot::text(double x, double y, const std::string& s, Color c, HAlign h, VAlign v,
                double size_scale) {
  auto l = std::make_shared<TextLayer>();
  l->x = x, l->y = y, l->scale = size_scale, l->s = s, l->color = c, l->h = h, l->v = v;
  add(l);
}

void Plot::regions(std::function<int(double, double)> classify, double strength) {
  if (!classify) throw Error("Plot::regions: no classify function given");
  auto l = std::make_shared<RegionsLayer>();
  l->classify = std::move(classify), l->strength = strength;
  add(l);
}

}  // namespace fg
