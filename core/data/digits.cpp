#include "core/data/digits.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace fg {

namespace {

constexpr double kPi = 3.14159265358979323846;

struct Pt {
  double x, y;
};

// Collects the strokes of one glyph in glyph coordinates, jittering each
// control point (and each arc's centre, radii and end angles) as it goes.
class Pen {
 public:
  Pen(Rng& rng, double jitter) : rng_(rng), j_(jitter) {}

  void begin() { strokes_.emplace_back(); }
  // A point of the current stroke.
  void to(double x, double y) { strokes_.back().push_back({x + jit(), y + jit()}); }
  // An elliptic arc from angle a0 to a1 (degrees; 0 = right, 90 = down)
  // appended to the current stroke.
  void arc(double cx, double cy, double rx, double ry, double a0, double a1) {
    cx += jit(), cy += jit();
    rx *= 1 + 1.5 * jit(), ry *= 1 + 1.5 * jit();
    a0 += 120 * jit(), a1 += 120 * jit();
    const int steps = std::max(2, static_cast<int>(std::ceil(std::fabs(a1 - a0) / 20)));
    for (int s = 0; s <= steps; ++s) {
      const double t = (a0 + (a1 - a0) * s / steps) * kPi / 180;
      strokes_.back().push_back({cx + rx * std::cos(t), cy + ry * std::sin(t)});
    }
  }
  const std::vector<std::vector<Pt>>& strokes() const { return strokes_; }

