// The demos' pictures: canvas primitives, PNG and GIF files read back,
// text with and without the TrueType font, ticks, plots and their layout.
#include <catch2/catch.hpp>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "core/data/file_util.hpp"
#include "core/random.hpp"
#include "demos/plot/animation.hpp"
#include "demos/plot/embedding_plot.hpp"
#include "demos/plot/plot.hpp"
#include "tests/data_test_util.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

using namespace fg;
using Catch::Matchers::Contains;
using fg_test::TempDir;

namespace {

struct Image {
  int w = 0, h = 0;
  std::vector<uint8_t> rgb;
  Color at(int x, int y) const {
    const uint8_t* p = &rgb[(size_t(y) * w + x) * 3];
    return Color{p[0], p[1], p[2]};
  }
};

Image load_png(const std::string& path) {
  Image im;
  int n = 0;
  unsigned char* p = stbi_load(path.c_str(), &im.w, &im.h, &n, 3);
  if (!p) return im;
  im.rgb.assign(p, p + size_t(im.w) * im.h * 3);
  stbi_image_free(p);
  return im;
}

int distance(Color a, Color b) {
  return std::abs(a.r - b.r) + std::abs(a.g - b.g) + std::abs(a.b - b.b);
}

// Every chunk's CRC checks out and the file is IHDR ... IEND.
bool png_chunks_valid(const std::vector<uint8_t>& f) {
  static const uint8_t sig[8] = {137, 'P', 'N', 'G', 13, 10, 26, 10};
  if (f.size() < 8 || std::memcmp(f.data(), sig, 8) != 0) return false;
  size_t at = 8;
  std::string first, last;
  while (at + 12 <= f.size()) {
    const uint32_t len = uint32_t(f[at]) << 24 | uint32_t(f[at + 1]) << 16 | uint32_t(f[at + 2]) << 8 | f[at + 3];
    if (at + 12 + len > f.size()) return false;
    const uint32_t crc = uint32_t(crc32(0L, &f[at + 4], uInt(4 + len)));
    const size_t c = at + 8 + len;
    const uint32_t stored = uint32_t(f[c]) << 24 | uint32_t(f[c + 1]) << 16 | uint32_t(f[c + 2]) << 8 | f[c + 3];
    if (crc != stored) return false;
    last = std::string(reinterpret_cast<const char*>(&f[at + 4]), 4);
    if (first.empty()) first = last;
    at += 12 + len;
  }
  return at == f.size() && first == "IHDR" && last == "IEND";
}

// Ink of text in a rectangle: the number of pixels darker than 140 in every
// channel (text is near black; the class colours each have a bright channel).
int dark_pixels(const Image& im, int x0, int y0, int x1, int y1) {
  int n = 0;
  for (int y = std::max(0, y0); y < std::min(im.h, y1); ++y)
    for (int x = std::max(0, x0); x < std::min(im.w, x1); ++x) {
      const Color c = im.at(x, y);
      n += std::max({c.r, c.g, c.b}) < 140;
    }
  return n;
}

}  // namespace

TEST_CASE("plot: ticks are 1-2-5 steps on hand-checked ranges", "[plot]") {
  const std::vector<double> t01 = nice_ticks(0, 1);
  REQUIRE(t01.size() == 6);
  for (int i = 0; i < 6; ++i) REQUIRE(t01[size_t(i)] == Approx(0.2 * i).margin(1e-12));
  const std::vector<double> t = nice_ticks(-3.7, 12);
  REQUIRE(t.size() == 8);  // -2, 0, 2, ..., 12
  for (int i = 0; i < 8; ++i) REQUIRE(t[size_t(i)] == Approx(-2 + 2 * i));
  // 0..4 for 4 ticks: step 1 gives 5 ticks and step 2 gives 3, both 1 off; the larger step wins.
  REQUIRE(nice_ticks(0, 4, 4) == std::vector<double>{0, 2, 4});
  const std::vector<double> lg = log_ticks(1e-4, 1);
  REQUIRE(lg.size() == 5);
  for (int i = 0; i < 5; ++i) REQUIRE(lg[size_t(i)] == Approx(std::pow(10.0, i - 4)));
  // Less than two decades: 1, 2, 5 times powers of ten.
  const std::vector<double> few = log_ticks(0.05, 0.8);
  REQUIRE(few == std::vector<double>{0.05, 0.1, 0.2, 0.5});
  REQUIRE(tick_label(0.4, t01) == "0.4");
  REQUIRE(tick_label(0, t01) == "0.0");  // the decimals of the spacing, for every tick
  REQUIRE(tick_label(-1e-17, t01) == "0.0");  // never "-0.0"
  REQUIRE(tick_label(-2, t) == "-2");
  REQUIRE(tick_label(12, t) == "12");
  REQUIRE(tick_label(0.05, few) == "0.05");
}

