// Layout and drawing of a Plot (axes, ticks, labels, legend) and of a Figure.
#include "demos/plot/plot.hpp"

#include <algorithm>
#include <cmath>

#include "core/tensor.hpp"

namespace fg {

namespace {

// A tick label, "10" with a raised exponent on a log axis of powers of ten.
struct TickText {
  std::string main, sup;
  double width(const Font& f, double px) const {
    return f.width(main, px) + (sup.empty() ? 0 : f.width(sup, px * 0.72) + 1);
  }
  void draw(Canvas& c, const Font& f, double x, double y, double px, HAlign h, VAlign v) const {
    const double w = width(f, px);
    const double left = h == HAlign::Left ? x : h == HAlign::Center ? x - w / 2 : x - w;
    f.draw(c, left, y, main, px, grey(40), HAlign::Left, v);
    if (sup.empty()) return;
    // The exponent's baseline sits at about 60% of the main text's ascent.
    const double base = v == VAlign::Top      ? y + f.ascent(px)
                        : v == VAlign::Middle ? y + (f.ascent(px) - f.descent(px)) / 2
                        : v == VAlign::Bottom ? y - f.descent(px)
                                              : y;
    f.draw(c, left + f.width(main, px) + 1, base - f.ascent(px) * 0.55, sup, px * 0.72, grey(40));
  }
};

std::vector<TickText> tick_texts(const std::vector<double>& ticks, Scale s) {
  std::vector<TickText> out;
  bool powers = s == Scale::Log && !ticks.empty();
  double lo = 1e300, hi = 0;
  for (double t : ticks) {
    const double e = std::log10(t);
    if (std::fabs(e - std::round(e)) > 1e-9) powers = false;
    lo = std::min(lo, t), hi = std::max(hi, t);
  }
  powers = powers && (lo < 1e-2 || hi > 1e4);
  for (double t : ticks) {
    if (powers) out.push_back({"10", std::to_string(int(std::lround(std::log10(t))))});
    else if (s == Scale::Log) out.push_back({tick_label(t, {t}), ""});  // each its own decimals
    else out.push_back({tick_label(t, ticks), ""});
  }
  for (TickText& t : out)  // a true minus sign reads better than a hyphen
    if (!t.sup.empty() && t.sup[0] == '-') t.sup = "\u2212" + t.sup.substr(1);
  return out;
}

std::vector<double> ticks_for(double t0, double t1, Scale s, int target) {
  return s == Scale::Log ? log_ticks(std::pow(10.0, t0), std::pow(10.0, t1), target)
                         : nice_ticks(t0, t1, target);
}

// Limits of one axis in transformed units (log10 on a log axis).
void axis_limits(double lo, double hi, bool valid, Scale s, double pad, bool from_zero,
                 const std::optional<double>& fmin, const std::optional<double>& fmax,
                 const char* name, double& t0, double& t1) {
  auto tr = [&](double v, const char* which) {
    if (!std::isfinite(v) || (s == Scale::Log && !(v > 0)))
      throw Error(std::string("Plot: ") + name + which + " = " + std::to_string(v) +
                  (s == Scale::Log ? " on a log axis (expected a positive finite number)"
                                   : " (expected a finite number)"));
    return s == Scale::Log ? std::log10(v) : v;
  };
  if (!valid) lo = s == Scale::Log ? 1 : 0, hi = s == Scale::Log ? 10 : 1, from_zero = false;
  t0 = s == Scale::Log ? std::log10(lo) : lo;
  t1 = s == Scale::Log ? std::log10(hi) : hi;
  if (t0 == t1) {
    const double d = s == Scale::Log ? 0.5 : std::max(0.5, std::fabs(t0) * 0.1);
    t0 -= d, t1 += d;
  } else {
    const double span = t1 - t0;
    if (!(from_zero && s == Scale::Linear && t0 == 0)) t0 -= span * pad;
    t1 += span * pad;
  }
  if (fmin) t0 = tr(*fmin, "min");
  if (fmax) t1 = tr(*fmax, "max");
  if (!(t0 < t1))
    throw Error(std::string("Plot: ") + name + " limits " + std::to_string(t0) + " .. " +
                std::to_string(t1) + " are empty (expected min < max)");
}

}  // namespace

struct Plot::Layout {
  Frame frame;
  double tick_px = 10, label_px = 11, title_px = 13, legend_px = 10;
  std::vector<double> xticks, yticks;
  std::vector<TickText> xtexts, ytexts;
  std::vector<LegendEntry> entries;
  LegendPos legend_pos = LegendPos::None;
  double legend_w = 0, legend_h = 0, row_h = 0, col_w = 0;
  int legend_rows = 0;
};

Plot::Layout Plot::compute_layout(PixelRect area, const Font& font) const {
  Layout L;
  const double base = font_scale * std::clamp(std::min(area.width(), area.height()) / 38.0, 11.0, 17.0);
  L.tick_px = base * 0.92, L.label_px = base, L.title_px = base * 1.2, L.legend_px = base * 0.92;
  Frame& f = L.frame;
  f.xscale = xscale, f.yscale = yscale;
  Bounds b;
  for (const auto& l : layers_) l->bounds(b, xscale, yscale);
  axis_limits(b.x0, b.x1, b.valid_x(), xscale, pad, false, xmin, xmax, "x", f.x0, f.x1);
  axis_limits(b.y0, b.y1, b.valid_y(), yscale, pad, b.y_from_zero, ymin, ymax, "y", f.y0, f.y1);
  const double data_x0 = f.x0, data_x1 = f.x1, data_y0 = f.y0, data_y1 = f.y1;

  for (const auto& l : layers_) l->legend(L.entries);
  if (legend != LegendPos::None && !L.entries.empty()) {
    L.row_h = std::ceil(L.legend_px * 1.4);
    for (const auto& e : L.entries) L.col_w = std::max(L.col_w, font.width(e.label, L.legend_px));
    L.col_w += L.legend_px * 2.2 + 8;
  }
  LegendPos pos = legend;
  if (show_axes) {
    L.xticks = ticks_for(f.x0, f.x1, xscale, 6), L.yticks = ticks_for(f.y0, f.y1, yscale, 6);
    L.xtexts = tick_texts(L.xticks, xscale), L.ytexts = tick_texts(L.yticks, yscale);
  }
  auto label_room = [&](double& yw, double& xw) {  // widest y tick label, half the last x one
    yw = 0, xw = 0;
    for (const auto& t : L.ytexts) yw = std::max(yw, t.width(font, L.tick_px));
    if (!L.xtexts.empty()) xw = L.xtexts.back().width(font, L.tick_px) / 2;
  };
  bool legend_placed = pos != LegendPos::Auto;
  // The margins depend on the tick labels and the ticks on the box: a few
  // passes until the labels fit the room they were given.
  for (int pass = 0; pass < 4; ++pass) {
    const double gap = std::max(4.0, base * 0.5), tick_len = show_axes ? 4 : 0;
    double left = gap, right = gap, top = gap, bottom = gap, yw = 0, xw = 0;
    if (!title.empty()) top += L.title_px * 1.45;
    if (show_axes) {
      label_room(yw, xw);
      left += yw + tick_len + 4 + (ylabel.empty() ? 0 : L.label_px * 1.5);
      bottom += tick_len + 3 + L.tick_px * 1.25 + (xlabel.empty() ? 0 : L.label_px * 1.5);
      top += L.tick_px * 0.5;
      right += xw;
    }
    if (pos == LegendPos::Outside && L.col_w > 0) right += L.col_w + gap + 4;
    f.box = PixelRect{area.x0 + int(left), area.y0 + int(top), area.x1 - int(right), area.y1 - int(bottom)};
    if (f.box.width() < 8 || f.box.height() < 8)  // too small for margins: use the area
      f.box = PixelRect{area.x0, area.y0, std::max(area.x1, area.x0 + 1), std::max(area.y1, area.y0 + 1)};
    f.x0 = data_x0, f.x1 = data_x1, f.y0 = data_y0, f.y1 = data_y1;
    if (equal_aspect && xscale == Scale::Linear && yscale == Scale::Linear) {
      const double ux = f.box.width() / (f.x1 - f.x0), uy = f.box.height() / (f.y1 - f.y0);
      if (ux > uy) {  // x has room to spare: widen its range
        const double c = (f.x0 + f.x1) / 2, half = f.box.width() / uy / 2;
        f.x0 = c - half, f.x1 = c + half;
      } else {
        const double c = (f.y0 + f.y1) / 2, half = f.box.height() / ux / 2;
        f.y0 = c - half, f.y1 = c + half;
      }
    }
    bool redo = false;
    if (show_axes) {
      const int tx = std::clamp(int(f.box.width() / (L.tick_px * 6)), 3, 8);
      const int ty = std::clamp(int(f.box.height() / (L.tick_px * 3.5)), 3, 8);
      L.xticks = ticks_for(f.x0, f.x1, xscale, tx), L.yticks = ticks_for(f.y0, f.y1, yscale, ty);
      L.xtexts = tick_texts(L.xticks, xscale), L.ytexts = tick_texts(L.yticks, yscale);
      double yw2 = 0, xw2 = 0;
      label_room(yw2, xw2);
      redo = yw2 > yw + 0.5 || xw2 > xw + 0.5;
    }
    if (L.col_w > 0) {
      // Legend: as many columns as its height needs, then a corner.
      const int fit = std::max(1, int((f.box.height() * 0.92 - 8) / L.row_h));
      const int cols = (int(L.entries.size()) + fit - 1) / fit;
      L.legend_rows = (int(L.entries.size()) + cols - 1) / cols;
      L.legend_w = cols * L.col_w + 8, L.legend_h = L.legend_rows * L.row_h + 8;
    }
    if (L.col_w > 0 && !legend_placed) {
      legend_placed = true;
      std::vector<Point2> ink;
      for (const auto& l : layers_) l->sample_points(ink);
      const LegendPos corners[4] = {LegendPos::TopRight, LegendPos::TopLeft, LegendPos::BottomRight,
                                    LegendPos::BottomLeft};
      size_t best = size_t(-1);
      for (LegendPos c : corners) {
        const bool right_side = c == LegendPos::TopRight || c == LegendPos::BottomRight;
        const bool top_side = c == LegendPos::TopRight || c == LegendPos::TopLeft;
        const double lx = right_side ? f.box.x1 - 8 - L.legend_w : f.box.x0 + 8;
        const double ly = top_side ? f.box.y0 + 8 : f.box.y1 - 8 - L.legend_h;
        size_t n = 0;
        for (const Point2& q : ink) {
          const Point2 p = f.to_px(q.x, q.y);
          n += p.x >= lx - 4 && p.x <= lx + L.legend_w + 4 && p.y >= ly - 4 && p.y <= ly + L.legend_h + 4;
        }
        if (best == size_t(-1) || n < best) best = n, pos = c;
      }
      if (best * 50 > ink.size()) pos = LegendPos::Outside, redo = true;  // > 2% covered: move out
    }
    if (!redo) break;
  }
  if (L.col_w > 0) L.legend_pos = pos;
  return L;
}

Frame Plot::layout(PixelRect area, const Font& font) const { return compute_layout(area, font).frame; }

void Plot::render(Canvas& c, PixelRect area, const Font& font) const {
  const Layout L = compute_layout(area, font);
  const Frame& f = L.frame;
  c.set_clip(area);
  c.fill(kWhite);
  c.set_clip(f.box);
  for (const auto& l : layers_)
    if (l->background()) l->draw(c, f, font, L.tick_px);
  const Color axis = grey(70), grid_c = grey(226);
  auto xpx = [&](double v) { return std::round(f.x_px(v)) + 0.5; };
  auto ypx = [&](double v) { return std::round(f.y_px(v)) + 0.5; };
  if (show_axes && grid) {
    for (double t : L.xticks) c.line(xpx(t), f.box.y0, xpx(t), f.box.y1, grid_c, 1);
    for (double t : L.yticks) c.line(f.box.x0, ypx(t), f.box.x1, ypx(t), grid_c, 1);
  }
  for (const auto& l : layers_)
    if (!l->background()) l->draw(c, f, font, L.tick_px);
  c.set_clip(area);
  if (show_axes) {
    c.rect_outline(f.box.x0 - 0.5, f.box.y0 - 0.5, f.box.x1 + 0.5, f.box.y1 + 0.5, axis, 1);
    for (size_t i = 0; i < L.xticks.size(); ++i) {
      const double x = xpx(L.xticks[i]);
      c.line(x, f.box.y1, x, f.box.y1 + 4, axis, 1);
      L.xtexts[i].draw(c, font, x, f.box.y1 + 6, L.tick_px, HAlign::Center, VAlign::Top);
    }
    for (size_t i = 0; i < L.yticks.size(); ++i) {
      const double y = ypx(L.yticks[i]);
      c.line(f.box.x0 - 4, y, f.box.x0, y, axis, 1);
      L.ytexts[i].draw(c, font, f.box.x0 - 7, y, L.tick_px, HAlign::Right, VAlign::Middle);
    }
    // Minor ticks on log axes: 2..9 times each power of ten.
    auto minor = [&](Scale s, double t0, double t1, bool is_x) {
      if (s != Scale::Log || t1 - t0 > 6) return;
      for (int e = int(std::floor(t0)); e <= int(std::ceil(t1)); ++e)
        for (int m = 2; m <= 9; ++m) {
          const double t = e + std::log10(double(m));
          if (t < t0 || t > t1) continue;
          const double v = std::pow(10.0, t);
          if (is_x) c.line(xpx(v), f.box.y1, xpx(v), f.box.y1 + 2.5, axis, 1);
          else c.line(f.box.x0 - 2.5, ypx(v), f.box.x0, ypx(v), axis, 1);
        }
    };
    minor(xscale, f.x0, f.x1, true);
    minor(yscale, f.y0, f.y1, false);
    if (!xlabel.empty())
      font.draw(c, (f.box.x0 + f.box.x1) / 2.0, area.y1 - std::max(4.0, L.label_px * 0.5), xlabel,
                L.label_px, kBlack, HAlign::Center, VAlign::Bottom);
    if (!ylabel.empty())
      font.draw(c, area.x0 + std::max(4.0, L.label_px * 0.5), (f.box.y0 + f.box.y1) / 2.0, ylabel,
                L.label_px, kBlack, HAlign::Center, VAlign::Top, true);
  }
  if (!title.empty()) {  // a title wider than its panel is drawn smaller, not cut off
    const double cx = (f.box.x0 + f.box.x1) / 2.0;
    const double room = 2 * std::min(cx - area.x0, area.x1 - cx) - 4, w = font.width(title, L.title_px);
    const double px = w > room && w > 0 ? L.title_px * std::max(0.5, room / w) : L.title_px;
    font.draw(c, cx, area.y0 + std::max(4.0, L.label_px * 0.5), title, px, kBlack, HAlign::Center,
              VAlign::Top);
  }
  if (L.legend_pos != LegendPos::None && L.legend_pos != LegendPos::Auto && L.col_w > 0) {
    const bool right = L.legend_pos == LegendPos::TopRight || L.legend_pos == LegendPos::BottomRight;
    const bool top = L.legend_pos == LegendPos::TopRight || L.legend_pos == LegendPos::TopLeft;
    double lx = right ? f.box.x1 - 8 - L.legend_w : f.box.x0 + 8;
    double ly = top ? f.box.y0 + 8 : f.box.y1 - 8 - L.legend_h;
    if (L.legend_pos == LegendPos::Outside) lx = f.box.x1 + 8, ly = f.box.y0;
    lx = std::round(lx), ly = std::round(ly);
    c.fill_rect(lx, ly, lx + L.legend_w, ly + L.legend_h, kWhite, 0.88);
    c.rect_outline(lx + 0.5, ly + 0.5, lx + L.legend_w - 0.5, ly + L.legend_h - 0.5, grey(175), 1);
    for (size_t i = 0; i < L.entries.size(); ++i) {
      const LegendEntry& e = L.entries[i];
      const double x = lx + 4 + double(i / L.legend_rows) * L.col_w;
      const double y = ly + 4 + (double(i % L.legend_rows) + 0.5) * L.row_h;
      const double sw = L.legend_px * 1.6;
      if (e.kind == LegendEntry::Dot) c.fill_circle(x + sw / 2 + 2, y, L.legend_px * 0.36, e.color);
      else if (e.kind == LegendEntry::Line) c.line(x + 2, y, x + sw + 2, y, e.color, 2.2, 1, e.style);
      else c.fill_rect(x + 2, y - L.legend_px * 0.35, x + sw + 2, y + L.legend_px * 0.35, e.color, 0.6);
      font.draw(c, x + sw + 8, y, e.label, L.legend_px, grey(20), HAlign::Left, VAlign::Middle);
    }
  }
  c.reset_clip();
}

Canvas Plot::render(int width, int height, const Font& font) const {
  Canvas c(width, height);
  render(c, PixelRect{0, 0, width, height}, font);
  return c;
}

void Plot::save_png(const std::string& path, int width, int height) const {
  render(width, height).save_png(path);
}

Figure::Figure(int cols, int rows, int panel_w, int panel_h)
    : cols_(cols), rows_(rows), pw_(panel_w), ph_(panel_h) {
  if (cols < 1 || rows < 1 || cols * rows > 400 || panel_w < 16 || panel_h < 16 ||
      int64_t(cols) * panel_w > 16384 || int64_t(rows) * panel_h > 16000)
    throw Error("Figure: " + std::to_string(cols) + " x " + std::to_string(rows) + " panels of " +
                std::to_string(panel_w) + " x " + std::to_string(panel_h) +
                " pixels (expected at least 16 x 16 pixels a panel, at most 16384 pixels a side)");
  panels_.resize(size_t(cols) * rows);
}

Plot& Figure::panel(int i) {
  if (i < 0 || i >= int(panels_.size()))
    throw Error("Figure::panel: index " + std::to_string(i) + " (expected 0.." +
                std::to_string(panels_.size() - 1) + ")");
  return panels_[size_t(i)];
}

Canvas Figure::render(const Font& font) const {
  const int head = title.empty() ? 0 : int(std::clamp(pw_ / 16.0, 20.0, 40.0));
  Canvas c(cols_ * pw_, rows_ * ph_ + head);
  if (head)
    font.draw(c, c.width() / 2.0, head * 0.55, title, head * 0.62, kBlack, HAlign::Center,
              VAlign::Middle);
  for (int r = 0; r < rows_; ++r)
    for (int k = 0; k < cols_; ++k)
      panels_[size_t(r) * cols_ + k].render(
          c, PixelRect{k * pw_, head + r * ph_, (k + 1) * pw_, head + (r + 1) * ph_}, font);
  return c;
}

void Figure::save_png(const std::string& path) const { render().save_png(path); }

}  // namespace fg
