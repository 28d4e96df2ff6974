// Max-margin contrastive loss (lecture, "Max Margin Contrastive Loss";
// Chopra et al. 2005, DeepID2).
//
//   s(x_i, x_j) = |h(x_i) - h(x_j)|_2 = d_ij
//   L_MMC(x_i, x_j) = 1/2 y_ij d_ij^2 + 1/2 (1 - y_ij) max(0, margin - d_ij)^2
//   L = 1/P sum_{i<j} L_MMC(x_i, x_j),   P = m(m - 1)/2, every unordered pair
//
// y_ij = 1 for two faces of one person, 0 otherwise. The slide calls the
// margin m; here it is `margin`, since m is the batch size.
//
// notes: notes/04-euclidean-family.md#41-max-margin-contrastive-loss
#include <cmath>
#include <memory>

#include "core/ops.hpp"
#include "losses/distance.hpp"
#include "losses/euclidean.hpp"
#include "losses/loss_base.hpp"
#include "losses/params.hpp"
#include "losses/reader_spec.hpp"
#include "losses/registry.hpp"

namespace fg {

// Gradient, pair by pair (e_ij = h_i - h_j, d_ij = |e_ij|):
//   same person:       d/dh_i [1/2 d_ij^2]              = e_ij
//   different persons: d/dh_i [1/2 max(0, margin - d)^2] = -(margin - d_ij) e_ij / d_ij
//                      while d_ij < margin, else 0
//   and d/dh_j = -d/dh_i (add_pair_grad); each pair's share is divided by P.
// The first form needs no square root. In the second, e_ij / d_ij is the unit
// vector between the two points, undefined when they coincide (d_ij = 0). The
// function there is a symmetric cone, margin^2/2 - margin |e| + |e|^2/2, whose
// subgradients include 0, and 0 is what is used: the value stays exact and
// nothing divides by zero (the "safe" form, not a smoothed distance).
Var contrastive_loss(const Var& h, const std::vector<int>& y, real margin) {
  const Tensor x = h.value();
  check_rows_labels("contrastive_loss", x, y);
  const int m = x.shape()[0], n = x.shape()[1];
  const double P = 0.5 * double(m) * (m - 1);
  // pull[i * m + j] (i < j): the factor c_ij with dL/dh_i = c_ij e_ij / P.
  std::vector<double> pull(size_t(m) * m, 0.0);  // saved for backward
  double total = 0;
  for (int i = 0; i < m; ++i)
    for (int j = i + 1; j < m; ++j) {
      const double d2 = sq_dist(x.data() + i * n, x.data() + j * n, n);
      double c = 0;
      if (y[i] == y[j]) {
        total += 0.5 * d2;
        c = 1;
      } else {
        const double d = std::sqrt(d2), gap = double(margin) - d;
        if (gap > 0) {
          total += 0.5 * gap * gap;
          c = d > 0 ? -gap / d : 0;
        }
      }
      pull[size_t(i) * m + j] = c;
    }
  const real value = P > 0 ? representable_loss("contrastive_loss", total / P, x) : real(0);
  return make_node("contrastive_loss", Tensor::scalar(value), {h}, [x, pull, P](Node& self) {
    Tensor gx(x.shape());
    if (P > 0) add_pair_grad(gx, x, pull, self.grad[0] / P);
    accumulate(self.inputs[0], gx);
  });
}

namespace {

const std::vector<ParamSpec>& contrastive_specs() {
  static const std::vector<ParamSpec> specs = {
      {"margin", "1", Range::nonneg(),
       "distance below which two different persons are pushed apart"},
      {"normalize", "0", Range::flag(), "1: unit-normalise the embeddings first"},
  };
  return specs;
}

class ContrastiveLoss : public LossBase {
 public:
  ContrastiveLoss(const LossContext& ctx, const ParamReader& r)
      : K_(ctx.num_classes), dim_(ctx.dim) {
    margin_ = real(r.real_value("margin"));
    normalize_ = r.flag("normalize");
  }
  std::string name() const override { return "contrastive"; }
  Var forward(const LossInput& in) override {
    check_batch("contrastive", in.h, in.y, K_, dim_);
    return contrastive_loss(normalize_ ? l2_normalize(in.h) : in.h, in.y, margin_);
  }
  std::string describe() const override {
    return "contrastive margin=" + num_str(margin_) + (normalize_ ? " normalize=1" : "");
  }

 private:
  int K_, dim_;
  real margin_;
  bool normalize_;
};

}  // namespace

LossSpec contrastive_spec() {
  return reader_spec<ContrastiveLoss>(
      "contrastive",
      "Max-margin contrastive: mean over pairs of 1/2 y d^2 + 1/2 (1-y) max(0, margin - d)^2",
      contrastive_specs());
}

}  // namespace fg
