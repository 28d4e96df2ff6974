// What the softmax-family and angular loss tests share: building a loss
// through the registry, binding its parameters to the leaves of a gradient
// check, the cross-entropy written with primitive ops, the stability
// battery and a short training run.
//
// Checking a new loss takes about five lines:
//   LossCase c("myloss", {{"s", "30"}}, /*K=*/4, /*N=*/3, /*m=*/6);
//   REQUIRE_PASSES(c.gradcheck());
//   REQUIRE_PASSES(c.crosscheck([&](auto& v) { return my_composition(v[0], v[1], c.y); }));
// (REQUIRE_PASSES, tests/check_util.hpp: a failure prints the worst entry.)
#pragma once

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/gradcheck.hpp"
#include "tests/check_util.hpp"
#include "core/ops.hpp"
#include "core/random.hpp"
#include "losses/registry.hpp"

namespace fg_test {

using namespace fg;

inline Tensor random_matrix(int rows, int cols, uint64_t seed, real lo = -1, real hi = 1) {
  Rng r(seed);
  return Tensor::uniform({rows, cols}, r, lo, hi);
}

// m labels covering 0..K-1 as evenly as possible, in a seeded order.
inline std::vector<int> spread_labels(int m, int K, uint64_t seed) {
  std::vector<int> y(m);
  for (int i = 0; i < m; ++i) y[i] = i % K;
  Rng r(seed);
  r.shuffle(y);
  return y;
}

// mean_i ( log sum_j e^{z_ij} - z_{i,y_i} ): the cross-entropy from primitive ops.
inline Var primitive_cross_entropy(const Var& z, const std::vector<int>& y) {
  return mean(logsumexp(z) - gather(z, y));
}

// The logits a * c with the target entries replaced by a * psi_y:
//   z = a c + scatter(a_y (psi_y - c_y))    (a: [1], [m, 1] or [m, K])
inline Var replace_target(const Var& a, const Var& c, const Var& psi_y, const std::vector<int>& y) {
  const int m = c.shape()[0], K = c.shape()[1];
  Var a_full = a * constant(Tensor::ones({m, K}));  // broadcast to m x K
  Var shift = gather(a_full, y) * (psi_y - gather(c, y));
  return a_full * c + scatter(shift, y, K);
}

// cos theta = l2_normalize(h) l2_normalize(W)^T from primitive ops.
inline Var primitive_cosine(const Var& h, const Var& W) {
  return matmul(l2_normalize(h), l2_normalize(W), false, true);
}

// One loss on one random batch, with the leaves of a check bound to its
// learnable parameters (in the order of parameters()).
struct LossCase {
  std::string name;
  LossParams params;
  int K, N, m;
  std::shared_ptr<Loss> loss;
  std::vector<int> y;
  Tensor h;
  std::vector<std::string> keys;  // the learnable parameters, bound to v[1..]

  LossCase(std::string name_, LossParams p, int K_ = 4, int N_ = 3, int m_ = 7,
           uint64_t seed = 1)
      : name(std::move(name_)), params(std::move(p)), K(K_), N(N_), m(m_) {
    loss = make_loss(name, params, LossContext{K, N, seed});
    y = spread_labels(m, K, seed + 10);
    h = random_matrix(m, N, seed + 20);
    for (const auto& kv : loss->parameters()) keys.push_back(kv.first);
  }