TEST_CASE("plot: a scatter of two clusters puts each colour at its cluster", "[plot]") {
  TempDir dir;
  Rng rng(3);
  std::vector<double> x, y;
  std::vector<int> lab;
  for (int i = 0; i < 300; ++i) {
    const int k = i % 2;
    x.push_back(k ? 0.5 + rng.normal(0, 0.03) : -0.5 + rng.normal(0, 0.03));
    y.push_back(k ? 0.5 + rng.normal(0, 0.03) : -0.3 + rng.normal(0, 0.03));
    lab.push_back(k);
  }
  Plot p;
  p.title = "two clusters";
  p.xlim(-1, 1), p.ylim(-1, 1);
  p.legend = LegendPos::TopLeft;
  p.scatter(x, y, lab, {"left", "right"});
  const std::string path = dir.file("two.png");
  p.save_png(path, 400, 300);
  REQUIRE(png_chunks_valid(read_file_capped(path, 1 << 24)));
  const Image im = load_png(path);
  REQUIRE(im.w == 400);
  REQUIRE(im.h == 300);
  const Frame f = p.layout(PixelRect{0, 0, 400, 300});
  const Point2 a = f.to_px(-0.5, -0.3), b = f.to_px(0.5, 0.5);
  REQUIRE(distance(im.at(int(a.x), int(a.y)), class_color(0)) < 30);
  REQUIRE(distance(im.at(int(b.x), int(b.y)), class_color(1)) < 30);
  // Far from both clusters: the white background (or a light grid line).
  const Point2 e = f.to_px(0.27, -0.73);  // away from grid lines too
  REQUIRE(distance(im.at(int(e.x), int(e.y)), kWhite) < 40);
  // The legend's text (top left inside the axes) and the title are drawn.
  REQUIRE(dark_pixels(im, f.box.x0 + 8, f.box.y0 + 8, f.box.x0 + 120, f.box.y0 + 50) > 20);
  REQUIRE(dark_pixels(im, 100, 0, 300, f.box.y0) > 20);
  // The tick labels below the axes.
  REQUIRE(dark_pixels(im, f.box.x0, f.box.y1 + 2, f.box.x1, 300) > 20);
}

TEST_CASE("plot: non-finite points are skipped, not drawn", "[plot]") {
  std::vector<double> x{0, 1, 2}, y{0, 1, 0.5};
  std::vector<int> lab{0, 1, 2};
  Plot clean;
  clean.scatter(x, y, lab);
  clean.line(x, y);
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  std::vector<double> x2{0, nan, 1, inf, 2, -inf}, y2{0, 3, 1, 5, 0.5, 2};
  std::vector<int> lab2{0, 1, 1, 2, 2, 0};
  Plot dirty;
  dirty.scatter(x2, y2, lab2);
  dirty.line({0, 1, 2}, {0, 1, 0.5});
  const Frame fc = clean.layout(PixelRect{0, 0, 300, 200}), fd = dirty.layout(PixelRect{0, 0, 300, 200});
  REQUIRE(fd.x0 == fc.x0);
  REQUIRE(fd.x1 == fc.x1);
  REQUIRE(fd.y0 == fc.y0);
  REQUIRE(fd.y1 == fc.y1);
  // On a log axis, values <= 0 cannot be shown: they are skipped too.
  Plot lg;
  lg.yscale = Scale::Log;
  lg.line({0, 1, 2, 3}, {0.01, 0, -1, 1});
  const Frame fl = lg.layout(PixelRect{0, 0, 300, 200});
  REQUIRE(fl.y0 < -2);
  REQUIRE(fl.y1 > 0);
  REQUIRE(fl.y1 < 0.5);
  REQUIRE_NOTHROW(lg.render(300, 200));
  // The picture is the one with those points moved out of sight: with fixed
  // limits, a point far outside is clipped away (same count, same order).
  auto picture = [](double bad_x, double bad_y) {
    Plot p;
    p.xlim(-1, 3), p.ylim(-1, 2);
    p.scatter({0, bad_x, 1, 2}, {0, bad_y, 1, 0.5}, {0, 1, 1, 2});
    return p.render(300, 200).pixels();
  };
  const std::vector<uint8_t> away = picture(1e5, 1e5);
  REQUIRE(picture(nan, 1) == away);
  REQUIRE(picture(inf, 1) == away);
  REQUIRE(picture(1, -inf) == away);
  // A line with a NaN in the middle is the two finite pieces.
  LineOpts o;
  o.color = class_color(0);
  Plot broken, pieces;
  for (Plot* p : {&broken, &pieces}) p->xlim(-1, 4), p->ylim(-1, 2);
  broken.line({0, 1, nan, 2, 3}, {0, 1, 1, 0, 1}, "", o);
  pieces.line({0, 1}, {0, 1}, "", o);
  pieces.line({2, 3}, {0, 1}, "", o);
  REQUIRE(broken.render(300, 200).pixels() == pieces.render(300, 200).pixels());
  // A segment to a point far outside is drawn up to the edge, not dropped.
  Canvas far(50, 50);
  far.line(25, 25.5, 1e12, 25.5, kBlack, 1);
  far.line(25.5, 25, 25.5, 1e300, kBlack, 1, 1, LineStyle::Dashed);
  REQUIRE(far.get(49, 25).r < 128);
}