 private:
  double jit() { return j_ * (2 * rng_.uniform() - 1); }
  Rng& rng_;
  double j_;
  std::vector<std::vector<Pt>> strokes_;
};

// The drawings of the ten digits. Glyph box: height 1 (y from -0.5 at the
// top to 0.5 at the bottom), about 0.6 wide, centred on the origin.
void trace_digit(int digit, uint32_t variant, Pen& p) {
  const bool v0 = variant & 1, v1 = variant & 2;
  switch (digit) {
    case 0:
      p.begin(); p.arc(0, 0, 0.28, 0.5, -90, v0 ? 275 : 270);
      break;
    case 1:
      p.begin();
      if (v0) p.to(-0.17, -0.32);                       // the flag
      p.to(0.03, -0.5); p.to(-0.02, 0.5);
      if (v0 && v1) { p.begin(); p.to(-0.15, 0.5); p.to(0.14, 0.5); }  // the base
      break;
    case 2:
      p.begin(); p.arc(0, -0.22, 0.28, 0.28, -165, 25);
      if (v0) { p.to(-0.3, 0.5); p.to(0.33, 0.5); }
      else { p.to(-0.28, 0.46); p.arc(-0.2, 0.36, 0.12, 0.12, 180, 90); p.to(0.33, 0.48); }
      break;
    case 3:
      p.begin(); p.arc(0, -0.26, 0.26, 0.24, -155, 90);
      p.arc(0, 0.235, 0.29, 0.265, -90, 155);
      break;
    case 4:
      if (v0) {  // closed top
        p.begin(); p.to(0.12, -0.5); p.to(-0.32, 0.18); p.to(0.34, 0.18);
        p.begin(); p.to(0.12, -0.5); p.to(0.12, 0.5);
      } else {   // open top
        p.begin(); p.to(-0.22, -0.5); p.to(-0.28, 0.15); p.to(0.32, 0.15);
        p.begin(); p.to(0.15, -0.32); p.to(0.15, 0.5);
      }
      break;
    case 5:
      p.begin(); p.to(0.28, -0.5); p.to(-0.2, -0.5); p.to(-0.24, -0.06);
      p.arc(0, 0.2, 0.3, 0.3, -125, 150);
      break;
    case 6:
      p.begin(); p.arc(0.2, 0.22, 0.47, 0.72, -105, -180);
      p.arc(0, 0.22, 0.27, 0.27, 180, -180);
      break;
    case 7:
      p.begin(); p.to(-0.3, -0.5); p.to(0.3, -0.5); p.to(v0 ? -0.05 : 0.0, 0.5);
      if (v1 && !v0) { p.begin(); p.to(-0.02, 0.0); p.to(0.28, 0.0); }  // cross bar
      break;
    case 8:
      p.begin(); p.arc(0, -0.27, 0.22, 0.23, -90, 270);
      p.begin(); p.arc(0, 0.23, 0.27, 0.27, -90, 270);
      break;
    case 9:
      p.begin(); p.arc(0, -0.2, 0.26, 0.28, 0, 360);
      if (v0) p.to(0.24, 0.5);
      else { p.to(0.24, 0.15); p.to(0.1, 0.5); }
      break;
    default:
      throw Error("draw_digit: digit " + std::to_string(digit) + " is outside 0..9");
  }
}

// Paints one segment a-b of half-width r (pixel units): coverage falls from
// 1 to 0 over the pixel at the stroke edge, which anti-aliases it.
void paint_segment(Pt a, Pt b, double r, double ink, real* canvas, int size) {
  const int x0 = std::max(0, static_cast<int>(std::floor(std::min(a.x, b.x) - r - 1)));
  const int x1 = std::min(size - 1, static_cast<int>(std::ceil(std::max(a.x, b.x) + r + 1)));
  const int y0 = std::max(0, static_cast<int>(std::floor(std::min(a.y, b.y) - r - 1)));
  const int y1 = std::min(size - 1, static_cast<int>(std::ceil(std::max(a.y, b.y) + r + 1)));
  const double dx = b.x - a.x, dy = b.y - a.y, len2 = dx * dx + dy * dy;
  const double reach2 = (r + 0.5) * (r + 0.5);
  for (int y = y0; y <= y1; ++y) {
    for (int x = x0; x <= x1; ++x) {
      const double px = x + 0.5 - a.x, py = y + 0.5 - a.y;
      double t = len2 > 0 ? (px * dx + py * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const double ex = px - t * dx, ey = py - t * dy;
      const double d2 = ex * ex + ey * ey;
      if (d2 >= reach2) continue;
      const double cover = r + 0.5 - std::sqrt(d2);
      const real v = static_cast<real>(ink * (cover > 1 ? 1 : cover));
      real& c = canvas[y * size + x];
      if (v > c) c = v;
    }
  }
}

void add_noise(real* canvas, int n, double sigma, Rng& rng) {
  // Uniform noise with standard deviation sigma, then clamped to [0, 1].
  // Two 32-bit uniforms per 64-bit draw.
  const double amp = sigma * std::sqrt(3.0), unit = 1.0 / 4294967296.0;
  uint64_t bits = 0;
  for (int i = 0; i < n; ++i) {
    if (i % 2 == 0) bits = rng.next_u64();
    const uint32_t u = static_cast<uint32_t>(i % 2 == 0 ? bits : bits >> 32);
    const double v = canvas[i] + amp * (2 * (u * unit) - 1);
    canvas[i] = static_cast<real>(v < 0 ? 0 : v > 1 ? 1 : v);
  }
}

}  // namespace

void draw_digit(int digit, const GlyphPose& pose, Rng& rng, real* canvas, int size) {
  Pen pen(rng, pose.jitter);
  trace_digit(digit, pose.variant, pen);
  // glyph -> pixels: scale (aspect), shear (slant), rotate, then place.
  const double c = std::cos(pose.rotation), s = std::sin(pose.rotation);
  auto place = [&](Pt q) {
    double x = q.x * pose.aspect * pose.height, y = q.y * pose.height;
    x -= pose.slant * y;
    return Pt{pose.cx + c * x - s * y, pose.cy + s * x + c * y};
  };
  const double r = pose.pen / 2;
  for (const auto& stroke : pen.strokes()) {
    if (stroke.size() == 1) paint_segment(place(stroke[0]), place(stroke[0]), r, pose.ink, canvas, size);
    for (size_t k = 1; k < stroke.size(); ++k)
      paint_segment(place(stroke[k - 1]), place(stroke[k]), r, pose.ink, canvas, size);
  }
}

GlyphPose random_digit_pose(Rng& rng) {
  GlyphPose g;
  g.height = rng.uniform(15.5, 20.0);
  g.aspect = rng.uniform(0.8, 1.25);
  g.slant = rng.uniform(-0.3, 0.35);
  g.rotation = rng.uniform(-0.12, 0.12);
  g.cx = 14 + rng.uniform(-1.5, 1.5);
  g.cy = 14 + rng.uniform(-1.2, 1.2);
  g.pen = rng.uniform(1.5, 3.4);
  g.ink = rng.uniform(0.8, 1.0);
  g.jitter = 0.03;
  g.variant = static_cast<uint32_t>(rng.next_u64());
  return g;
}

Dataset make_digits(int n, uint64_t seed) {
  if (n < 0) throw Error("make_digits: n = " + std::to_string(n) + ": expected n >= 0");
  constexpr int S = 28;
  Dataset d;
  d.images = Tensor({n, 1, S, S});
  d.labels.resize(n);
  for (int c = 0; c < 10; ++c) d.class_names.push_back(std::to_string(c));
  d.name = "synthetic digits (seed " + std::to_string(seed) + ")";
  real* out = d.images.data();
#pragma omp parallel for schedule(dynamic, 64)
  for (int i = 0; i < n; ++i) {
    Rng rng(derive_seed(seed, static_cast<uint64_t>(i)));
    const int label = i % 10;
    d.labels[i] = label;
    real* canvas = out + int64_t(i) * S * S;
    draw_digit(label, random_digit_pose(rng), rng, canvas, S);
    add_noise(canvas, S * S, rng.uniform(0.0, 0.05), rng);
  }
  return d;
}

Dataset make_identities(int num_ids, int per_id, uint64_t seed) {
  if (num_ids < 1 || num_ids > 100)
    throw Error("make_identities: num_ids = " + std::to_string(num_ids) +
                ": expected 1..100 (each identity is a distinct pair of digits)");
  if (per_id < 1)
    throw Error("make_identities: per_id = " + std::to_string(per_id) + ": expected >= 1");
  constexpr int S = 28;
  // Which pair of digits each identity writes, from the seed.
  Rng pick(derive_seed(seed, 0x1d5ull));
  std::vector<int> pairs(100);
  for (int k = 0; k < 100; ++k) pairs[k] = k;
  pick.shuffle(pairs);

  // Each identity's handwriting.
  std::vector<GlyphPose> style(num_ids);
  Dataset d;
  for (int id = 0; id < num_ids; ++id) {
    Rng rng(derive_seed(derive_seed(seed, 0x571eull), static_cast<uint64_t>(id)));
    GlyphPose& g = style[id];
    g.height = rng.uniform(13.0, 16.0);
    g.aspect = rng.uniform(0.85, 1.2);
    g.slant = rng.uniform(-0.3, 0.35);
    g.pen = rng.uniform(1.4, 2.8);
    g.variant = static_cast<uint32_t>(rng.next_u64());
    const int a = pairs[id] / 10, b = pairs[id] % 10;
    d.class_names.push_back(std::to_string(a) + std::to_string(b));
  }
  const int n = num_ids * per_id;
  d.images = Tensor({n, 1, S, S});
  d.labels.resize(n);
  d.name = "synthetic identities (seed " + std::to_string(seed) + ")";
  real* out = d.images.data();
#pragma omp parallel for schedule(dynamic, 32)
  for (int i = 0; i < n; ++i) {
    const int id = i / per_id;
    d.labels[i] = id;
    Rng rng(derive_seed(derive_seed(seed, 0x1a6eull), static_cast<uint64_t>(i)));
    real* canvas = out + int64_t(i) * S * S;
    const double dx = rng.uniform(-1.2, 1.2), dy = rng.uniform(-1.5, 1.5);
    const double zoom = rng.uniform(0.92, 1.08), lean = rng.uniform(-0.08, 0.08);
    const double ink = rng.uniform(0.8, 1.0);
    for (int k = 0; k < 2; ++k) {
      GlyphPose g = style[id];
      g.height *= zoom;
      g.slant += lean;
      g.ink = ink;
      g.jitter = 0.025;
      g.cx = (k == 0 ? 8.5 : 19.5) + dx;
      g.cy = 14 + dy;
      g.variant = style[id].variant >> (2 * k);
      draw_digit(k == 0 ? pairs[id] / 10 : pairs[id] % 10, g, rng, canvas, S);
    }
    add_noise(canvas, S * S, rng.uniform(0.0, 0.05), rng);
  }
  return d;
}

}  // namespace fg