  // h, then the current value of each learnable parameter.
  std::vector<Tensor> inputs() const {
    std::vector<Tensor> in{h};
    for (const auto& kv : loss->parameters()) in.push_back(kv.second.value().clone());
    return in;
  }
  int index_of(const std::string& key) const {
    for (size_t k = 0; k < keys.size(); ++k)
      if (keys[k] == key) return int(k) + 1;
    return -1;
  }
  // The loss as a function of (h, parameters...).
  TestFn fn() const {
    auto L = loss;
    auto ks = keys;
    auto labels = y;
    return [L, ks, labels](const std::vector<Var>& v) {
      for (size_t k = 0; k < ks.size(); ++k) L->set_parameter(ks[k], v[k + 1]);
      return L->forward(LossInput{v[0], labels, nullptr});
    };
  }
  CheckResult gradcheck() const { return fg::gradcheck(fn(), inputs()); }
  CheckResult crosscheck(const TestFn& composition) const {
    return fg::crosscheck(fn(), composition, inputs());
  }
};

inline bool all_finite(const Tensor& t) {
  for (int64_t i = 0; i < t.numel(); ++i)
    if (!std::isfinite(double(t[i]))) return false;
  return true;
}

// Forward and backward of `loss` on (h, y): the loss value, and whether the
// loss and every gradient (h and each learnable parameter) are finite.
struct Outcome {
  double value = 0, max_grad = 0;
  bool finite = true;
};
inline Outcome run_once(Loss& loss, const Tensor& h, const std::vector<int>& y) {
  for (auto& kv : loss.parameters())
    if (!kv.second->grad.empty()) kv.second->grad.fill(0);
  Var hv = param(h.clone());
  Var L = loss.forward(LossInput{hv, y, nullptr});
  backward(L);
  Outcome o;
  o.value = L.value()[0];
  o.finite = std::isfinite(o.value);
  std::vector<Tensor> grads{hv.grad()};
  for (auto& kv : loss.parameters()) grads.push_back(kv.second.grad());
  for (const Tensor& g : grads) {
    o.finite = o.finite && all_finite(g);
    for (int64_t i = 0; i < g.numel(); ++i) o.max_grad = std::max(o.max_grad, std::abs(double(g[i])));
  }
  return o;
}

// The stability battery: each case, by name, with its inputs.
struct BatteryCase {
  std::string what;
  Tensor h;
  std::vector<int> y;
};
inline std::vector<BatteryCase> battery_cases(const Tensor& W, int K, int N) {
  std::vector<BatteryCase> cases;
  const int m = 2 * K;
  const std::vector<int> y = spread_labels(m, K, 3);
  auto rows_of_W = [&](real sign) {  // h_i = +-W_{y_i}: cos theta_{y_i} = +-1, theta = 0 or pi
    Tensor h({m, N});
    for (int i = 0; i < m; ++i)
      for (int k = 0; k < N; ++k) h.at(i, k) = sign * W.at(y[i], k);
    return h;
  };
  cases.push_back({"h_i = W_{y_i} (cos theta = 1, theta = 0)", rows_of_W(1), y});
  cases.push_back({"h_i = -W_{y_i} (cos theta = -1, theta = pi)", rows_of_W(-1), y});
  Tensor same({m, N});
  for (int i = 0; i < m; ++i)
    for (int k = 0; k < N; ++k) same.at(i, k) = real(0.3 + 0.1 * k);
  cases.push_back({"identical embeddings", same, y});
  Tensor zero = random_matrix(m, N, 5);
  for (int k = 0; k < N; ++k) zero.at(1, k) = 0;
  cases.push_back({"a zero embedding", zero, y});
  for (const char* norm_text : {"1e6", "1e-12"}) {
    const double norm = std::stod(norm_text);
    Tensor t = random_matrix(m, N, 6);
    for (int i = 0; i < m; ++i) {
      double s2 = 0;
      for (int k = 0; k < N; ++k) s2 += double(t.at(i, k)) * t.at(i, k);
      for (int k = 0; k < N; ++k) t.at(i, k) = real(t.at(i, k) * norm / std::sqrt(s2));
    }
    cases.push_back({std::string("norms ") + norm_text, t, y});
  }
  cases.push_back({"a single sample", random_matrix(1, N, 7), {K - 1}});
  cases.push_back({"all samples of one class", random_matrix(m, N, 8), std::vector<int>(m, 0)});
  return cases;
}

}  // namespace fg_test