TEST_CASE("plot: an empty plot still writes a valid image", "[plot]") {
  TempDir dir;
  Plot p;
  p.title = "nothing yet";
  p.xlabel = "epoch";
  p.save_png(dir.file("empty.png"), 320, 240);
  const Image im = load_png(dir.file("empty.png"));
  REQUIRE(im.w == 320);
  REQUIRE(im.h == 240);
  REQUIRE(dark_pixels(im, 0, 0, 320, 240) > 50);  // frame, ticks, title
  Plot h;
  h.histograms({}, {});
  REQUIRE_NOTHROW(h.render(200, 150));
  Plot lg;
  lg.xscale = Scale::Log;
  REQUIRE_NOTHROW(lg.render(200, 150));
}

TEST_CASE("plot: a title wider than its panel is drawn smaller, not cut off", "[plot]") {
  TempDir dir;
  Plot p;
  p.title = "s = 16, m2 = 0.15, m3 = 0.05 [64, 0.3, 0.2], margin warm-up over the first epoch";
  p.points({0, 1}, {0, 1}, kBlack);
  p.save_png(dir.file("long.png"), 240, 200);
  const Image im = load_png(dir.file("long.png"));
  REQUIRE(im.w == 240);
  // The title's band (above the axes box): ink in the middle, none in the
  // outermost columns, where a title drawn at full size would run off.
  const PixelRect box = p.layout(PixelRect{0, 0, 240, 200}).box;
  REQUIRE(box.y0 > 4);
  REQUIRE(dark_pixels(im, 60, 0, 180, box.y0) > 20);
  REQUIRE(dark_pixels(im, 0, 0, 2, box.y0) == 0);
  REQUIRE(dark_pixels(im, 238, 0, 240, box.y0) == 0);
}

TEST_CASE("plot: an unwritable path is an fg::Error naming it", "[plot]") {
  const std::string path = "/nonexistent-dir-fg/plot.png";
  Plot p;
  REQUIRE_THROWS_WITH(p.save_png(path, 100, 80), Contains(path));
  GifAnimation g;
  g.add_frame(Canvas(20, 10));
  REQUIRE_THROWS_WITH(g.save("/nonexistent-dir-fg/a.gif"), Contains("/nonexistent-dir-fg/a.gif"));
  REQUIRE_THROWS_AS(Canvas(0, 10), Error);
  Plot bad;
  bad.yscale = Scale::Log;
  bad.ylim(0, 1);
  REQUIRE_THROWS_WITH(bad.render(100, 80), Contains("log axis"));
  REQUIRE_THROWS_WITH(bad.scatter({1, 2}, {1}, {0, 0}), Contains("scatter"));
}

