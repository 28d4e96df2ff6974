#include "demos/gallery/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "demos/cli/json_text.hpp"

namespace fg {

namespace {

std::string fixed(double v, int decimals) {
  if (!std::isfinite(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string md_cell(std::string s) {
  for (size_t at = s.find('|'); at != std::string::npos; at = s.find('|', at + 2)) s.replace(at, 1, "\\|");
  return s;
}

}  // namespace

Figure gallery_figure(const std::vector<GalleryResult>& results, const std::string& title, int cols,
                      int panel_px) {
  const int n = int(results.size());
  if (n == 0) throw Error("gallery_figure: no results to draw");
  cols = std::max(1, std::min(cols, n));
  const int rows = (n + cols - 1) / cols;
  Figure fig(cols, 2 * rows, panel_px, panel_px);
  fig.title = title;
  for (int i = n; i < cols * rows; ++i)  // the cells after the last loss stay blank
    for (int k = 0; k < 2; ++k) {
      Plot& p = fig.panel(i % cols, 2 * (i / cols) + k);
      p.show_axes = false, p.grid = false, p.legend = LegendPos::None;
    }
  for (int i = 0; i < n; ++i) {
    const GalleryResult& r = results[size_t(i)];
    const int col = i % cols, row = 2 * (i / cols);
    std::string head = r.label + ": " + (r.ok ? "test acc " + fixed(r.test_accuracy, 3) : "stopped");
    if (!r.ok || r.features.H.empty()) {
      Plot& p = fig.panel(col, row);
      p.title = head;
      p.text(0.5, 0.5, r.error.empty() ? "no features" : r.error.substr(0, 60), kBlack, HAlign::Center);
      p.xlim(0, 1), p.ylim(0, 1);
      continue;
    }
    fig.panel(col, row) = raw_panel(r.features, head);
    fig.panel(col, row + 1) = second_panel(r.features, r.note.empty() ? "normalised" : r.note);
    for (int k = 0; k < 2; ++k) {
      Plot& p = fig.panel(col, row + k);
      p.font_scale = 0.9;
      if (i > 0 || k > 0) p.legend = LegendPos::None;  // one legend, in the first panel
    }
  }
  return fig;
}

std::string gallery_markdown(const std::vector<GalleryResult>& results, const std::string& heading) {
  std::string md = heading + "\n\n";
  md += "| loss | trained as (2-D settings) | test accuracy | intra-class angle | min inter-class angle | "
        "radial spread | time |\n";
  md += "|---|---|---:|---:|---:|---:|---:|\n";
  for (const GalleryResult& r : results) {
    md += "| " + md_cell(r.label) + " | `" + md_cell(r.objective) + "`" +
          (r.note.empty() ? "" : " (" + md_cell(r.note) + ")") + " | ";
    if (r.ok)
      md += fixed(r.test_accuracy, 3) + " | " + fixed(r.intra_deg, 1) + "° | " + fixed(r.min_inter_deg, 1) +
            "° | " + fixed(r.radial_spread, 2) + " | " + fixed(r.seconds, 0) + " s |\n";
    else
      md += "stopped: " + md_cell(r.error.substr(0, 120)) + " | - | - | - | " + fixed(r.seconds, 0) + " s |\n";
  }
  md += "\nIntra-class angle: mean angle between a test feature and its class's mean direction. "
        "Min inter-class angle: the smallest angle between two class mean directions "
        "(ten classes evenly spread on a circle: 36°). Radial spread: within a class, the standard "
        "deviation of |h| over its mean, averaged over classes (spokes: large; blobs: small). "
        "Time: wall clock, training and evaluation.\n";
  return md;
}

std::string gallery_json(const std::vector<GalleryResult>& results, const std::string& setup) {
  std::vector<std::string> rows;
  for (const GalleryResult& r : results) {
    JsonObject o;
    o.add("label", r.label).add("objective", r.objective).add("note", r.note).add("ok", r.ok);
    o.add("test_accuracy", r.test_accuracy).add("intra_class_angle_deg", r.intra_deg);
    o.add("min_inter_class_angle_deg", r.min_inter_deg).add("radial_spread", r.radial_spread);
    o.add("seconds", r.seconds);
    if (!r.ok) o.add("error", r.error);
    rows.push_back(o.str(0));
  }
  JsonObject j;
  j.add("setup", setup).add_raw("losses", json_array(rows));
  return j.str() + "\n";
}

}  // namespace fg
