// Numbers that say what a feature picture shows, for metrics.json and the
// gallery's table. All angles are in degrees, measured between directions,
// so they mean the same thing for raw and for normalised features.
//
//   class direction   d_j = mean_{i: y_i = j} h_i / |h_i|, then d_j / |d_j|
//                     (the class centre on the unit sphere)
//   intra-class angle mean over samples of angle(h_i, d_{y_i}): how wide a
//                     class is (small: compact spokes)
//   inter-class angle min over pairs j < k of angle(d_j, d_k): the narrowest
//                     gap between two classes (10 classes evenly spread on a
//                     circle give 36 degrees)
//   radial spread     within each class j, the standard deviation of |h_i|
//                     (over the class's n_j samples, dividing by n_j) over its
//                     mean, averaged over the classes present: how far a
//                     class stretches along its direction (large: softmax's
//                     spokes; small: center loss's blobs; 0 on a sphere)
//
// Rows that are zero or not finite are left out; classes without samples
// have no direction and take no part.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace fg {

// The angle between two vectors of n numbers, in degrees (0 when either is zero).
double angle_deg(const real* a, const real* b, int n);

// d_j of each class 0..K-1 (K x N), and which classes have one.
struct ClassDirections {
  Tensor d;                  // K x N, unit rows (zero for a class without samples)
  std::vector<bool> present; // K
};
ClassDirections class_directions(const Tensor& H, const std::vector<int>& y, int K);

struct FeatureMetrics {
  double intra_deg = 0;      // mean angle of a sample to its class direction
  double min_inter_deg = 0;  // smallest angle between two class directions
  double mean_norm = 0;      // mean |h_i| (how far from the origin the features sit)
  double radial_spread = 0;  // mean over classes of std(|h_i|) / mean(|h_i|)
  int samples = 0;           // rows that took part
};
// H (m x N), labels y in 0..K-1. Needs at least one usable row; with fewer
// than two classes present min_inter_deg is 0.
FeatureMetrics feature_metrics(const Tensor& H, const std::vector<int>& y, int K);

// Angles (degrees) between pairs of rows of H: same-class pairs and
// different-class pairs, at most `max_pairs` of each, drawn from the seed
// (for the histogram of a run whose features have more than three dimensions).
struct PairAngles {
  std::vector<double> same, different;
};
PairAngles pair_angles(const Tensor& H, const std::vector<int>& y, int max_pairs, uint64_t seed);

// The top-two principal axes of the rows of H (m x N, N >= 2) about their
// mean: `axes` 2 x N, unit rows, each signed to point along (1, 1, ..., 1) so
// pictures do not flip between runs. Rows that are not finite are left out.
struct PrincipalAxes {
  std::vector<double> mean;               // N
  std::vector<std::vector<double>> axes;  // 2 rows of N
};
PrincipalAxes principal_axes2(const Tensor& H);

// H centred and projected on those axes (m x 2), for drawing features of more
// than three dimensions.
Tensor project_pca2(const Tensor& H);

}  // namespace fg
