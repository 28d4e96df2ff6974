// What the explorer (and feature2d --grad-field) shows for single points:
// each number comes from the objective's own forward and backward, never from
// a formula typed again here.
//
//   loss_i        the objective's forward on a batch of the one point (h_i, y_i)
//   -dL_i/dh_i    minus the gradient that forward's backward leaves in h_i
//   theta_y       the angle between h_i and W_{y_i} (or the centre c_{y_i} when
//                 the objective has no class weights)
//   psi(theta_y)  the target logit of the first term, for the angular family
//                 (CosineLoss: NormFace ... combined margin) and the large-margin
//                 losses (L-Softmax, A-Softmax), at the current iteration
//                 (margin warm-up and lambda annealing included); NaN otherwise
//
// Pair and triplet terms need a batch with more than one point: for an
// objective with one (objective_needs_pk) probe_points leaves the per-point
// loss and gradient NaN and `note` says why (so it does when a forward on one
// point fails); probe_pk_batches then gives each point the numbers of the
// P x K batch it is drawn in, as training draws it.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "losses/objective.hpp"

namespace fg {

struct PointProbes {
  std::vector<double> loss;       // m
  std::vector<double> theta_deg;  // m, NaN without W or centres
  std::vector<double> psi;        // m, NaN outside the margin family
  Tensor neg_grad;                // m x N: -dL_i/dh_i
  std::string note;               // empty, or why loss/grad are NaN, or where they come from
  std::vector<int> batch;         // m (probe_pk_batches): the batch each point's numbers are from, -1 none
  std::string batch_shape;        // "10 x 12" (probe_pk_batches): P identities x K points each
};

// H (m x N) with labels y; W (K x N) the objective's class weights or its
// centres (empty: no angles). The objective's parameter gradients are zeroed
// afterwards, so this may run between training steps.
PointProbes probe_points(Objective& obj, const Tensor& H, const std::vector<int>& y, const Tensor& W);

// Pair and triplet objectives: the points (H, y) drawn into P x K batches as
// training draws them (core/data/batching.hpp's PKSampler with this seed),
// batch 0, 1, ... until every point is drawn (at most eight passes,
// PKSampler::batches_per_epoch each: a batch draws its identities at random,
// so one pass misses some points). A point drawn
// gets, from the first batch it is in, that batch's loss and minus the
// gradient of that loss with respect to it (summed over its copies when a
// class with fewer than K points repeats it): zero when it is in no active
// pair or triplet. Points never drawn keep NaN. Sets p.batch and p.note; the
// objective's parameter gradients are zeroed afterwards.
void probe_pk_batches(Objective& obj, const Tensor& H, const std::vector<int>& y, int P, int K, uint64_t seed,
                      PointProbes& p);

// The objective's psi(c = cos theta_y) of its first term, if it has one.
bool has_target_logit(const Objective& obj);
double target_logit(const Objective& obj, double cos_theta);

// The mean loss over the batch (H, y) and minus its gradient with respect to
// each learnable K x N matrix of class weights (the first "W" parameter):
// -dL/dW (K x N), empty when the objective has none or cannot take the batch.
Tensor class_weight_push(Objective& obj, const Tensor& H, const std::vector<int>& y);

// Minus the gradient of the batch's mean loss with respect to each of its
// points (m x N), for pair and triplet objectives, whose loss lives on the
// batch rather than on one point: a point that takes part in no active pair
// or triplet gets a zero row. The parameter gradients are zeroed afterwards.
Tensor batch_push(Objective& obj, const Tensor& H, const std::vector<int>& y);

}  // namespace fg
