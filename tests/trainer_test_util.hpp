// A small training set-up for the trainer tests: a narrow LeNet++ with a
// 2-D (or N-D) embedding, a softmax head that can be told to misbehave,
// and SGD with momentum and weight decay.
#pragma once

#include <cmath>
#include <limits>
#include <memory>

#include "core/ops.hpp"
#include "core/random.hpp"
#include "layers/lenetpp.hpp"
#include "losses/loss.hpp"
#include "optim/sgd.hpp"

namespace fg_test {

// LeNet++ reduced to widths 4/8/8: the same layers, a fraction of the work.
inline std::unique_ptr<fg::LeNetPP> tiny_net(uint64_t seed, int dim) {
  fg::LeNetPPOptions o;
  o.embedding_dim = dim;
  o.widths = {4, 8, 8};
  o.seed = seed;
  return std::make_unique<fg::LeNetPP>(o);
}

// Cross-entropy on the logits h W^T (W: 10 x dim, learnable). At iteration
// `poison_at` it returns NaN (poison_loss) or its value plus sqrt(sum(0 * h)),
// which is 0 with an infinite-then-NaN gradient. hide_W keeps W out of
// class_weights(), like a loss without a classifier.
class TestSoftmax : public fg::Loss {
 public:
  TestSoftmax(uint64_t seed, int dim) {
    fg::Rng rng(seed);
    W = fg::param(fg::Tensor::randn({10, dim}, rng, 0, 0.5));
  }
  std::string name() const override { return "test-softmax"; }
  std::vector<fg::NamedVar> parameters() override { return {{"W", W}}; }
  void set_iteration(int64_t t) override { t_ = t; }
  fg::Tensor class_weights() const override { return hide_W ? fg::Tensor() : W.value(); }
  fg::Var forward(const fg::LossInput& in) override {
    if (fg::grad_enabled()) last_y = in.y;
    fg::Var logits = fg::matmul(in.h, W, false, true);
    fg::Var L = fg::neg(fg::mean(fg::gather(fg::log_softmax(logits), in.y)));
    if (t_ == poison_at) {
      if (poison_loss) return fg::mul(L, std::numeric_limits<fg::real>::quiet_NaN());
      return fg::add(L, fg::sqrt(fg::sum(fg::mul(in.h, fg::real(0)))));
    }
    return L;
  }
  fg::Var W;
  int64_t poison_at = -1;
  bool poison_loss = true, hide_W = false;
  std::vector<int> last_y;  // labels of the last training batch

 private:
  int64_t t_ = 0;
};

// A model, a loss and an optimizer over both, initialised from `seed`.
struct TinyRun {
  explicit TinyRun(uint64_t seed, int dim = 2) : rng(seed + 1000) {
    model = tiny_net(seed, dim);
    loss = std::make_unique<TestSoftmax>(seed + 1, dim);
    std::vector<fg::NamedVar> ps = model->parameters();
    for (auto& p : loss->parameters()) ps.emplace_back("loss." + p.first, p.second);
    opt = std::make_unique<fg::SGD>(ps, 0.05, 0.9, 5e-4);
  }
  fg::Rng rng;
  std::unique_ptr<fg::LeNetPP> model;
  std::unique_ptr<TestSoftmax> loss;
  std::unique_ptr<fg::Optimizer> opt;
};

}  // namespace fg_test
