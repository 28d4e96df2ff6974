// Softmax loss, i.e. cross-entropy (lecture, "Softmax Loss" and "L_2-SoftMax").
//
//   L_SM = -1/m sum_{i=0}^{m-1} log( e^{<W_{y_i}, h(x_i)> + b_{y_i}} / sum_{j=1}^{K} e^{<W_j, h(x_i)> + b_j} )
//
// The logits l = W h + b of a linear classifier, W (K x N) with row W_j for
// class j. The bias is off by default (the lecture: often b = 0, and L-Softmax,
// NormFace and what follows drop it); bias=1 adds a learnable b (K).
//
// Gradient. With p_ij = softmax(l_i)_j the cross-entropy node gives
//   dL/dl_ij = (p_ij - [j = y_i]) / m                   (softmax_cross_entropy)
// and l = h W^T + b passes it on as
//   dL/dh_i = sum_j dL/dl_ij W_j,   dL/dW_j = sum_i dL/dl_ij h_i,   dL/db_j = sum_i dL/dl_ij
// (the matmul and broadcasting add ops' backward).
//
// notes: notes/03-softmax-family.md#31-softmax-loss
#include <memory>

#include "core/ops.hpp"
#include "losses/loss_base.hpp"
#include "losses/margin_softmax.hpp"
#include "losses/reader_spec.hpp"
#include "losses/registry.hpp"

namespace fg {

namespace {

std::vector<ParamSpec> softmax_params() {
  return {{"bias", "0", Range::flag(), "1: add a learnable bias b_j to each logit"}};
}

class Softmax : public LossBase {
 public:
  Softmax(const LossContext& ctx, const ParamReader& r) : ctx_(ctx), bias_(r.flag("bias")) {
    add_parameter("W", init_class_weights(ctx.num_classes, ctx.dim, ctx.seed), true);
    if (bias_) add_parameter("b", Tensor({ctx.num_classes}), true);
  }
  std::string name() const override { return "softmax"; }
  std::string describe() const override { return bias_ ? "softmax bias=1" : "softmax"; }
  Tensor class_weights() const override { return param("W").value(); }

  Var forward(const LossInput& in) override {
    check_batch("softmax", in.h, in.y, ctx_.num_classes, ctx_.dim);
    Var logits = matmul(in.h, param("W"), false, true);  // l_ij = <W_j, h_i>
    if (bias_) logits = logits + param("b");
    return softmax_cross_entropy(logits, in.y);
  }

 private:
  LossContext ctx_;
  bool bias_;
};

}  // namespace

LossSpec softmax_spec() {
  return reader_spec<Softmax>(
      "softmax", "Softmax (cross-entropy) on the logits <W_j, h> + b_j, bias off by default",
      softmax_params());
}

}  // namespace fg
