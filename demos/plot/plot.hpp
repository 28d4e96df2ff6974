// Plots for the demos: axes with ticks, labels, title and legend, holding
// layers (scatters, lines, histograms, decision regions, ...), rendered to a
// Canvas or a PNG; and figures that put several plots side by side.
//
//   Plot p;
//   p.title = "ROC on held-out classes"; p.xlabel = "FAR"; p.ylabel = "TAR";
//   p.xscale = Scale::Log;
//   p.line(far, tar, "ArcFace");
//   p.line(far2, tar2, "softmax");
//   p.save_png("out/roc.png", 640, 480);
//
//   Figure fig(2, 1, 600, 600);          // 2 columns, 1 row of 600 x 600 panels
//   fig.panel(0) = embedding_scatter(...); fig.panel(1) = normalized_scatter(...);
//   fig.save_png("out/features.png");
//
// Data coordinates that are NaN or infinite (or <= 0 on a log axis) are
// skipped: they neither draw nor move the axis limits. A plot with no data
// still draws its axes over a default range.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "demos/plot/canvas.hpp"
#include "demos/plot/font.hpp"

namespace fg {

// ---- colours -----------------------------------------------------------

// Class k's colour: ten fixed, well separated colours, then generated ones
// (golden-ratio hue steps) for k >= 10.
Color class_color(int k);

// ---- ticks ---------------------------------------------------------------

enum class Scale { Linear, Log };

// Ticks at multiples of 1, 2 or 5 times a power of ten inside [lo, hi],
// about `target` of them (the step whose count is nearest `target`).
std::vector<double> nice_ticks(double lo, double hi, int target = 6);
// Ticks for a log axis over [lo, hi] (lo > 0): the powers of ten inside
// (every 2nd, 3rd... when there are too many); when fewer than three of
// those fall inside, also 2x and 5x; within a single decade, nice_ticks.
std::vector<double> log_ticks(double lo, double hi, int target = 6);
// A tick's label: as many decimals as the spacing of `ticks` needs
// ("0.2", "-2", "1e+06" for huge values).
std::string tick_label(double v, const std::vector<double>& ticks);

// ---- the frame: data -> pixels -------------------------------------------

struct Frame {
  PixelRect box;                  // the axes rectangle on the canvas
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;  // limits, in log10 units on a log axis
  Scale xscale = Scale::Linear, yscale = Scale::Linear;

  // Pixel position of a data point; NaN coordinates when it cannot be shown
  // (non-finite, or <= 0 on a log axis). Points outside the limits map
  // outside the box (the canvas clip keeps them off the picture).
  Point2 to_px(double x, double y) const;
  Point2 to_data(double px, double py) const;  // the inverse
  double x_px(double x) const;  // one coordinate alone (NaN when it cannot be shown)
  double y_px(double y) const;
  double px_per_unit_x() const { return box.width() / (x1 - x0); }   // linear axes
  double px_per_unit_y() const { return box.height() / (y1 - y0); }
};

// ---- layers ----------------------------------------------------------------

struct LegendEntry {
  enum Kind { Dot, Line, Patch };
  std::string label;
  Color color;
  Kind kind = Dot;
  LineStyle style = LineStyle::Solid;
};

// The data extent a layer asks the axes to show.
struct Bounds {
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  bool y_from_zero = false;  // bars: the y axis starts at 0, unpadded
  void add(double x, double y, Scale xs, Scale ys);  // skips what cannot be shown
  bool valid_x() const { return x0 <= x1; }
  bool valid_y() const { return y0 <= y1; }
};

class Layer {
 public:
  virtual ~Layer() = default;
  virtual void bounds(Bounds& b, Scale xs, Scale ys) const { (void)b, (void)xs, (void)ys; }
  virtual void draw(Canvas& c, const Frame& f, const Font& font, double text_px) const = 0;
  virtual void legend(std::vector<LegendEntry>& out) const { (void)out; }
  // Where the layer puts ink, for choosing the legend's corner.
  virtual void sample_points(std::vector<Point2>& out) const { (void)out; }
  // Background layers (regions, the sphere) draw below the grid lines.
  virtual bool background() const { return false; }
};

// ---- the plot ---------------------------------------------------------------

// Auto: the inside corner that covers the fewest data points, or Outside
// (right of the axes) when even that one would hide more than 2% of them.
enum class LegendPos { Auto, TopRight, TopLeft, BottomRight, BottomLeft, Outside, None };
enum class Marker { Circle, Square, Diamond, Triangle, Cross };

struct LineOpts {
  std::optional<Color> color;  // default: class_color(index of the series in the plot)
  double width = 2;
  LineStyle style = LineStyle::Solid;
  double alpha = 1;
  bool markers = false;  // a dot at each data point
};

struct ScatterOpts {
  double radius = 0;   // pixels; 0: chosen from the number of points
  double alpha = 0.65;
  uint64_t seed = 1;   // the drawing order (a shuffle, so no class hides another)
};

struct HistOpts {
  int bins = 40;
  std::optional<double> lo, hi;  // default: the range of all the sets together
  bool density = true;   // each set's bars enclose area 1 (sets of different sizes compare)
  double alpha = 0.4;    // bar fill; each set also gets a solid outline
  std::vector<Color> colors;  // default: class colours 0, 1, ...
};

class Plot {
 public:
  std::string title, xlabel, ylabel;
  Scale xscale = Scale::Linear, yscale = Scale::Linear;
  bool equal_aspect = false;  // one data unit is as long on x as on y
  bool grid = true;
  bool show_axes = true;      // false: no frame, ticks or tick labels
  LegendPos legend = LegendPos::Auto;
  double font_scale = 1;      // text size relative to the size chosen from the panel
  double pad = 0.04;          // fraction of the data range added on each side
  std::optional<double> xmin, xmax, ymin, ymax;  // fixed limits (data units)

