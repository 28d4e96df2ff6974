#include "demos/gallery/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "demos/cli/json_text.hpp"
#include "demos/gallery/interval.hpp"

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

namespace {

// The table's numeric columns, in order: the JSON key, the decimals and
// unit of the Markdown cell, and the field.
struct Column {
  const char* key;
  int decimals;
  const char* unit;
  double GalleryResult::*field;
};
const Column kColumns[] = {
    {"test_accuracy", 3, "", &GalleryResult::test_accuracy},
    {"intra_class_angle_deg", 1, "°", &GalleryResult::intra_deg},
    {"min_inter_class_angle_deg", 1, "°", &GalleryResult::min_inter_deg},
    {"radial_spread", 2, "", &GalleryResult::radial_spread},
    {"seconds", 0, " s", &GalleryResult::seconds},
};

// A column over the seeds that finished (every seed for the time, which a
// stopped seed also has).
MeanInterval summary(const std::vector<GalleryResult>& seeds, const Column& c) {
  std::vector<double> v;
  for (const GalleryResult& r : seeds)
    if (r.ok || c.field == &GalleryResult::seconds) v.push_back(r.*c.field);
  return mean_interval(v);
}

// One seed: the value; several: "mean ± half" (the time: its mean only).
std::string cell(const std::vector<GalleryResult>& seeds, const Column& c) {
  const MeanInterval m = summary(seeds, c);
  std::string t = fixed(m.mean, c.decimals);
  if (seeds.size() > 1 && std::isfinite(m.half) && c.field != &GalleryResult::seconds)
    t += " ± " + fixed(m.half, c.decimals);
  return t + c.unit;
}

const GalleryResult* first_ok(const std::vector<GalleryResult>& seeds) {
  for (const GalleryResult& r : seeds)
    if (r.ok) return &r;
  return nullptr;
}

std::string seeds_text(const std::vector<std::vector<GalleryResult>>& runs) {
  std::string t;
  if (!runs.empty())
    for (const GalleryResult& r : runs[0]) t += (t.empty() ? "" : ", ") + std::to_string(r.seed);
  return t;
}

}  // namespace

std::string gallery_markdown(const std::vector<std::vector<GalleryResult>>& runs, const std::string& heading) {
  std::string md = heading + "\n\n";
  md += "| loss | trained as (2-D settings) | test accuracy | intra-class angle | min inter-class angle | "
        "radial spread | time |\n";
  md += "|---|---|---:|---:|---:|---:|---:|\n";
  size_t seeds = 1;
  for (const std::vector<GalleryResult>& row : runs) {
    if (row.empty()) continue;
    seeds = row.size();
    const GalleryResult& r = row[0];
    std::string note = r.note;
    for (const GalleryResult& s : row)
      if (!s.ok && row.size() > 1)
        note += (note.empty() ? "" : "; ") + ("stopped under seed " + std::to_string(s.seed) + ": ") +
                s.error.substr(0, 60);
    md += "| " + md_cell(r.label) + " | `" + md_cell(r.objective) + "`" +
          (note.empty() ? "" : " (" + md_cell(note) + ")") + " | ";
    if (first_ok(row)) {
      for (const Column& c : kColumns) md += cell(row, c) + (c.field == &GalleryResult::seconds ? " |\n" : " | ");
    } else {
      md += "stopped: " + md_cell(r.error.substr(0, 120)) + " | - | - | - | " + cell(row, kColumns[4]) + " |\n";
    }
  }
  md += "\nIntra-class angle: mean angle between a test feature and its class's mean direction. "
        "Min inter-class angle: the smallest angle between two class mean directions "
        "(ten classes evenly spread on a circle: 36°). Radial spread: within a class, the standard "
        "deviation of |h| over its mean, averaged over classes (spokes: large; blobs: small). "
        "Time: wall clock, training and evaluation.\n";
  if (seeds > 1) {
    const int df = int(seeds) - 1;
    md += "\nEach number is the mean over seeds " + seeds_text(runs) + " and ± the half-width of its 95% " +
          "confidence interval, t s / sqrt(n) with s the standard deviation over the n seeds and t = " +
          fixed(student_t95(df), 3) + " from Student's t with n - 1 = " + std::to_string(df) +
          " degrees of freedom (a seed that stopped is left out and named). The seeds change the "
          "initialisation and the order of the training images, not the images. Time: the mean.\n";
  }
  return md;
}

std::string gallery_json(const std::vector<std::vector<GalleryResult>>& runs, const std::string& setup) {
  auto numbers = [](JsonObject& o, const GalleryResult& r) {
    for (const Column& c : kColumns) o.add(c.key, r.*c.field);
  };
  std::vector<std::string> rows;
  size_t seeds = 1;
  for (const std::vector<GalleryResult>& row : runs) {
    if (row.empty()) continue;
    seeds = row.size();
    const GalleryResult& r = row[0];
    JsonObject o;
    o.add("label", r.label).add("objective", r.objective).add("note", r.note).add("ok", first_ok(row) != nullptr);
    if (row.size() == 1) {
      numbers(o, r);
      if (!r.ok) o.add("error", r.error);
    } else {
      JsonObject half;
      for (const Column& c : kColumns) {
        const MeanInterval m = summary(row, c);
        o.add(c.key, m.mean), half.add(c.key, m.half);
      }
      o.add("seeds_ok", int(std::count_if(row.begin(), row.end(), [](const GalleryResult& s) { return s.ok; })));
      o.add_raw("half_width95", half.str(0));
      std::vector<std::string> each;
      for (const GalleryResult& s : row) {
        JsonObject e;
        e.add("seed", double(s.seed)).add("ok", s.ok);
        numbers(e, s);
        if (!s.ok) e.add("error", s.error);
        each.push_back(e.str(0));
      }
      o.add_raw("per_seed", json_array(each, 0));
    }
    rows.push_back(o.str(0));
  }
  JsonObject j;
  j.add("setup", setup);
  if (seeds > 1)
    j.add_raw("seeds", "[" + seeds_text(runs) + "]")
        .add("interval", "95%: mean ± t s / sqrt(n) over the n seeds that finished, s their standard deviation, "
                         "t from Student's t with n - 1 degrees of freedom");
  j.add_raw("losses", json_array(rows));
  return j.str() + "\n";
}

std::string gallery_markdown(const std::vector<GalleryResult>& results, const std::string& heading) {
  std::vector<std::vector<GalleryResult>> runs;
  for (const GalleryResult& r : results) runs.push_back({r});
  return gallery_markdown(runs, heading);
}

std::string gallery_json(const std::vector<GalleryResult>& results, const std::string& setup) {
  std::vector<std::vector<GalleryResult>> runs;
  for (const GalleryResult& r : results) runs.push_back({r});
  return gallery_json(runs, setup);
}

}  // namespace fg
