// Center invariant loss (lecture, "Imbalance problem: Center Invariant (CI)
// Loss"; Wu et al. 2017): pull every class centre to the same squared norm,
// so that classes with many images do not own larger regions.
//
//   L_CI = 1/m sum_{i=0}^{m-1} 1/4 (|c_{y_i}|_2^2 - 1/K sum_{j=0}^{K-1} |c_j|_2^2)^2
//
// The slide prints the bracket without the square (and with 1/4 sum over the
// batch); the paper squares it, and so does this code: without the square
// the sum over a balanced batch is identically zero and no centre would move.
// The mean over the batch (1/m) matches the center loss next to it.
//
// notes: notes/04-euclidean-family.md#46-center-invariant-loss
#include <memory>

#include "core/ops.hpp"
#include "losses/center.hpp"
#include "losses/euclidean.hpp"
#include "losses/params.hpp"
#include "losses/reader_spec.hpp"
#include "losses/registry.hpp"

namespace fg {

// Gradient (a_j = |c_j|^2, abar = 1/K sum_j a_j, e_i = a_{y_i} - abar,
// E = sum_i e_i, n_k = the batch's samples of class k):
//   dL/da_k = 1/(2m) sum_i e_i ([y_i = k] - 1/K) = 1/(2m) (n_k (a_k - abar) - E/K)
//   dL/dc_k = 2 c_k dL/da_k = 1/m c_k (n_k (a_k - abar) - E/K)
// Every centre gets a gradient through abar, also those of absent classes.
// The embeddings do not appear: L_CI acts on the centres only.
Var center_invariant_loss(const Var& c, const std::vector<int>& y) {
  const Tensor cv = c.value();
  if (cv.dim() != 2 || cv.shape()[0] < 1)
    throw Error("center_invariant_loss: centres must be a K x N matrix, got " +
                shape_str(cv.shape()));
  if (y.empty()) throw Error("center_invariant_loss: no labels (the batch is empty)");
  const int K = cv.shape()[0], n = cv.shape()[1], m = static_cast<int>(y.size());
  std::vector<double> a(K, 0.0);
  double abar = 0;
  for (int j = 0; j < K; ++j) {
    for (int k = 0; k < n; ++k) a[j] += double(cv.at(j, k)) * cv.at(j, k);
    abar += a[j] / K;
  }
  std::vector<int> count(K, 0);
  double total = 0, E = 0;
  for (int i = 0; i < m; ++i) {
    if (y[i] < 0 || y[i] >= K)
      throw Error("center_invariant_loss: label " + std::to_string(y[i]) + " of sample " +
                  std::to_string(i) + " has no centre (K = " + std::to_string(K) + ")");
    const double e = a[y[i]] - abar;
    total += 0.25 * e * e;
    E += e;
    ++count[y[i]];
  }
  // dL/da_k without the 1/m and the upstream gradient, saved for backward.
  std::vector<double> da(K);
  for (int k = 0; k < K; ++k) da[k] = count[k] * (a[k] - abar) - E / K;
  return make_node("center_invariant_loss", Tensor::scalar(real(total / m)), {c},
                   [cv, da, m, n, K](Node& self) {
                     const double g = self.grad[0] / m;
                     Tensor gc({K, n});
                     for (int j = 0; j < K; ++j)
                       for (int k = 0; k < n; ++k) gc.at(j, k) = real(g * da[j] * cv.at(j, k));
                     accumulate(self.inputs[0], gc);
                   });
}

namespace {

const std::vector<ParamSpec>& ci_specs() {
  static const std::vector<ParamSpec> specs = {
      {"alpha_c", "0.5", Range::closed(0, 1),
       "step size of the centre update (the center term's alpha_c when both are in one objective)"},
      {"sgd", "0", Range::flag(), "1: the optimizer learns the centres by gradient"},
  };
  return specs;
}

}  // namespace

CenterInvariantLoss::CenterInvariantLoss(const LossContext& ctx, const ParamReader& r)
    : K_(ctx.num_classes), dim_(ctx.dim) {
  alpha_c_ = real(r.real_value("alpha_c"));
  sgd_ = r.flag("sgd");
  add_parameter("centers", Tensor({K_, dim_}), /*learnable=*/sgd_);
}

Var CenterInvariantLoss::forward(const LossInput& in) {
  check_batch("center_invariant", in.h, in.y, K_, dim_);
  const Var& c = centers();
  Var loss = center_invariant_loss(c, in.y);
  const bool rule = owner_ ? owner_->rule() : !sgd_;
  if (grad_enabled() && rule) {
    // alpha_c gamma dL_CI/dc at this forward's centres: the gradient of the
    // node itself, taken on a copy of the centres.
    const real alpha = owner_ ? owner_->alpha_c() : alpha_c_;
    Var leaf = fg::param(c.value().clone());
    backward(center_invariant_loss(leaf, in.y));
    step_ = leaf.grad();
    for (int64_t i = 0; i < step_.numel(); ++i) step_[i] *= alpha * gamma_;
  }
  return loss;
}

void CenterInvariantLoss::after_step() { take_pending_step(centers(), step_); }

std::string CenterInvariantLoss::describe() const {
  return "center_invariant" + std::string(owner_ ? "" : " alpha_c=" + num_str(alpha_c_)) +
         (sgd_ ? " sgd=1" : "");
}

LossSpec center_invariant_spec() {
  return reader_spec<CenterInvariantLoss>(
      "center_invariant",
      "Center invariant: 1/m sum 1/4 (|c_{y_i}|^2 - mean_j |c_j|^2)^2 on the centres", ci_specs());
}

}  // namespace fg
