// What the gallery writes once every loss has trained: the comparison image
// (one column per loss: raw features above, normalised below), the Markdown
// table and the same numbers as JSON.
#pragma once

#include <string>
#include <vector>

#include "demos/features/views.hpp"

namespace fg {

struct GalleryResult {
  std::string label;       // "ArcFace"
  std::string objective;   // as trained, with its 2-D settings: "arcface s=16 m=0.25 warmup=470"
  std::string note;        // what differs from the lecture's defaults, for the title and table
  double test_accuracy = NAN;
  double intra_deg = NAN, min_inter_deg = NAN;
  double radial_spread = NAN;  // demos/features/metrics.hpp: std(|h|) / mean(|h|) within a class
  double seconds = 0;      // training and evaluation, wall clock
  bool ok = false;         // false: training stopped (error holds why)
  std::string error;
  FeatureSnapshot features;  // test features for the picture
};

// One column per result, `cols` columns a row of results; each cell is the
// raw panel above the normalised one, panel_px square.
Figure gallery_figure(const std::vector<GalleryResult>& results, const std::string& title, int cols,
                      int panel_px);

// The Markdown table: loss | trained as | test accuracy | intra-class angle |
// min inter-class angle | radial spread | time; `heading` goes above it.
std::string gallery_markdown(const std::vector<GalleryResult>& results, const std::string& heading);

std::string gallery_json(const std::vector<GalleryResult>& results, const std::string& setup);

}  // namespace fg
