// Triplet probabilistic embedding (lecture, "Better triplets"; Sankaranarayanan
// et al. 2016).
//
//   h'(x) = T h(x),  T an N' x N projection learned on top of the embeddings
//   L_TPE = -1/m sum_{i=0}^{m-1} log( e^{<h'_a, h'_p>} / (e^{<h'_a, h'_p>} + e^{<h'_a, h'_n>}) )
//
// over the m triplets selected (h'_a = h'(x_i^a) and so on). The projection is
// a matmul in front of this node (the tpe Loss owns T and puts it there).
//
// notes: notes/04-euclidean-family.md#44-tse-and-tpe-triplets-on-a-learned-projection
#include <algorithm>
#include <cmath>
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

// With z = <a, n> - <a, p>, each term is -log(1 / (1 + e^z)) = softplus(z)
// = log(1 + e^z), computed as max(z, 0) + log(1 + e^{-|z|}) so that no
// exponential overflows (a similarity of 1e12 is fine).
// Gradient: d softplus(z)/dz = sigma(z) = 1 / (1 + e^{-z}) (also written so
// that it never overflows), times dz/d(a, p, n) (add_similarity_gap_grad),
// each divided by the number of triplets. No triplets: loss 0, gradient 0.
Var tpe_loss(const Var& hp, const std::vector<Triplet>& triplets) {
  const Tensor x = hp.value();
  if (x.dim() != 2)
    throw Error("tpe_loss: projected embeddings must be m x N', got " + shape_str(x.shape()));
  const int n = x.shape()[1];
  check_triplets("tpe_loss", triplets, x.shape()[0]);
  std::vector<double> sigma(triplets.size());  // sigma(z) per triplet, saved for backward
  double total = 0;
  for (size_t r = 0; r < triplets.size(); ++r) {
    const Triplet& t = triplets[r];
    const real* a = x.data() + t[0] * n;
    const double z = dot(a, x.data() + t[2] * n, n) - dot(a, x.data() + t[1] * n, n);
    const double e = std::exp(-std::abs(z));  // in (0, 1]
    total += std::max(z, 0.0) + std::log1p(e);
    sigma[r] = z >= 0 ? 1 / (1 + e) : e / (1 + e);
  }
  const double count = double(triplets.size());
  const real value = count > 0 ? representable_loss("tpe_loss", total / count, x) : real(0);
  return make_node("tpe_loss", Tensor::scalar(value), {hp},
                   [x, triplets, sigma, count](Node& self) {
                     Tensor gx(x.shape());
                     const double g = count > 0 ? self.grad[0] / count : 0.0;
                     for (size_t r = 0; r < triplets.size(); ++r)
                       add_similarity_gap_grad(gx, x, triplets[r], g * sigma[r]);
                     accumulate(self.inputs[0], gx);
                   });
}

namespace {

const std::vector<ParamSpec>& tpe_specs() {
  static const std::vector<ParamSpec> specs = projection_specs(
      {"mining_alpha", "0.1", Range::nonneg(),
       "margin of the semihard and easy selection (the loss itself has none)"});
  return specs;
}

class TpeLoss : public ProjectedTripletLoss {
 public:
  TpeLoss(const LossContext& ctx, const ParamReader& r)
      : ProjectedTripletLoss("tpe", ctx, r, "mining_alpha") {}
  Var forward(const LossInput& in) override {
    const Var hp = project_and_pick(in);
    return tpe_loss(hp, last_triplets());
  }
  std::string describe() const override {
    return "tpe mining_alpha=" + num_str(margin_) + options_str();
  }
};

}  // namespace

LossSpec tpe_spec() {
  return reader_spec<TpeLoss>(
      "tpe",
      "TPE: -log(e^<h'_a,h'_p> / (e^<h'_a,h'_p> + e^<h'_a,h'_n>)) with a learned projection h' "
      "= T h",
      tpe_specs());
}

}  // namespace fg
