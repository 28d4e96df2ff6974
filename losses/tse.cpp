// Triplet similarity embedding (lecture, "Better triplets"; Sankaranarayanan
// et al. 2016).
//
//   h'(x) = T h(x),  T an N' x N projection learned on top of the embeddings
//   L_TSE = 1/m sum_{i=0}^{m-1} max(0, alpha + <h'(x_i^a), h'(x_i^n)> - <h'(x_i^a), h'(x_i^p)>)
//
// over the m triplets selected. The projection is a matmul in front of this
// node (the tse Loss owns T and puts it there).
//
// notes: notes/04-euclidean-family.md#44-tse-and-tpe-triplets-on-a-learned-projection
#include <memory>

#include "core/ops.hpp"
#include "losses/distance.hpp"
#include "losses/euclidean.hpp"
#include "losses/params.hpp"
#include "losses/projection.hpp"
#include "losses/reader_spec.hpp"
#include "losses/registry.hpp"
#include "losses/triplet_source.hpp"

namespace fg {

// Gradient of one open hinge (t = alpha + <a, n> - <a, p> > 0), on h' rows a, p, n:
//   dt/da = n - p,   dt/dp = -a,   dt/dn = a   (add_similarity_gap_grad)
// each divided by the number of triplets; a closed hinge gives 0. No triplets:
// loss 0, gradient 0.
Var tse_loss(const Var& hp, const std::vector<Triplet>& triplets, real alpha) {
  const Tensor x = hp.value();
  if (x.dim() != 2)
    throw Error("tse_loss: projected embeddings must be m x N', got " + shape_str(x.shape()));
  const int n = x.shape()[1];
  check_triplets("tse_loss", triplets, x.shape()[0]);
  std::vector<Triplet> open;  // saved for backward
  double total = 0;
  for (const Triplet& t : triplets) {
    const real* a = x.data() + t[0] * n;
    const double v =
        double(alpha) + dot(a, x.data() + t[2] * n, n) - dot(a, x.data() + t[1] * n, n);
    if (v > 0) {
      total += v;
      open.push_back(t);
    }
  }
  const double count = double(triplets.size());
  const real value = count > 0 ? representable_loss("tse_loss", total / count, x) : real(0);
  return make_node("tse_loss", Tensor::scalar(value), {hp}, [x, open, count](Node& self) {
    Tensor gx(x.shape());
    const double g = count > 0 ? self.grad[0] / count : 0.0;
    for (const Triplet& t : open) add_similarity_gap_grad(gx, x, t, g);
    accumulate(self.inputs[0], gx);
  });
}

namespace {

const std::vector<ParamSpec>& tse_specs() {
  static const std::vector<ParamSpec> specs = projection_specs(
      {"alpha", "0.1", Range::nonneg(), "margin between <h_a, h_p> and <h_a, h_n> (projected)"});
  return specs;
}

class TseLoss : public ProjectedTripletLoss {
 public:
  TseLoss(const LossContext& ctx, const ParamReader& r)
      : ProjectedTripletLoss("tse", ctx, r, "alpha") {}
  Var forward(const LossInput& in) override {
    const Var hp = project_and_pick(in);
    return tse_loss(hp, last_triplets(), margin_);
  }
  std::string describe() const override { return "tse alpha=" + num_str(margin_) + options_str(); }
};

}  // namespace

LossSpec tse_spec() {
  return reader_spec<TseLoss>(
      "tse", "TSE: max(0, alpha + <h'_a,h'_n> - <h'_a,h'_p>) with a learned projection h' = T h",
      tse_specs());
}

}  // namespace fg
