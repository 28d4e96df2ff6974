// Triplet loss (lecture, "Triplet Loss"; FaceNet, Schroff et al. 2015).
//
//   L_T = 1/m sum_{i=0}^{m-1} max(0, |h(x_i^a) - h(x_i^p)|_2^2 - |h(x_i^a) - h(x_i^n)|_2^2 + alpha)
//
// over the m triplets selected (anchor a, positive p of the same person,
// negative n of another), all representations normalised, |h(x)|_2 = 1,
// alpha = 0.2. Which triplets: losses/mining.hpp, or rows given explicitly.
//
// notes: notes/04-euclidean-family.md#43-triplet-loss-and-triplet-selection
#include <memory>
#include <string>

#include "core/ops.hpp"
#include "losses/distance.hpp"
#include "losses/euclidean.hpp"
#include "losses/loss_base.hpp"
#include "losses/params.hpp"
#include "losses/reader_spec.hpp"
#include "losses/registry.hpp"
#include "losses/triplet_source.hpp"

namespace fg {

void check_triplets(const char* op, const std::vector<Triplet>& triplets, int m) {
  for (size_t r = 0; r < triplets.size(); ++r)
    for (int k = 0; k < 3; ++k)
      if (triplets[r][k] < 0 || triplets[r][k] >= m)
        throw Error(std::string(op) + ": triplet row " + std::to_string(r) + " (" +
                    std::to_string(triplets[r][0]) + "," + std::to_string(triplets[r][1]) + "," +
                    std::to_string(triplets[r][2]) + ") has an index outside [0, " +
                    std::to_string(m) + ")");
}

// Gradient of one open hinge (t = d_ap - d_an + alpha > 0), d_ap = |a - p|^2:
//   dt/da = 2(a - p) - 2(a - n) = 2(n - p)
//   dt/dp = -2(a - p)           = 2(p - a)
//   dt/dn =  2(a - n)
// each divided by the number of triplets. A closed hinge (t <= 0) gives 0.
// Squared distances are smooth, so identical embeddings need no special case.
// No triplets: the loss is 0 and the gradient is 0.
Var triplet_loss(const Var& h, const std::vector<Triplet>& triplets, real alpha) {
  const Tensor x = h.value();
  if (x.dim() != 2)
    throw Error("triplet_loss: embeddings must be m x N, got " + shape_str(x.shape()));
  const int n = x.shape()[1];
  check_triplets("triplet_loss", triplets, x.shape()[0]);
  std::vector<Triplet> open;  // triplets whose hinge is open, saved for backward
  double total = 0;
  for (const Triplet& t : triplets) {
    const real *a = x.data() + t[0] * n, *p = x.data() + t[1] * n, *q = x.data() + t[2] * n;
    const double v = sq_dist(a, p, n) - sq_dist(a, q, n) + double(alpha);
    if (v > 0) {
      total += v;
      open.push_back(t);
    }
  }
  const double count = double(triplets.size());
  const real value = count > 0 ? representable_loss("triplet_loss", total / count, x) : real(0);
  return make_node("triplet_loss", Tensor::scalar(value), {h}, [x, open, count, n](Node& self) {
    Tensor gx(x.shape());
    const double g = count > 0 ? 2.0 * self.grad[0] / count : 0.0;
    for (const Triplet& t : open)
      for (int k = 0; k < n; ++k) {
        const double a = x.at(t[0], k), p = x.at(t[1], k), q = x.at(t[2], k);
        gx.at(t[0], k) += real(g * (q - p));
        gx.at(t[1], k) += real(g * (p - a));
        gx.at(t[2], k) += real(g * (a - q));
      }
    accumulate(self.inputs[0], gx);
  });
}

namespace {

const std::vector<ParamSpec>& triplet_specs() {
  static const std::vector<ParamSpec> specs = {
      {"alpha", "0.2", Range::nonneg(), "margin between |a - p|^2 and |a - n|^2"},
      {"mining", "all", Range::any(), "which triplets: all, hard, semihard, easy or batchhard"},
      {"normalize", "1", Range::flag(),
       "1: unit-normalise the embeddings first (FaceNet), 0: as given"},
  };
  return specs;
}

class TripletLoss : public LossBase, public TripletSource {
 public:
  TripletLoss(const LossContext& ctx, const ParamReader& r) : K_(ctx.num_classes), dim_(ctx.dim) {
    alpha_ = real(r.real_value("alpha"));
    normalize_ = r.flag("normalize");
    read_mining("triplet", r);
  }
  std::string name() const override { return "triplet"; }
  Var forward(const LossInput& in) override {
    check_batch("triplet", in.h, in.y, K_, dim_);
    const Var u = normalize_ ? l2_normalize(in.h) : in.h;
    // Selected on the rows the loss compares, in the loss's own squared distances.
    const auto& t = pick("triplet", in, alpha_, [&] { return sq_dist_table(u.value()); });
    return triplet_loss(u, t, alpha_);
  }
  std::string describe() const override {
    return "triplet alpha=" + num_str(alpha_) + " mining=" + mining_name(mining()) +
           (normalize_ ? "" : " normalize=0");
  }

 private:
  int K_, dim_;
  real alpha_;
  bool normalize_;
};

}  // namespace

LossSpec triplet_spec() {
  return reader_spec<TripletLoss>(
      "triplet",
      "FaceNet triplet loss: max(0, |a-p|^2 - |a-n|^2 + alpha) on unit embeddings, mean over "
      "chosen triplets",
      triplet_specs());
}

}  // namespace fg