TEST_CASE("plot: the bitmap font draws when the TrueType file is missing", "[plot]") {
  const Font fb("/no/such/font.ttf");
  REQUIRE(fb.is_fallback());
  if (std::filesystem::exists(kDefaultFontPath)) REQUIRE_FALSE(default_font().is_fallback());
  for (const Font* f : {&fb, &default_font()}) {
    Canvas c(200, 60);
    f->draw(c, 10, 30, "Hello 0.25", 20, kBlack, HAlign::Left, VAlign::Middle);
    int dark = 0, x_lo = 200, x_hi = 0, y_lo = 60, y_hi = 0;
    for (int y = 0; y < 60; ++y)
      for (int x = 0; x < 200; ++x)
        if (c.get(x, y).r < 128) {
          ++dark;
          x_lo = std::min(x_lo, x), x_hi = std::max(x_hi, x), y_lo = std::min(y_lo, y), y_hi = std::max(y_hi, y);
        }
    REQUIRE(dark > 60);
    REQUIRE(x_lo >= 9);
    REQUIRE(x_hi < 10 + f->width("Hello 0.25", 20) + 2);
    REQUIRE(y_lo > 15);  // centred on y = 30
    REQUIRE(y_hi < 45);
    // Turned 90 degrees, the same text stands taller than it is wide.
    Canvas v(60, 200);
    f->draw(v, 30, 100, "Hello 0.25", 20, kBlack, HAlign::Center, VAlign::Middle, true);
    int vx_lo = 60, vx_hi = 0, vy_lo = 200, vy_hi = 0;
    for (int y = 0; y < 200; ++y)
      for (int x = 0; x < 60; ++x)
        if (v.get(x, y).r < 128)
          vx_lo = std::min(vx_lo, x), vx_hi = std::max(vx_hi, x), vy_lo = std::min(vy_lo, y), vy_hi = std::max(vy_hi, y);
    REQUIRE(vy_hi - vy_lo > 3 * (vx_hi - vx_lo));
    REQUIRE(std::abs((vy_lo + vy_hi) / 2 - 100) < 4);
  }
  // A whole plot drawn with the bitmap font has its labels.
  Plot p;
  p.title = "fallback";
  p.line({0, 1}, {0, 1}, "series");
  const Canvas c = p.render(300, 200, fb);
  int dark = 0;
  for (int x = 0; x < 300; ++x)
    for (int y = 0; y < 20; ++y) dark += c.get(x, y).r < 128;
  REQUIRE(dark > 10);
}

TEST_CASE("plot: canvas primitives cover what they should", "[plot]") {
  Canvas c(100, 100);
  c.fill_circle(50, 50, 10, kBlack);
  double ink = 0;
  for (int y = 0; y < 100; ++y)
    for (int x = 0; x < 100; ++x) ink += (255 - c.get(x, y).r) / 255.0;
  REQUIRE(ink == Approx(M_PI * 100).epsilon(0.02));
  Canvas r(10, 10);
  r.fill_rect(2, 2, 4.5, 3, kBlack);  // 2.5 pixels: two full, one half
  REQUIRE(r.get(2, 2) == kBlack);
  REQUIRE(r.get(3, 2) == kBlack);
  REQUIRE(int(r.get(4, 2).r) == Approx(128).margin(1));
  REQUIRE(r.get(2, 3) == kWhite);
  Canvas l(50, 50);
  l.line(5, 25.5, 45, 25.5, kBlack, 1);
  REQUIRE(l.get(20, 25) == kBlack);
  REQUIRE(l.get(20, 24) == kWhite);
  REQUIRE(l.get(20, 26) == kWhite);
  // Clipping keeps drawing inside the clip rectangle; NaN draws nothing.
  Canvas k(50, 50);
  k.set_clip(PixelRect{10, 10, 20, 20});
  k.fill_circle(25, 25, 20, kBlack);
  k.line(std::nan(""), 0, 40, 40, kBlack, 3);
  k.reset_clip();
  REQUIRE(k.get(15, 15) == kBlack);
  REQUIRE(k.get(25, 25) == kWhite);
  REQUIRE(k.get(5, 5) == kWhite);
}

