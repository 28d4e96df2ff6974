// One run of the faceid demo: LeNet++ with an N-dimensional embedding
// trained with one objective on the seen classes, then measured on the
// unseen ones (demos/faceid/eval.hpp), with NC1-NC4 of training
// embeddings after every epoch.
//
// Batches: shuffled, or P x K (P classes, K images each) when the objective
// has a pair or triplet term (contrastive, marginal, triplet, tse, tpe),
// which needs positives in every batch.
// Classifier for accuracy and neural collapse: the W of the objective's
// first term that has class weights. For the losses that normalise W
// (normface, coco, asoftmax, amsoftmax, cosface, arcface, combined) the
// classifier is argmax_j cos theta_j, so NC2 (of W), NC3 and NC4 use the unit
// rows W_j / |W_j|; otherwise W as it is, with the bias b when the term has
// one. Without class weights NC2 of W, NC3 and NC4 are not defined and are
// left out, and the seen-class accuracy is nearest class mean by angle.
// NC1-NC4 are measured on the raw embeddings h, also for losses that
// normalise h (their norms then add to the within-class spread of NC1).
//
// Network and optimizer: LeNet++ (optionally with BatchNorm), SGD with
// momentum or Adam, the learning rate decayed to 0 by a cosine over the run;
// weight decay on the network and the loss's matrices, not on its scalars.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "demos/faceid/data.hpp"
#include "demos/explorer/page.hpp"
#include "demos/faceid/eval.hpp"
#include "losses/objective.hpp"

namespace fg {

struct FaceIdRunConfig {
  std::string objective = "softmax";  // losses/objective.hpp syntax
  LossParams extra;                   // term.key=value given outside the string
  int dim = 64;
  std::array<int, 3> widths{32, 64, 128};  // LeNet++ stage widths
  int epochs = 3, batch = 64;
  int pk_P = 0, pk_K = 0;          // 0: chosen (pair/triplet objectives only)
  std::string optimizer = "adam";  // adam | sgd (with `momentum`)
  double lr = 1e-3, weight_decay = 5e-4, momentum = 0.9;
  bool batchnorm = true;  // BatchNorm after every convolution
  uint64_t seed = 1;
  int nc_samples = 600;  // training images embedded for NC1-NC4 each epoch
  int64_t impostor_pairs = 200000;
  int enroll_per_identity = 5;
  int unenrolled = 0;  // 0: a quarter of the unseen classes, at least 1
  bool progress = true, verbose = true;
};

// Epoch 0 is the network at initialisation: only its collapse is measured.
struct EpochRecord {
  int epoch = 0;
  double train_loss = NAN, seen_accuracy = -1, seconds = 0;
  CollapsePoint collapse;
};

struct FaceIdRunResult {
  std::string objective, describe;  // normalised name, and with parameter values
  int dim = 0;
  std::string classifier;  // how W enters accuracy and NC ("cos theta of W", ...)
  std::string batches;     // "shuffled, 64 per step" or "P x K = 6 x 10"
  bool has_classifier = false;
  std::vector<EpochRecord> epochs;
  double train_seconds = 0, eval_seconds = 0;
  VerificationSummary verification;
  IdentificationSummary identification;
  Tensor unseen_h;    // embeddings of the unseen images (for the 2-D picture)
  // dim 2 and 3: 300 of the NC sample's training images after every epoch,
  // with each point's loss and -dL/dh, for explorer.html (demos/explorer)
  ExplorerRun explorer;
  std::string error;  // non-empty: the run failed (diverged) with this message
};

// How the run classifies: as the first term with class weights declares
// (Loss::scoring()); without class weights, the nearest class mean by angle,
// as every evaluation of the run compares embeddings by cosine similarity.
Scoring faceid_scoring(const Objective& obj);

// Trains and measures. Training errors (a diverged run) are caught and
// returned in `error`, with whatever was measured before; other errors throw.
FaceIdRunResult run_faceid(const FaceIdData& data, const FaceIdRunConfig& cfg);

}  // namespace fg
