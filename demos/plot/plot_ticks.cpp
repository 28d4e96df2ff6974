// Colours, ticks and the data -> pixel mapping of demos/plot/plot.hpp.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "demos/plot/plot.hpp"

namespace fg {

namespace {

Color from_hsv(double h, double s, double v) {
  h = (h - std::floor(h)) * 6;
  const int i = int(h) % 6;
  const double f = h - std::floor(h), p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  double r = v, g = t, b = p;
  switch (i) {
    case 1: r = q, g = v, b = p; break;
    case 2: r = p, g = v, b = t; break;
    case 3: r = p, g = q, b = v; break;
    case 4: r = t, g = p, b = v; break;
    case 5: r = v, g = p, b = q; break;
    default: break;
  }
  auto u8 = [](double c) { return uint8_t(std::lround(std::clamp(c, 0.0, 1.0) * 255)); };
  return Color{u8(r), u8(g), u8(b)};
}

// Snaps values that are a rounding error away from 0 to 0 (so "-0" never shows).
double clean(double v, double step) { return std::fabs(v) < 1e-9 * step ? 0.0 : v; }

}  // namespace

Color class_color(int k) {
  static const Color fixed[10] = {
      {31, 105, 200},   // blue
      {236, 124, 18},   // orange
      {42, 160, 64},    // green
      {212, 40, 52},    // red
      {142, 82, 196},   // violet
      {132, 86, 52},    // brown
      {228, 98, 182},   // pink
      {0, 168, 176},    // teal
      {222, 178, 0},    // gold
      {92, 96, 112},    // slate
  };
  if (k >= 0 && k < 10) return fixed[k];
  if (k < 0) return grey(128);
  const int j = k - 10;
  return from_hsv(0.07 + j * 0.6180339887, j % 2 ? 0.55 : 0.85, (j / 2) % 2 ? 0.62 : 0.86);
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  std::vector<double> out;
  if (!std::isfinite(lo) || !std::isfinite(hi)) return out;
  if (hi < lo) std::swap(lo, hi);
  if (hi == lo) return {lo};
  target = std::max(target, 2);
  const double raw = (hi - lo) / target;
  const double base = std::pow(10.0, std::floor(std::log10(raw)) - 1);
  double best_step = 0;
  long best_miss = 1L << 40;
  for (double decade = base; decade <= base * 1000; decade *= 10)
    for (double m : {1.0, 2.0, 5.0}) {
      const double step = m * decade;
      const long count = long(std::floor(hi / step + 1e-9) - std::ceil(lo / step - 1e-9)) + 1;
      if (count < 2) continue;
      const long miss = std::labs(count - target);
      if (miss <= best_miss) best_miss = miss, best_step = step;  // ties go to the larger step
    }
  if (best_step == 0) return {lo, hi};
  const double k0 = std::ceil(lo / best_step - 1e-9), k1 = std::floor(hi / best_step + 1e-9);
  for (double k = k0; k <= k1; ++k) out.push_back(clean(k * best_step, best_step));
  return out;
}

std::vector<double> log_ticks(double lo, double hi, int target) {
  if (!(lo > 0) || !(hi > 0) || !std::isfinite(lo) || !std::isfinite(hi)) return {};
  if (hi < lo) std::swap(lo, hi);
  const double eps = 1e-9;
  const int e0 = int(std::ceil(std::log10(lo) - eps)), e1 = int(std::floor(std::log10(hi) + eps));
  std::vector<double> out;
  if (e1 - e0 + 1 >= 3) {
    const int every = std::max(1, int(std::ceil(double(e1 - e0 + 1) / std::max(target, 2))));
    // Multiples of `every` in the exponent, so 10^0 stays a tick.
    for (int e = e0; e <= e1; ++e)
      if (((e % every) + every) % every == 0) out.push_back(std::pow(10.0, e));
    return out;
  }
  for (int e = e0 - 1; e <= e1; ++e)
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = m * std::pow(10.0, e);
      if (v >= lo * (1 - eps) && v <= hi * (1 + eps)) out.push_back(v);
    }
  if (out.size() >= 3) return out;
  return nice_ticks(lo, hi, target);
}

std::string tick_label(double v, const std::vector<double>& ticks) {
  double step = 0, big = std::fabs(v);
  for (size_t i = 1; i < ticks.size(); ++i) {
    const double d = std::fabs(ticks[i] - ticks[i - 1]);
    if (d > 0 && (step == 0 || d < step)) step = d;
  }
  for (double t : ticks) big = std::max(big, std::fabs(t));
  char buf[64];
  if (big >= 1e6 || (big > 0 && big < 1e-4)) {
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
  }
  // Decimals: enough for the finest spacing, and for v itself (0.05 among 0.1, 0.2).
  int decimals = 0;
  for (double s : {step, std::fabs(v)}) {
    if (!(s > 0)) continue;
    for (int d = 0; d <= 8; ++d) {
      const double scaled = s * std::pow(10.0, d);
      if (std::fabs(scaled - std::round(scaled)) < 1e-6 * std::max(1.0, scaled)) {
        decimals = std::max(decimals, d);
        break;
      }
    }
  }
  if (std::fabs(v) * std::pow(10.0, decimals) < 0.5) v = 0.0;  // no "-0.0"
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

Point2 Frame::to_px(double x, double y) const {
  const double px = x_px(x), py = y_px(y);
  if (!std::isfinite(px) || !std::isfinite(py)) return Point2{std::nan(""), std::nan("")};
  return Point2{px, py};
}

double Frame::x_px(double x) const {
  if (xscale == Scale::Log) x = x > 0 ? std::log10(x) : std::nan("");
  return std::isfinite(x) ? box.x0 + (x - x0) / (x1 - x0) * box.width() : std::nan("");
}

double Frame::y_px(double y) const {
  if (yscale == Scale::Log) y = y > 0 ? std::log10(y) : std::nan("");
  return std::isfinite(y) ? box.y1 - (y - y0) / (y1 - y0) * box.height() : std::nan("");
}

Point2 Frame::to_data(double px, double py) const {
  double x = x0 + (px - box.x0) / box.width() * (x1 - x0);
  double y = y0 + (box.y1 - py) / box.height() * (y1 - y0);
  if (xscale == Scale::Log) x = std::pow(10.0, x);
  if (yscale == Scale::Log) y = std::pow(10.0, y);
  return Point2{x, y};
}

void Bounds::add(double x, double y, Scale xs, Scale ys) {
  if (!std::isfinite(x) || !std::isfinite(y)) return;
  if ((xs == Scale::Log && !(x > 0)) || (ys == Scale::Log && !(y > 0))) return;
  x0 = std::min(x0, x), x1 = std::max(x1, x);
  y0 = std::min(y0, y), y1 = std::max(y1, y);
}

}  // namespace fg
