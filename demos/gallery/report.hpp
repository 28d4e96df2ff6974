// What the gallery writes once every loss has trained: the comparison image
// (one column per loss: raw features above, normalised below), the Markdown
// table and the same numbers as JSON. With several seeds (build/gallery
// --seeds N) each number of the table is a mean and the half-width of its
// 95% interval (demos/gallery/interval.hpp), and the JSON keeps every seed's.
#pragma once

#include <cstdint>
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
  uint64_t seed = 0;       // initialisation and data order
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
// runs[i] is loss i under each seed, every loss with the same seeds: one
// seed gives the values, several "mean ± half-width" over the seeds that
// finished (a seed that stopped is named in the note).
std::string gallery_markdown(const std::vector<std::vector<GalleryResult>>& runs, const std::string& heading);

// One seed: {"setup", "losses": [{"label", ..., "test_accuracy", ...}]}.
// Several: each loss's numbers are the means, with "half_width95" (the same
// keys), "seeds_ok" and "per_seed" (every seed's own numbers) beside them,
// and "seeds" and "interval" at the top.
std::string gallery_json(const std::vector<std::vector<GalleryResult>>& runs, const std::string& setup);

// One seed, each result its own line (the same as {{r} for r in results}).
std::string gallery_markdown(const std::vector<GalleryResult>& results, const std::string& heading);
std::string gallery_json(const std::vector<GalleryResult>& results, const std::string& setup);

}  // namespace fg
