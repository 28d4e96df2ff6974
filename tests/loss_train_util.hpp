// A few training steps of LeNet++ on one P x K batch of synthetic digits,
// for the "each loss trains and falls" tests: the loss (or objective) is
// evaluated on the batch before and after `steps` SGD steps on it, with
// set_iteration before each forward and after_step after each update, as a
// training loop calls them.
#pragma once

#include <vector>

#include "core/data/batching.hpp"
#include "core/data/digits.hpp"
#include "layers/lenetpp.hpp"
#include "losses/loss.hpp"
#include "optim/sgd.hpp"

namespace fg {

struct BeforeAfter {
  double before = 0, after = 0;
};

// The batch: P = 5 digits x K = 4 images of a 100-image synthetic set.
inline const Batch& digit_batch() {
  static const Batch b = [] {
    const Dataset data = make_digits(100, 3);
    return gather_batch(data, PKSampler(data.labels, 5, 4, 9).batch(0));
  }();
  return b;
}

// LeNet++ with narrow stages (8, 16, 32 channels: the same layers, quicker)
// and an embedding of `dim`; the loss's own parameters (W, T, s) are trained
// with it, by SGD with momentum 0.9 at the learning rate lr.
inline BeforeAfter train_lenet(Loss& loss, int dim, double lr, int steps = 12) {
  LeNetPPOptions o;
  o.embedding_dim = dim;
  o.widths = {8, 16, 32};
  o.seed = 11;
  LeNetPP net(o);
  const Batch& b = digit_batch();
  auto value = [&] {
    return double(loss.forward({net(constant(b.images)), b.labels, nullptr}).value()[0]);
  };
  BeforeAfter r;
  {
    NoGrad off;
    r.before = value();
  }
  std::vector<NamedVar> params = net.parameters();
  for (auto& p : loss.parameters()) params.push_back(p);
  SGD sgd(params, lr, /*momentum=*/0.9);
  for (int t = 0; t < steps; ++t) {
    loss.set_iteration(t);
    Var L = loss.forward({net(constant(b.images)), b.labels, nullptr});
    sgd.zero_grad();
    backward(L);
    sgd.step();
    loss.after_step();
  }
  NoGrad off;
  r.after = value();
  return r;
}

}  // namespace fg