TEST_CASE("plot: PNG files round-trip (indexed exactly when 256 colours suffice)", "[plot]") {
  TempDir dir;
  Canvas few(64, 32);
  for (int x = 0; x < 64; ++x)
    for (int y = 0; y < 32; ++y) few.set(x, y, class_color((x / 8 + y / 8) % 12));
  few.save_png(dir.file("few.png"));
  REQUIRE(png_chunks_valid(read_file_capped(dir.file("few.png"), 1 << 20)));
  Image a = load_png(dir.file("few.png"));
  REQUIRE(a.rgb == few.pixels());
  // More than 256 colours: indexed is close, lossless is exact.
  Canvas many(128, 128);
  for (int x = 0; x < 128; ++x)
    for (int y = 0; y < 128; ++y) many.set(x, y, Color{uint8_t(2 * x), uint8_t(2 * y), uint8_t(x + y)});
  many.save_png(dir.file("many.png"));
  many.save_png(dir.file("exact.png"), Canvas::Png::Lossless);
  REQUIRE(png_chunks_valid(read_file_capped(dir.file("many.png"), 1 << 20)));
  REQUIRE(load_png(dir.file("exact.png")).rgb == many.pixels());
  const Image b = load_png(dir.file("many.png"));
  REQUIRE(b.w == 128);
  double err = 0;
  for (int x = 0; x < 128; ++x)
    for (int y = 0; y < 128; ++y) err += distance(b.at(x, y), many.get(x, y));
  REQUIRE(err / (128 * 128) < 12);  // mean |dr| + |dg| + |db| over a smooth gradient
}

TEST_CASE("plot: equal aspect, decision regions and the sphere", "[plot]") {
  Plot p;
  p.equal_aspect = true;
  p.points({-1, 1}, {-0.2, 0.2}, kBlack);
  // Left half class 0, right half class 1.
  p.regions([](double x, double) { return x < 0 ? 0 : 1; });
  const Frame f = p.layout(PixelRect{0, 0, 400, 300});
  REQUIRE(f.px_per_unit_x() == Approx(f.px_per_unit_y()).epsilon(1e-9));
  const Canvas c = p.render(400, 300);
  const Point2 l = f.to_px(-0.63, 0.13), r = f.to_px(0.37, 0.13);  // off the grid lines
  REQUIRE(distance(c.get(int(l.x), int(l.y)), mix(kWhite, class_color(0), 0.16)) <= 6);
  REQUIRE(distance(c.get(int(r.x), int(r.y)), mix(kWhite, class_color(1), 0.16)) <= 6);
  // A point facing the viewer lands at the sphere's centre; one behind is
  // hidden when the back is not shown.
  Tensor H = Tensor::from({2, 3}, {0, 0, 2, 0.6f, 0, -0.8f});
  SphereView v;
  v.yaw_deg = 0, v.pitch_deg = 0, v.show_back = false;
  Plot s = sphere_scatter(H, {3, 4}, {}, nullptr, "", v);
  s.legend = LegendPos::None;
  const Frame sf = s.layout(PixelRect{0, 0, 300, 300});
  const Canvas sc = s.render(300, 300);
  const Point2 front = sf.to_px(0, 0), back = sf.to_px(0.6, 0);
  REQUIRE(distance(sc.get(int(front.x), int(front.y)), class_color(3)) < 60);
  REQUIRE(distance(sc.get(int(back.x), int(back.y)), class_color(4)) > 150);
  REQUIRE_THROWS_WITH(sphere_scatter(Tensor({2, 2}), {0, 1}), Contains("m x 3"));
  REQUIRE_THROWS_WITH(embedding_scatter(Tensor({4, 3}), {0, 1, 0, 1}), Contains("--dim 2"));
}

TEST_CASE("plot: a two-panel feature figure stays small", "[plot]") {
  Rng rng(5);
  const int m = 6000;
  Tensor H({m, 2});
  std::vector<int> y(m);
  for (int i = 0; i < m; ++i) {
    const int k = i % 10;
    const double a = 2 * M_PI * k / 10 + rng.normal(0, 0.15), r = std::fabs(rng.normal(0, 8)) + 1;
    H.at(i, 0) = real(r * std::cos(a)), H.at(i, 1) = real(r * std::sin(a)), y[size_t(i)] = k;
  }
  Figure fig(2, 1, 600, 600);
  fig.panel(0) = embedding_scatter(H, y, {}, "raw");
  fig.panel(1) = normalized_scatter(H, y, {}, nullptr, "normalised");
  const std::vector<uint8_t> png = fig.render().encode_png();
  REQUIRE(png.size() < 150 * 1024);
}
