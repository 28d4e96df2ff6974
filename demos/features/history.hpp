// What a feature demo records after each epoch, its metrics.json and its
// training curves.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "demos/cli/json_text.hpp"
#include "demos/plot/plot.hpp"
#include "demos/train/trainer.hpp"

namespace fg {

struct FeatureEpoch {
  int epoch = 0;               // 0: before training
  double train_loss = NAN, train_accuracy = NAN;
  double test_loss = NAN, test_accuracy = NAN;
  double intra_deg = NAN;      // demos/features/metrics.hpp, on the test features
  double min_inter_deg = NAN;
  double mean_norm = NAN;
  double radial_spread = NAN;
  double seconds = 0, images_per_second = 0;
};

// The record of an epoch: the trainer's numbers and the angles of the test
// features (K classes). Epoch stats without test features give NaN angles.
FeatureEpoch record_epoch(const EpochStats& s, int K);
// The record of embeddings alone (epoch 0, before training; a final evaluation).
FeatureEpoch record_embeddings(const Embeddings& e, int K, int epoch);

// One JSON object a record, for metrics.json's "per_epoch" array.
std::string record_json(const FeatureEpoch& r);

// Loss, accuracy and the two angles against the epoch, three panels.
Figure curves_figure(const std::vector<FeatureEpoch>& history, const std::string& title);

}  // namespace fg
