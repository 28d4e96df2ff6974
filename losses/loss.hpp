// Loss: the interface every lecture loss implements.
//
// A loss maps a batch of m embeddings h (m x N) with labels y to one number,
// the mean over the batch (or over its pairs or triplets). It owns its
// learnable parameters (class weights "W", a scale "s", "alpha", a projection
// "T", centres "centers") and its schedules (L-Softmax's lambda annealing, a
// margin warm-up), and is built by name from key=value parameters through the
// registry (losses/registry.hpp).
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/graph.hpp"

namespace fg {

using Triplet = std::array<int, 3>;  // anchor, positive, negative (batch indices)

// How a loss classifies, so that accuracy, decision regions and evaluation
// compare embeddings the way the loss trained them:
//   Dot     argmax_j W_j . h (softmax, L-Softmax); without class weights, the
//           nearest class mean by Euclidean distance (center, TSE, TPE)
//   Cosine  argmax_j cos theta_j (the losses that normalise W and h: NormFace,
//           the angular family, CoCo); without class weights, the nearest
//           class mean by angle (triplet and contrastive with normalize=1)
enum class Scoring { Dot, Cosine };

struct LossInput {
  Var h;                                         // m x N embeddings
  std::vector<int> y;                            // m labels in 0..K-1
  const std::vector<Triplet>* triplets = nullptr;  // explicit triplets, used as given
};

// What a loss needs to know to create its parameters.
struct LossContext {
  int num_classes = 10;   // K
  int dim = 2;            // N, the embedding dimension
  uint64_t seed = 0;      // initialisation
};

class Loss {
 public:
  virtual ~Loss() = default;
  virtual std::string name() const = 0;
  // The loss of one batch: a one-element Var.
  virtual Var forward(const LossInput& in) = 0;
  // Learnable parameters by name ("W", "s", "alpha", "T", "centers").
  virtual std::vector<NamedVar> parameters() { return {}; }
  // Replaces a parameter by name, learnable or fixed: from the next forward on
  // the loss computes with `value` itself (the same node), so its gradient lands
  // in value.grad(). losscalc sets W, T or centers from files this way; tests
  // bind the leaves of a gradient check. Unknown name or wrong shape: fg::Error.
  virtual void set_parameter(const std::string& key, const Var& value) {
    throw Error(name() + " has no parameter '" + key + "' to set");
  }
  // The training iteration t, for schedules (called before each forward).
  virtual void set_iteration(int64_t t) {}
  // Called after the optimizer step, for updates that are not gradient
  // descent (the centre loss's own centre update).
  virtual void after_step() {}
  // Name and parameter values, for plot titles and logs: "arcface s=64 m=0.5".
  virtual std::string describe() const { return name(); }
  // The classifier rows W (K x N) if the loss has one (for decision regions,
  // classification accuracy and neural-collapse metrics); empty otherwise.
  virtual Tensor class_weights() const { return Tensor(); }
  // How this loss classifies (see Scoring). Losses that normalise W or h
  // override it; CosineLoss, the base of every cosine-margin loss, says Cosine.
  virtual Scoring scoring() const { return Scoring::Dot; }
  // The target logit psi(cos theta_y) in force now, for losses built on one
  // (the angular family: CosineLoss and L-Softmax/A-Softmax); empty for the
  // others. Tools read it (the explorer's hover numbers); training does not.
  virtual std::function<double(double)> target_logit() const { return {}; }
};

using LossParams = std::map<std::string, std::string>;  // key=value as written

}  // namespace fg
