// L2-Softmax, L2-constrained softmax (lecture, "L_2-SoftMax"; R. Ranjan et al. 2017).
//
//   L_SM = -1/m sum_{i=0}^{m-1} log( e^{<W_{y_i}, h(x_i)> + b_{y_i}} / sum_{j=1}^{K} e^{<W_j, h(x_i)> + b_j} )
//          s.t. |h(x_i)|_2 = alpha  for all i
//
// The constraint is built in as a scale layer h'(x) = alpha h(x) / |h(x)|_2,
// so the logits are <W_j, alpha h_i / |h_i|> + b_j. alpha is one learnable
// number (learn_alpha=0 fixes it), started at alpha_low(p, K) with p = 0.9
// unless alpha= is given; the bias is off by default (bias=1 adds it).
//
// alpha_low (the slide's bound). With K < 2N unit class vectors spread pi/2
// apart on the sphere and a class that has an opposite one, a sample on its
// class direction has logits alpha (its class), -alpha (the opposite class)
// and 0 (the other K - 2), so
//   p = e^alpha / (e^alpha + (K-2) e^0 + e^-alpha) ~ e^alpha / (e^alpha + K - 2)
// and p is reachable only if alpha >= alpha_low = log( p (K-2) / (1-p) ).
// A class with no opposite sees K - 1 zero logits and needs log(p (K-1)/(1-p));
// and here W is not normalised, so the effective scale is alpha |W_j|
// (notes/solutions.md works both out; build/bounds measures them).
//
// Gradient: the cross-entropy node gives dL/dl_ij = (p_ij - [j = y_i]) / m;
// l = alpha h_hat W^T + b with h_hat = l2_normalize(h) passes it on through
// primitive ops: dL/dalpha = sum_ij dL/dl_ij <W_j, h_hat_i>, and to h through
// the normalisation dh_hat/dh = (I - h_hat h_hat^T) / |h|.
//
// notes: notes/03-softmax-family.md#32-l2-softmax
#include "losses/l2softmax.hpp"

#include <cmath>
#include <memory>

#include "core/ops.hpp"
#include "losses/loss_base.hpp"
#include "losses/margin_softmax.hpp"
#include "losses/reader_spec.hpp"
#include "losses/registry.hpp"

namespace fg {

double alpha_low(double p, int K) {
  if (!(p > 0 && p < 1))
    throw Error("alpha_low: p = " + num_str(p) + " is out of range; allowed: (0, 1)");
  if (K < 3)
    throw Error("alpha_low(p, K) = log(p (K-2) / (1-p)) needs K >= 3 classes, got K = " +
                std::to_string(K) + "; give alpha= instead");
  const double a = std::log(p * (K - 2) / (1 - p));
  if (!(a > 0))
    throw Error("alpha_low(" + num_str(p) + ", " + std::to_string(K) + ") = " + num_str(a) +
                " is not positive; choose a larger p or give alpha=");
  return a;
}

namespace {

std::vector<ParamSpec> l2softmax_params() {
  return {
      {"alpha", "alpha_low(p, K)", Range::positive(),
       "feature norm alpha of h' = alpha h / |h| (the start value when learned)"},
      {"p", "0.9", Range::open(0, 1), "target probability p in the default alpha_low(p, K)"},
      {"learn_alpha", "1", Range::flag(), "1: alpha is a learnable parameter"},
      {"bias", "0", Range::flag(), "1: add a learnable bias b_j to each logit"},
  };
}

class L2Softmax : public LossBase {
 public:
  L2Softmax(const LossContext& ctx, const ParamReader& r) : ctx_(ctx), bias_(r.flag("bias")) {
    const double alpha =
        r.has("alpha") ? r.real_value("alpha") : alpha_low(r.real_value("p"), ctx.num_classes);
    add_parameter("W", init_class_weights(ctx.num_classes, ctx.dim, ctx.seed), true);
    add_parameter("alpha", Tensor::scalar(real(alpha)), r.flag("learn_alpha"));
    if (bias_) add_parameter("b", Tensor({ctx.num_classes}), true);
  }
  std::string name() const override { return "l2softmax"; }
  std::string describe() const override {
    return "l2softmax alpha=" + num_str(scalar("alpha")) + (bias_ ? " bias=1" : "");
  }
  Tensor class_weights() const override { return param("W").value(); }

  Var forward(const LossInput& in) override {
    check_batch("l2softmax", in.h, in.y, ctx_.num_classes, ctx_.dim);
    Var h_scaled = l2_normalize(in.h) * param("alpha");  // h' = alpha h / |h|
    Var logits = matmul(h_scaled, param("W"), false, true);
    if (bias_) logits = logits + param("b");
    return softmax_cross_entropy(logits, in.y);
  }

 private:
  LossContext ctx_;
  bool bias_;
};

}  // namespace

LossSpec l2softmax_spec() {
  return reader_spec<L2Softmax>(
      "l2softmax",
      "L2-Softmax: softmax on h' = alpha h / |h|, alpha learnable from alpha_low(0.9, K)",
      l2softmax_params());
}

}  // namespace fg
