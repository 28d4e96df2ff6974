// Center loss (lecture, "Center loss"; Wen et al. 2016).
//
//   L_C = 1/(2m) sum_{i=0}^{m-1} |h(x_i) - c_{y_i}|_2^2
//
// with one centre c_j per class (K x N), used as L_SM + lambda L_C. The slide
// writes 1/2 sum; the mean over the batch, 1/(2m), keeps lambda independent
// of the batch size. How the centres move: losses/center.hpp.
//
// notes: notes/04-euclidean-family.md#45-center-loss
#include "losses/center.hpp"

#include <memory>

#include "core/ops.hpp"
#include "losses/distance.hpp"
#include "losses/euclidean.hpp"
#include "losses/params.hpp"
#include "losses/reader_spec.hpp"
#include "losses/registry.hpp"

namespace fg {

// Gradient (e_i = h_i - c_{y_i}):
//   dL/dh_i = e_i / m
//   dL/dc_j = -1/m sum_{i: y_i = j} e_i      (0 for a class not in the batch)
// A smooth quadratic: no special cases.
Var center_loss(const Var& h, const Var& c, const std::vector<int>& y) {
  const Tensor x = h.value(), cv = c.value();
  check_rows_labels("center_loss", x, y);
  if (cv.dim() != 2 || cv.shape()[1] != x.shape()[1])
    throw Error("center_loss: centres must be K x " + std::to_string(x.shape()[1]) + ", got " +
                shape_str(cv.shape()));
  const int m = x.shape()[0], n = x.shape()[1], K = cv.shape()[0];
  Tensor e(x.shape());  // h_i - c_{y_i}, saved for backward
  double total = 0;
  for (int i = 0; i < m; ++i) {
    if (y[i] < 0 || y[i] >= K)
      throw Error("center_loss: label " + std::to_string(y[i]) + " of sample " + std::to_string(i) +
                  " has no centre (K = " + std::to_string(K) + ")");
    for (int k = 0; k < n; ++k) {
      const double d = double(x.at(i, k)) - cv.at(y[i], k);
      e.at(i, k) = real(d);
      total += d * d;
    }
  }
  const real value = representable_loss("center_loss", total / (2.0 * m), x);
  return make_node("center_loss", Tensor::scalar(value), {h, c},
                   [e, y, m, n, K](Node& self) {
                     const real g = self.grad[0] / real(m);
                     if (self.inputs[0].requires_grad()) {
                       Tensor gh(e.shape());
                       for (int64_t i = 0; i < e.numel(); ++i) gh[i] = g * e[i];
                       accumulate(self.inputs[0], gh);
                     }
                     if (self.inputs[1].requires_grad()) {
                       Tensor gc({K, n});
                       for (int i = 0; i < m; ++i)
                         for (int k = 0; k < n; ++k) gc.at(y[i], k) -= g * e.at(i, k);
                       accumulate(self.inputs[1], gc);
                     }
                   });
}

namespace {

const std::vector<ParamSpec>& center_specs() {
  static const std::vector<ParamSpec> specs = {
      {"alpha_c", "0.5", Range::closed(0, 1),
       "centre update rate of the rule c_j -= alpha_c delta_j"},
      {"init_from_w", "0", Range::flag(),
       "1: start the centres from the class weights W of the objective's first term that has them"},
      {"sgd", "0", Range::flag(),
       "1: the optimizer learns the centres by gradient instead of the rule"},
  };
  return specs;
}

}  // namespace

CenterLoss::CenterLoss(const LossContext& ctx, const ParamReader& r)
    : K_(ctx.num_classes), dim_(ctx.dim) {
  alpha_c_ = real(r.real_value("alpha_c"));
  init_from_w_ = r.flag("init_from_w");
  sgd_ = r.flag("sgd");
  add_parameter("centers", Tensor({K_, dim_}), /*learnable=*/sgd_);
}

Var CenterLoss::forward(const LossInput& in) {
  check_batch("center", in.h, in.y, K_, dim_);
  const Var& c = centers();
  const bool training = grad_enabled();
  if (init_from_w_ && !initialised_ && training && iteration_ == 0) {
    if (!w_source_)
      throw Error(
          "center: init_from_w=1 needs class weights W from another term; use it in an "
          "objective after a term that has them, e.g. softmax+0.01*center:init_from_w=1");
    const Tensor W = w_source_();
    if (W.shape() != c.shape())
      throw Error("center: init_from_w=1 but W has shape " + shape_str(W.shape()) +
                  ", the centres " + shape_str(c.shape()));
    Tensor dst = c->value;  // shares storage with the centres
    for (int64_t i = 0; i < W.numel(); ++i) dst[i] = W[i];
  }
  if (training) initialised_ = true;
  Var loss = center_loss(in.h, c, in.y);
  if (training && !sgd_) {
    // delta_j = sum_{i: y_i = j} (c_j - h_i) / (1 + n_j), from this forward's values.
    const Tensor& x = in.h.value();
    const Tensor& cv = c.value();
    std::vector<int> count(K_, 0);
    for (int j : in.y) ++count[j];
    step_ = Tensor({K_, dim_});
    for (size_t i = 0; i < in.y.size(); ++i) {
      const int j = in.y[i];
      for (int k = 0; k < dim_; ++k)
        step_.at(j, k) += alpha_c_ * (cv.at(j, k) - x.at(int(i), k)) / real(1 + count[j]);
    }
  }
  return loss;
}

void take_pending_step(const Var& centers, Tensor& step) {
  if (step.empty()) return;
  Tensor c = centers->value;  // shares storage
  for (int64_t i = 0; i < c.numel(); ++i) c[i] -= step[i];
  step = Tensor();
}

void CenterLoss::after_step() { take_pending_step(centers(), step_); }

std::string CenterLoss::describe() const {
  return "center alpha_c=" + num_str(alpha_c_) + (sgd_ ? " sgd=1" : "") +
         (init_from_w_ ? " init_from_w=1" : "");
}

LossSpec center_spec() {
  return reader_spec<CenterLoss>(
      "center",
      "Center loss: 1/(2m) sum |h_i - c_{y_i}|^2, centres moved by the rule c_j -= alpha_c delta_j",
      center_specs());
}

}  // namespace fg
