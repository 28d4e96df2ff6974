// CoCo loss, congenerous cosine (lecture, "CoCo Loss: centroids"; Yu Liu et al. 2017).
//
//   h'(x) = alpha h(x) / |h(x)|_2
//   c_j   = sum_i delta_j(y_i) h'(x_i) / sum_i delta_j(y_i),   c'_j = c_j / |c_j|_2
//   L_CoCo = -1/m sum_{i=0}^{m-1} log( e^{<c'_{y_i}, h'(x_i)>} / sum_j e^{<c'_j, h'(x_i)>} )
//
// Instead of learned class weights, the softmax runs over the normalised
// centroids of the classes in the batch (the sum over j covers the classes
// present in the batch: a class without samples has no centroid). The
// lecture's slide also multiplies by s; with h' already scaled by alpha, this
// file uses the logits <c'_j, h'_i> = alpha cos theta_ij, theta_ij the angle
// between h_i and c_j, so alpha is the one scale (fixed at 10 by default,
// learn_alpha=1 learns it).
//
// Gradient. c'_j does not depend on alpha > 0 (the normalisation removes
// it), so the centroids are computed from h_hat = h / |h|. The logits are the
// margin-softmax node with psi(c) = c (dpsi/dc = 1) and scale a = alpha; cos
// theta = h_hat c'^T with c' = l2_normalize(M h_hat), M_ji = delta_j(y_i) / n_j
// a constant matrix. All of it is primitive ops, so the gradient flows through
// the centroids too: each h_i moves its own logits and, through c_{y_i}, every
// sample's logit for its class.
//
// Exercise (lecture): L_CoCo < eps needs alpha > 1/2 log((K-1) / (e^eps - 1)).
//
// notes: notes/03-softmax-family.md#34-coco-loss-congenerous-cosine
#include <algorithm>
#include <memory>

#include "core/ops.hpp"
#include "losses/loss_base.hpp"
#include "losses/margin_softmax.hpp"
#include "losses/reader_spec.hpp"
#include "losses/registry.hpp"

namespace fg {

namespace {

std::vector<ParamSpec> coco_params() {
  return {
      {"alpha", "10", Range::positive(), "scale alpha of h' = alpha h / |h| (the start value when learned)"},
      {"learn_alpha", "0", Range::flag(), "1: alpha is a learnable parameter"},
  };
}

class CoCo : public LossBase {
 public:
  CoCo(const LossContext& ctx, const ParamReader& r)
      : ctx_(ctx), centroids_({ctx.num_classes, ctx.dim}) {
    add_parameter("alpha", Tensor::scalar(real(r.real_value("alpha"))), r.flag("learn_alpha"));
  }
  std::string name() const override { return "coco"; }
  std::string describe() const override { return "coco alpha=" + num_str(scalar("alpha")); }
  // The normalised centroid c'_j of each class, from the last batch that held
  // it (zero rows for classes not seen yet): CoCo's stand-in for W.
  Tensor class_weights() const override { return centroids_.clone(); }

  Var forward(const LossInput& in) override {
    check_batch("coco", in.h, in.y, ctx_.num_classes, ctx_.dim);
    const int m = static_cast<int>(in.y.size());
    // The classes present, and each label's index among them.
    std::vector<int> present(in.y);
    std::sort(present.begin(), present.end());
    present.erase(std::unique(present.begin(), present.end()), present.end());
    const int P = static_cast<int>(present.size());
    std::vector<int> y_local(m), count(P, 0);
    for (int i = 0; i < m; ++i) {
      y_local[i] = int(std::lower_bound(present.begin(), present.end(), in.y[i]) - present.begin());
      ++count[y_local[i]];
    }
    Tensor M({P, m});  // M_ji = delta_j(y_i) / n_j: row j averages class j
    for (int i = 0; i < m; ++i) M.at(y_local[i], i) = real(1) / real(count[y_local[i]]);

    Var h_hat = l2_normalize(in.h);
    Var c_hat = l2_normalize(matmul(constant(M), h_hat));  // c'_j, P x N
    Var cos_theta = matmul(h_hat, c_hat, false, true);     // m x P
    for (int j = 0; j < P; ++j)
      for (int k = 0; k < ctx_.dim; ++k) centroids_.at(present[j], k) = c_hat.value().at(j, k);
    return margin_softmax(cos_theta, param("alpha"), y_local, plain_cosine());
  }

 private:
  LossContext ctx_;
  Tensor centroids_;
};

}  // namespace

LossSpec coco_spec() {
  return reader_spec<CoCo>(
      "coco", "CoCo: softmax of alpha cos(h_i, c_j) over the batch's normalised class centroids",
      coco_params());
}

}  // namespace fg
