// An RGB raster for the demos' pictures, with anti-aliased primitives.
//
//   Canvas c(640, 480);                       // white
//   c.line(10, 10, 300, 200, Color{0, 0, 0}, 2.0);
//   c.fill_circle(100, 100, 3.5, class_color(2), 0.7);
//   c.save_png("out/plot.png");               // temp file, then rename
//
// Coordinates are pixels as doubles: pixel (i, j) covers [i, i+1) x [j, j+1)
// and its centre is (i + 0.5, j + 0.5); y grows downwards. Every primitive
// computes how much of each pixel it covers (0..1), multiplies by its alpha
// and blends its colour over what is there: c <- c + (colour - c) * cover.
// Drawing is limited to the clip rectangle (the whole canvas by default), so
// a plot's data cannot spill over its axes. Coordinates that are NaN or
// infinite draw nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fg {

struct Color {
  uint8_t r = 0, g = 0, b = 0;
};

inline bool operator==(Color a, Color b) { return a.r == b.r && a.g == b.g && a.b == b.b; }
inline bool operator!=(Color a, Color b) { return !(a == b); }

// a + (b - a) * t, t in [0, 1] (t = 0 gives a).
Color mix(Color a, Color b, double t);
inline Color darken(Color c, double t) { return mix(c, Color{0, 0, 0}, t); }
inline Color grey(int v) { return Color{uint8_t(v), uint8_t(v), uint8_t(v)}; }

const Color kWhite{255, 255, 255};
const Color kBlack{0, 0, 0};

struct Point2 {
  double x = 0, y = 0;
};

// An integer pixel rectangle [x0, x1) x [y0, y1).
struct PixelRect {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  int width() const { return x1 - x0; }
  int height() const { return y1 - y0; }
  bool empty() const { return x1 <= x0 || y1 <= y0; }
};

enum class LineStyle { Solid, Dashed, Dotted };

class Canvas {
 public:
  Canvas() = default;
  // width x height pixels filled with `background`; sizes must be 1..16384.
  Canvas(int width, int height, Color background = kWhite);

  int width() const { return w_; }
  int height() const { return h_; }
  const std::vector<uint8_t>& pixels() const { return rgb_; }  // row-major RGB, 3 bytes a pixel
  std::vector<uint8_t>& pixels() { return rgb_; }
  Color get(int x, int y) const;  // (x, y) must lie on the canvas
  void set(int x, int y, Color c);  // ignores the clip, not the bounds

  // Clipping: primitives touch only pixels inside the clip rectangle.
  void set_clip(PixelRect r);  // intersected with the canvas
  void reset_clip() { clip_ = PixelRect{0, 0, w_, h_}; }
  PixelRect clip() const { return clip_; }

  // Blends `c` into pixel (x, y) with weight `a` in [0, 1], if it is inside the clip.
  void blend(int x, int y, Color c, double a);

  void fill(Color c);  // the clip rectangle
  // Axis-aligned rectangle [x0, x1) x [y0, y1); fractional edges cover part of a pixel.
  void fill_rect(double x0, double y0, double x1, double y1, Color c, double alpha = 1);
  void rect_outline(double x0, double y0, double x1, double y1, Color c, double width = 1);

  // A segment of the given width with round ends.
  void line(double x0, double y0, double x1, double y1, Color c, double width = 1,
            double alpha = 1, LineStyle style = LineStyle::Solid);
  // Joined segments, blended once (a translucent polyline does not darken at
  // its joints). A non-finite point breaks the line into pieces.
  void polyline(const std::vector<Point2>& pts, Color c, double width = 1, double alpha = 1,
                LineStyle style = LineStyle::Solid);

  void fill_circle(double cx, double cy, double r, Color c, double alpha = 1);
  void circle(double cx, double cy, double r, Color c, double width = 1, double alpha = 1);
  // The arc from angle a0 to a1 (radians, counter-clockwise as seen on screen,
  // 0 pointing right).
  void arc(double cx, double cy, double r, double a0, double a1, Color c, double width = 1,
           double alpha = 1);
  // A filled polygon (even-odd rule), 4 x 4 samples a pixel: for markers and small shapes.
  void fill_polygon(const std::vector<Point2>& pts, Color c, double alpha = 1);

  // Blends `color` through an 8-bit coverage mask (mask_w x mask_h, row-major)
  // whose top-left corner lands at (x, y). With rotate_ccw the mask is turned
  // 90 degrees counter-clockwise first (text that reads bottom to top); its
  // footprint is then mask_h wide and mask_w tall.
  void blend_mask(int x, int y, const uint8_t* mask, int mask_w, int mask_h, Color color,
                  bool rotate_ccw = false);

  // PNG bytes of the canvas, and the same written atomically to `path`
  // (fg::Error naming the path when it cannot be written). By default the
  // PNG is indexed (8 bits a pixel, about a quarter of the size of RGB for
  // a scatter of thousands of translucent points): exact when the picture
  // has at most 256 colours, else the 48 most used colours kept exactly and
  // the rest mapped to the nearest of 208 median-cut colours. Lossless
  // writes 24-bit RGB. (stb_image_write keeps its settings in globals:
  // encode from one thread at a time.)
  enum class Png { Indexed, Lossless };
  std::vector<uint8_t> encode_png(Png mode = Png::Indexed) const;
  void save_png(const std::string& path, Png mode = Png::Indexed) const;

 private:
  void blend_coverage(const std::vector<float>& cover, PixelRect box, Color c, double alpha);
  int w_ = 0, h_ = 0;
  std::vector<uint8_t> rgb_;
  PixelRect clip_;
};

}  // namespace fg
