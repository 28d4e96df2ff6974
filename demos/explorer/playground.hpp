// The margin playground's numbers: psi(theta), p_y and the smallest scale s
// that reaches a target p_y, for ArcFace, CosFace and SphereFace, computed by
// the losses' own psi functions and the margin-softmax node over a grid. The
// page only looks them up and interpolates (demos/explorer/page.hpp).
//
// The geometry, stated once: K class weights evenly spread on a circle,
// W_k at angle 2 pi k / K, the target class y = 0. A feature at angle theta
// from W_0, turned towards W_1, has cos theta_k = cos(2 pi k / K - theta) to
// class k. Then
//   p_y(theta) = e^{s psi(theta)} / (e^{s psi(theta)} + sum_{k != 0} e^{s cos theta_k})
// is exp(-L) of the margin-softmax node on that one row. The smallest s is for
// a feature on its own W_0 (theta = 0); it exists only when psi(0) is larger
// than the nearest other cosine, cos(2 pi / K): for ArcFace m < 2 pi / K.
#pragma once

#include <string>

#include "losses/margin_softmax.hpp"

namespace fg {

// One sample through the margin-softmax node, for plotting against theta: the
// target class at angle theta from h, the K - 1 others all at cosine c_other,
// one scale s. psi is t.psi(cos theta), p_y = exp(-L), and dL/dtheta_y =
// -sin theta dL/dcos theta_y with dL/dcos theta_y taken from the node's own
// backward (which applies t.dpsi).
struct TargetRow {
  double psi = 0, p_y = 0, dL_dtheta = 0;
};
TargetRow target_row(const TargetLogit& t, double theta, double s, int K, double c_other);

// The grid as one JSON object (losses, their m grids, K, s and theta grids,
// psi, p_y, the smallest s per target), for embedding in a page.
std::string margin_playground_json();

// p_y of the geometry above for one loss ("arcface", "cosface", "sphereface"),
// margin m, K classes, scale s and theta (radians); through the node.
double playground_py(const std::string& loss, double m, int K, double s, double theta);

}  // namespace fg
