#include "losses/projection.hpp"

#include "losses/loss_base.hpp"

namespace fg {

void add_similarity_gap_grad(Tensor& gx, const Tensor& x, const Triplet& t, double g) {
  const int n = x.shape()[1];
  for (int k = 0; k < n; ++k) {
    const double a = x.at(t[0], k), p = x.at(t[1], k), q = x.at(t[2], k);
    gx.at(t[0], k) += real(g * (q - p));
    gx.at(t[1], k) -= real(g * a);
    gx.at(t[2], k) += real(g * a);
  }
}

std::vector<ParamSpec> projection_specs(ParamSpec margin) {
  return {
      margin,
      {"dim", "N", Range::integers(1, 4096),
       "N', the output dimension of the projection T (default: N)"},
      {"mining", "all", Range::one_of(mining_words()),
       "which triplets the loss uses, on -<h'_a, h'_j> (losses/mining.hpp)"},
      {"freeze", "0", Range::flag(),
       "1: no gradient reaches h, only T learns (T on top of a frozen network)"},
      {"normalize", "0", Range::flag(),
       "1: unit-normalise h before T (h' = T h / |h|): shrinking h cannot lower the loss"},
  };
}

ProjectedTripletLoss::ProjectedTripletLoss(const std::string& loss, const LossContext& ctx,
                                           const ParamReader& r, const std::string& margin_key)
    : loss_(loss), K_(ctx.num_classes), dim_(ctx.dim) {
  margin_ = real(r.real_value(margin_key));
  out_dim_ = r.has("dim") ? r.int_value("dim") : ctx.dim;
  freeze_ = r.flag("freeze");
  normalize_ = r.flag("normalize");
  read_mining(loss, r);
  T_ = fg::param(init_projection(out_dim_, dim_, ctx.seed));
}

void ProjectedTripletLoss::set_parameter(const std::string& key, const Var& value) {
  if (key != "T") throw Error(name() + " has no parameter '" + key + "'; it has: T");
  if (!value || value.shape().size() != 2 || value.shape()[0] < 1 || value.shape()[1] != dim_)
    throw Error(name() + ": the projection T must be N' x " + std::to_string(dim_) + ", got " +
                (value ? shape_str(value.shape()) : std::string("nothing")));
  T_ = value;
  out_dim_ = value.shape()[0];
}

Var ProjectedTripletLoss::project_and_pick(const LossInput& in) {
  check_batch(loss_, in.h, in.y, K_, dim_);
  const Var hp = project(normalize_ ? l2_normalize(in.h) : in.h, T_, freeze_);
  pick(loss_.c_str(), in, margin_, [&] { return neg_similarity_table(hp.value()); });
  return hp;
}

std::string ProjectedTripletLoss::options_str() const {
  return " dim=" + std::to_string(out_dim_) + " mining=" + mining_name(mining()) +
         (freeze_ ? " freeze=1" : "") + (normalize_ ? " normalize=1" : "");
}

}  // namespace fg
