// feature2d --grad-field: where the loss moves each feature and each class
// weight, drawn on the two panels of the feature figure (raw | normalised).
//
//   on a sample of points   the arrow -dL_i/dh_i of that point's own loss
//                           (demos/explorer/probe.hpp: the objective's forward
//                           and backward on the point alone)
//   on each class weight    the arrow -dL/dW_j of the sample's mean loss
//                           (black, at the tip of W_j)
//
// Arrow lengths are scaled per panel so the longest point arrow is 12% of the
// view's radius (the longest W arrow 25%): directions and relative lengths
// are exact, absolute lengths are not.
//
// Objectives with a pair or triplet term have no loss of one point alone:
// for them pk_P > 0 and pk_K > 0 draw one P x K batch of the points as
// training draws it (core/data/batching.hpp's PKSampler), and the arrows are
// -dL/dh_i of that batch's loss (batch_push); the batch's points that take
// part in an active pair or triplet (a nonzero gradient) are ringed in black.
// 2-D features only.
#pragma once

#include <string>

#include "demos/features/views.hpp"
#include "demos/plot/plot.hpp"
#include "losses/objective.hpp"

namespace fg {

// s: the features (at most `points` of them drawn, a fixed random subset).
Figure grad_field_figure(Objective& obj, const FeatureSnapshot& s, const std::string& title, int points,
                         int pk_P = 0, int pk_K = 0);

}  // namespace fg
