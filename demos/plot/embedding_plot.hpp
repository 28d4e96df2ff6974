// The feature-space pictures of the lecture, built on demos/plot/plot.hpp.
//
//   Figure fig(2, 1, 600, 600);
//   fig.panel(0) = embedding_scatter(H, y, names, "ArcFace: test features");
//   add_weight_rays(fig.panel(0), W);                      // optional
//   fig.panel(1) = normalized_scatter(H, y, names, &W, "normalised");
//   fig.panel(1).regions(cosine_classifier(W));           // optional background
//   fig.save_png(out + "/test_features.png");
//
// H is m x 2 (m x 3 for the sphere), one embedding a row; y holds the m class
// labels; W is K x 2 (K x 3), row W_j the weight of class j, as in the
// lecture. Rows with a non-finite value are skipped.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "demos/plot/plot.hpp"

namespace fg {

// Column j of a 2-D tensor as doubles.
std::vector<double> tensor_column(const Tensor& t, int j);

// The raw features: a scatter coloured by class, equal aspect, legend with
// the class names.
Plot embedding_scatter(const Tensor& H, const std::vector<int>& y,
                       const std::vector<std::string>& names = {}, const std::string& title = "",
                       uint64_t seed = 1);

struct NormalizedOpts {
  double jitter = 0.06;   // radii spread uniformly over [1 - jitter, 1 + jitter]
  bool centres = true;    // mark each class's mean direction on the circle
  double ray_length = 1.3;  // the W_j rays, in units of the circle's radius
  uint64_t seed = 1;      // drawing order and jitter
};

// The normalised view: each h at its angle on the unit circle, jittered
// radially so density shows; each class's W_j drawn from the origin in its
// colour (when W is given); class mean directions marked with diamonds.
Plot normalized_scatter(const Tensor& H, const std::vector<int>& y,
                        const std::vector<std::string>& names, const Tensor* W,
                        const std::string& title = "", const NormalizedOpts& o = {});

// Rays from the origin along each row W_j, in class j's colour, `length`
// long in data units (0: |W_j| itself).
void add_weight_rays(Plot& p, const Tensor& W, double length = 0);
// Marks the rows of C (K x 2, e.g. the centres of center loss) as diamonds in
// the class colours.
void add_class_centres(Plot& p, const Tensor& C, const std::string& label = "");

// Classifiers for Plot::regions: argmax_j W_j . h + b_j (b may be null), and
// argmax_j cos(theta_j) = W_j . h / |W_j| (the head of the normalised losses).
std::function<int(double, double)> linear_classifier(const Tensor& W, const Tensor* b = nullptr);
std::function<int(double, double)> cosine_classifier(const Tensor& W);

struct SphereView {
  double yaw_deg = 35, pitch_deg = 25;  // turn about the vertical axis, then tilt toward the viewer
  bool show_back = true;                // points behind the sphere, faint
  uint64_t seed = 1;
};

// 3-D features on a shaded unit sphere (each h normalised), orthographic
// view; the front hemisphere in full colour, the back faded or hidden; W's
// rows (K x 3, optional) as rays from the centre.
Plot sphere_scatter(const Tensor& H, const std::vector<int>& y,
                    const std::vector<std::string>& names = {}, const Tensor* W = nullptr,
                    const std::string& title = "", const SphereView& v = {});

}  // namespace fg
