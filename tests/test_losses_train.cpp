// "All ten losses train": each softmax-family and angular loss, built by name
// through the registry with the lecture's defaults, trains a linear map from
// synthetic digits (28 x 28) to 8-D embeddings for a few steps of plain SGD,
// and its loss on a fixed batch falls.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/data/digits.hpp"
#include "loss_test_util.hpp"

using namespace fg;
using namespace fg_test;

namespace {

struct Run {
  double before = 0, after = 0;
};

// Trains h = x A + b (A: 784 x N) and the loss's own parameters with
// p <- p - lr grad, on batches of 50, and returns the loss of the first 100
// images (the same iteration t for both, so annealed lambda does not move
// between the two measurements).
Run train(const std::string& name, const LossParams& params, double lr, int steps) {
  static const Dataset data = make_digits(500, 42);
  const int D = 28 * 28, N = 8, K = 10;
  Rng rng(3);
  Var A = param(Tensor::randn({D, N}, rng, 0, real(1 / std::sqrt(double(D)))));
  Var b = param(Tensor({N}));
  auto loss = make_loss(name, params, LossContext{K, N, 5});
  std::vector<Var> learn{A, b};
  for (auto& kv : loss->parameters()) learn.push_back(kv.second);

  auto batch = [&](int start, int count) {
    Tensor x({count, D});
    std::vector<int> y(count);
    for (int i = 0; i < count; ++i) {
      for (int k = 0; k < D; ++k) x.at(i, k) = data.images[int64_t(start + i) * D + k];
      y[i] = data.labels[start + i];
    }
    return std::make_pair(constant(x), y);
  };
  auto eval = [&]() {
    NoGrad off;
    auto xy = batch(0, 100);
    loss->set_iteration(steps);
    return double(loss->forward(LossInput{matmul(xy.first, A) + b, xy.second, nullptr}).value()[0]);
  };
  Run r;
  r.before = eval();
  for (int t = 0; t < steps; ++t) {
    auto xy = batch((t * 50) % 500, 50);
    loss->set_iteration(t);
    Var L = loss->forward(LossInput{matmul(xy.first, A) + b, xy.second, nullptr});
    zero_grad(learn);
    backward(L);
    for (Var& p : learn) {
      Tensor v = p->value;  // shares storage
      const Tensor& g = p.grad();
      for (int64_t i = 0; i < v.numel(); ++i) v[i] -= real(lr) * g[i];
    }
  }
  r.after = eval();
  return r;
}

}  // namespace

TEST_CASE("all ten losses train a linear map on digits", "[losses][softmax-family][angular]") {
  struct Case {
    const char* name;
    double lr;
  };
  const Case cases[] = {{"softmax", 0.5},  {"l2softmax", 0.5}, {"normface", 0.5}, {"coco", 0.5},
                        {"lsoftmax", 0.5}, {"asoftmax", 0.5},  {"amsoftmax", 0.1}, {"cosface", 0.05},
                        {"arcface", 0.05}, {"combined", 0.05}};
  for (const Case& c : cases) {
    const Run r = train(c.name, {}, c.lr, 25);
    INFO(c.name << ": loss " << r.before << " -> " << r.after);
    CHECK(std::isfinite(r.after));
    CHECK(r.after < 0.5 * r.before);
  }
}