  void xlim(double lo, double hi) { xmin = lo, xmax = hi; }
  void ylim(double lo, double hi) { ymin = lo, ymax = hi; }

  // Points coloured by class label (class_color(label)); names[k] labels
  // class k in the legend (empty: "0", "1", ...). Sizes must agree.
  void scatter(const std::vector<double>& x, const std::vector<double>& y,
               const std::vector<int>& labels, const std::vector<std::string>& names = {},
               const ScatterOpts& o = {});
  // Points of one colour, optionally named in the legend.
  void points(const std::vector<double>& x, const std::vector<double>& y, Color c,
              const std::string& label = "", double radius = 3, double alpha = 0.8);
  // Markers with a dark outline (class centres and the like).
  void markers(const std::vector<double>& x, const std::vector<double>& y,
               const std::vector<Color>& colors, Marker m = Marker::Diamond, double size = 7,
               const std::string& label = "");
  // A series joined by a line (a non-finite value breaks it).
  void line(const std::vector<double>& x, const std::vector<double>& y,
            const std::string& label = "", const LineOpts& o = {});
  // Overlaid histograms of several sets with shared bins.
  void histograms(const std::vector<std::vector<double>>& sets,
                  const std::vector<std::string>& labels, const HistOpts& o = {});
  // A segment in data coordinates (counts toward the limits).
  void segment(double x0, double y0, double x1, double y1, Color c, double width = 1.5,
               LineStyle style = LineStyle::Solid, const std::string& label = "");
  // A horizontal (or vertical) line across the whole axes at `v`; does not
  // move the limits.
  void hline(double v, Color c, LineStyle style = LineStyle::Dashed, const std::string& label = "");
  void vline(double v, Color c, LineStyle style = LineStyle::Dashed, const std::string& label = "");
  // A circle of data radius r (draws round only with equal_aspect).
  void circle(double cx, double cy, double r, Color c, double width = 1,
              LineStyle style = LineStyle::Solid);
  // Text at a data point.
  void text(double x, double y, const std::string& s, Color c = kBlack,
            HAlign h = HAlign::Left, VAlign v = VAlign::Middle, double size_scale = 1);
  // The background tinted by classify(x, y) at each pixel of the axes
  // (a class index; < 0 leaves it white), with darker class borders.
  // `strength`: how far the tint goes from white to the class colour.
  void regions(std::function<int(double, double)> classify, double strength = 0.16);

  void add(std::shared_ptr<const Layer> layer) { layers_.push_back(std::move(layer)); }
  int series() const { return series_; }  // line series so far (for default colours)

  // Draws into `area` of `c` (the area is cleared to white first).
  void render(Canvas& c, PixelRect area, const Font& font = default_font()) const;
  Canvas render(int width, int height, const Font& font = default_font()) const;
  void save_png(const std::string& path, int width, int height) const;

  // The frame (axes box and limits) that render() uses for `area`.
  Frame layout(PixelRect area, const Font& font = default_font()) const;

 private:
  std::vector<std::shared_ptr<const Layer>> layers_;
  int series_ = 0;
  struct Layout;
  Layout compute_layout(PixelRect area, const Font& font) const;
};

// ---- several plots in one image ---------------------------------------------

class Figure {
 public:
  // cols x rows panels of panel_w x panel_h pixels.
  Figure(int cols, int rows, int panel_w, int panel_h);
  std::string title;  // across the top, above the panels
  Plot& panel(int i);  // row-major; 0 <= i < cols * rows
  Plot& panel(int col, int row) { return panel(row * cols_ + col); }
  Canvas render(const Font& font = default_font()) const;
  void save_png(const std::string& path) const;

 private:
  int cols_, rows_, pw_, ph_;
  std::vector<Plot> panels_;
};

}  // namespace fg
