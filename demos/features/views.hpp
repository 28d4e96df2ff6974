// The pictures of one trained feature space, as feature2d, gallery and
// figures draw them (built on demos/plot/embedding_plot.hpp):
//
//   dim 2   raw features (decision regions of W as a light background, the
//           centres of a center term as diamonds) | the normalised view (each
//           h on the unit circle, the W_j rays, class mean directions)
//   dim 3   the features on the sphere, seen from their mean direction |
//           from the opposite side
//   dim > 3 no picture can show them whole: the raw panel is the projection
//           on the top-two principal axes, the second panel the histogram of
//           angles between same-class and different-class pairs, measured in
//           all N dimensions
//
// Decision regions are drawn where the loss has class weights W: argmax_j
// W_j . h for dot scoring, argmax_j cos theta_j for angular scoring (bias-free,
// so both are cones from the origin and the same on both panels).
#pragma once

#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "demos/plot/plot.hpp"
#include "demos/train/trainer.hpp"

namespace fg {

struct FeatureSnapshot {
  Tensor H;                        // m x N features
  std::vector<int> y;              // m labels
  Tensor W;                        // K x N class weights, or empty
  Tensor C;                        // K x N centres of a center term, or empty
  Scoring scoring = Scoring::Dot;
  std::vector<std::string> names;  // class names for the legend
  int max_points = 10000;          // draw at most this many (a fixed random subset)
  uint64_t seed = 1;
};

// The two panels described above, titled `title` + " (raw)" / " (normalised)" etc.
Plot raw_panel(const FeatureSnapshot& s, const std::string& title);
Plot second_panel(const FeatureSnapshot& s, const std::string& title);

// A 2 x 1 figure of both panels, panel_px x panel_px each, with an overall title.
Figure feature_figure(const FeatureSnapshot& s, const std::string& title, const std::string& what,
                      int panel_px = 560);

// The subset of rows drawn when a snapshot holds more than max_points.
FeatureSnapshot thin_snapshot(const FeatureSnapshot& s);

}  // namespace fg
