// Triplet similarity embedding (lecture, "Better triplets"; Sankaranarayanan
// et al. 2016).
//
//   h'(x) = T h(x),  T an N' x N projection learned on top of the embeddings
//   L_TSE = 1/m sum_{i=0}^{m-1} max(0, alpha + <h'(x_i^a), h'(x_i^n)> - <h'(x_i^a), h'(x_i^p)>)
//
// over the m triplets selected. The projection is a matmul in front of this
// node (the tse Loss owns T and puts it there).
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

// Gradient of one open hinge (t = alpha + <a, n> - <a, p> > 0), on h' rows a, p, n:
//   dt/da = n - p,   dt/dp = -a,   dt/dn = a
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
  const real value = count > 0 ? real(total / count) : real(0);
  return make_node("tse_loss", Tensor::scalar(value), {hp}, [x, open, count, n](Node& self) {
    Tensor gx(x.shape());
    const double g = count > 0 ? self.grad[0] / count : 0.0;
    for (const Triplet& t : open)
      for (int k = 0; k < n; ++k) {
        const double a = x.at(t[0], k), p = x.at(t[1], k), q = x.at(t[2], k);
        gx.at(t[0], k) += real(g * (q - p));
        gx.at(t[1], k) -= real(g * a);
        gx.at(t[2], k) += real(g * a);
      }
    accumulate(self.inputs[0], gx);
  });
}

namespace {

const std::vector<ParamSpec>& tse_specs() {
  static const std::vector<ParamSpec> specs = {
      {"alpha", "0.1", Range::nonneg(), "margin between <h_a, h_p> and <h_a, h_n> (projected)"},
      {"dim", "N", Range::integers(1), "N', the output dimension of the projection T (default: N)"},
      {"mining", "all", Range::any(),
       "which triplets: all, hard, semihard, easy or batchhard (on -<h'_a, h'_j>)"},
      {"freeze", "0", Range::flag(),
       "1: no gradient reaches h, only T learns (T on top of a frozen network)"},
  };
  return specs;
}

class TseLoss : public Loss, public TripletSource {
 public:
  TseLoss(const LossParams& p, const LossContext& ctx) : K_(ctx.num_classes), dim_(ctx.dim) {
    ParamReader r("tse", p, tse_specs());
    margin_ = real(r.real_value("alpha"));
    out_dim_ = r.has("dim") ? r.int_value("dim") : ctx.dim;
    freeze_ = r.flag("freeze");
    read_mining("tse", p);
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
  std::string name() const override { return "tse"; }
  Var forward(const LossInput& in) override {
    check_batch("tse", in.h, in.y, K_, dim_);
    const Var hp = project(in.h, T_, freeze_);
    const auto& t = pick("tse", in, margin_, [&] { return neg_similarity_table(hp.value()); });
    return tse_loss(hp, t, margin_);
  }
  std::string describe() const override {
    return "tse alpha=" + num_str(margin_) + " dim=" + std::to_string(out_dim_) +
           " mining=" + mining_name(mining()) + (freeze_ ? " freeze=1" : "");
  }

 private:
  int K_, dim_, out_dim_;
  real margin_;
  bool freeze_;
  Var T_;  // N' x N
};

}  // namespace

LossSpec tse_spec() {
  return {"tse",
          "TSE: max(0, alpha + <h'_a,h'_n> - <h'_a,h'_p>) with a learned projection h' = T h",
          tse_specs(), [](const LossParams& p, const LossContext& ctx) {
            return std::unique_ptr<Loss>(new TseLoss(p, ctx));
          }};
}

}  // namespace fg
