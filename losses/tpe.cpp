// Triplet probabilistic embedding (lecture, "Better triplets"; Sankaranarayanan
// et al. 2016).
//
//   h'(x) = T h(x),  T an N' x N projection learned on top of the embeddings
//   L_TPE = -1/m sum_{i=0}^{m-1} log( e^{<h'_a, h'_p>} / (e^{<h'_a, h'_p>} + e^{<h'_a, h'_n>}) )
//
// over the m triplets selected (h'_a = h'(x_i^a) and so on). The projection is
// a matmul in front of this node (the tpe Loss owns T and puts it there).
#include <algorithm>
#include <cmath>
#include <memory>

#include "core/ops.hpp"
#include "losses/distance.hpp"
#include "losses/euclidean.hpp"
#include "losses/loss_base.hpp"
#include "losses/params.hpp"
#include "losses/projection.hpp"
#include "losses/registry.hpp"
#include "losses/triplet_source.hpp"

namespace fg {

// With z = <a, n> - <a, p>, each term is -log(1 / (1 + e^z)) = softplus(z)
// = log(1 + e^z), computed as max(z, 0) + log(1 + e^{-|z|}) so that no
// exponential overflows (a similarity of 1e12 is fine).
// Gradient: d softplus(z)/dz = sigma(z) = 1 / (1 + e^{-z}) (also written so
// that it never overflows), and
//   dz/da = n - p,   dz/dp = -a,   dz/dn = a
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
  const real value = count > 0 ? real(total / count) : real(0);
  return make_node("tpe_loss", Tensor::scalar(value), {hp},
                   [x, triplets, sigma, count, n](Node& self) {
                     Tensor gx(x.shape());
                     const double g = count > 0 ? self.grad[0] / count : 0.0;
                     for (size_t r = 0; r < triplets.size(); ++r) {
                       const Triplet& t = triplets[r];
                       const double gs = g * sigma[r];
                       for (int k = 0; k < n; ++k) {
                         const double a = x.at(t[0], k), p = x.at(t[1], k), q = x.at(t[2], k);
                         gx.at(t[0], k) += real(gs * (q - p));
                         gx.at(t[1], k) -= real(gs * a);
                         gx.at(t[2], k) += real(gs * a);
                       }
                     }
                     accumulate(self.inputs[0], gx);
                   });
}

namespace {

const std::vector<ParamSpec>& tpe_specs() {
  static const std::vector<ParamSpec> specs = {
      {"mining_alpha", "0.1", Range::nonneg(),
       "margin of the semihard and easy selection (the loss itself has none)"},
      {"dim", "N", Range::integers(1), "N', the output dimension of the projection T (default: N)"},
      {"mining", "all", Range::any(),
       "which triplets: all, hard, semihard, easy or batchhard (on -<h'_a, h'_j>)"},
      {"freeze", "0", Range::flag(),
       "1: no gradient reaches h, only T learns (T on top of a frozen network)"},
  };
  return specs;
}

class TpeLoss : public Loss, public TripletSource {
 public:
  TpeLoss(const LossParams& p, const LossContext& ctx) : K_(ctx.num_classes), dim_(ctx.dim) {
    ParamReader r("tpe", p, tpe_specs());
    margin_ = real(r.real_value("mining_alpha"));
    out_dim_ = r.has("dim") ? r.int_value("dim") : ctx.dim;
    freeze_ = r.flag("freeze");
    read_mining("tpe", p);
    T_ = fg::param(init_projection(out_dim_, dim_, ctx.seed));
  }
  // T is kept here rather than in LossBase's table because setting it may
  // change N' (losscalc --weights with N' rows): any N' x N matrix is accepted.
  std::vector<NamedVar> parameters() override { return {{"T", T_}}; }
  void set_parameter(const std::string& key, const Var& value) override {
    if (key != "T") throw Error(name() + " has no parameter '" + key + "'; it has: T");
    if (!value || value.shape().size() != 2 || value.shape()[0] < 1 || value.shape()[1] != dim_)
      throw Error(name() + ": the projection T must be N' x " + std::to_string(dim_) + ", got " +
                  (value ? shape_str(value.shape()) : std::string("nothing")));
    T_ = value;
    out_dim_ = value.shape()[0];
  }
  std::string name() const override { return "tpe"; }
  Var forward(const LossInput& in) override {
    check_batch("tpe", in.h, in.y, K_, dim_);
    const Var hp = project(in.h, T_, freeze_);
    const auto& t = pick("tpe", in, margin_, [&] { return neg_similarity_table(hp.value()); });
    return tpe_loss(hp, t);
  }
  std::string describe() const override {
    return "tpe mining_alpha=" + num_str(margin_) + " dim=" + std::to_string(out_dim_) +
           " mining=" + mining_name(mining()) + (freeze_ ? " freeze=1" : "");
  }

 private:
  int K_, dim_, out_dim_;
  real margin_;
  bool freeze_;
  Var T_;  // N' x N
};

}  // namespace

LossSpec tpe_spec() {
  return {"tpe",
          "TPE: -log(e^<h'_a,h'_p> / (e^<h'_a,h'_p> + e^<h'_a,h'_n>)) with a learned projection h' "
          "= T h",
          tpe_specs(), [](const LossParams& p, const LossContext& ctx) {
            return std::unique_ptr<Loss>(new TpeLoss(p, ctx));
          }};
}

}  // namespace fg
