// NormFace (lecture, "NormFace: training"; F. Wang et al. 2017).
//
//   L_SM' = -1/m sum_{i=0}^{m-1} log( e^{s <W'_{y_i}, h'(x_i)>} / sum_j e^{s <W'_j, h'(x_i)>} )
//
// with W'_j = W_j / |W_j| and h' = h / |h|: both normalised, the slide's l^2
// folded into one scale s, no bias. The logits are s cos theta_j for every
// class, the target included:
//
//   psi(theta) = cos theta,  as a function of c = cos theta:  psi(c) = c,  dpsi/dc = 1.
//
// s is learnable by default, started at 10 (the lecture: "not to fix a large
// l, but to have the single parameter s = l^2 a learnable one"); learn_s=0
// fixes it. Gradient: the margin-softmax node (margin_softmax.cpp) with a = s.
//
// notes: notes/03-softmax-family.md#33-normface
#include <memory>

#include "losses/cosine_loss.hpp"
#include "losses/reader_spec.hpp"
#include "losses/registry.hpp"

namespace fg {

namespace {

class NormFace : public CosineLoss {
 public:
  NormFace(const LossContext& ctx, const ParamReader& r) : CosineLoss("normface", ctx, r) {}

 protected:
  TargetLogit target(double) const override { return plain_cosine(); }
};

std::vector<ParamSpec> normface_params() { return cosine_loss_params("10", true, false); }

}  // namespace

LossSpec normface_spec() {
  return reader_spec<NormFace>(
      "normface", "NormFace: s cos theta_j for every class, W and h normalised, s learnable",
      normface_params());
}

}  // namespace fg
