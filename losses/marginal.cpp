// Marginal loss (lecture, "Marginal Loss: one non-linearity with two margins";
// Deng et al. 2017).
//
//   L_M = 1/(m^2 - m) sum_{i<j} max(0, xi - y_ij (theta - |h'_i - h'_j|_2^2)),
//   h'_i = h(x_i) / |h(x_i)|_2,  y_ij = +1 for one person, -1 otherwise
//
// theta: the threshold that separates same-person from different-person
// distances; xi: the error margin around it. Note the normaliser: 1/(m^2 - m)
// with a sum over i < j, i.e. half the mean over unordered pairs, as on the slide.
//
// notes: notes/04-euclidean-family.md#42-marginal-loss
#include <memory>

#include "core/ops.hpp"
#include "losses/distance.hpp"
#include "losses/euclidean.hpp"
#include "losses/loss_base.hpp"
#include "losses/params.hpp"
#include "losses/reader_spec.hpp"
#include "losses/registry.hpp"

namespace fg {

// Gradient (D_ij = |h'_i - h'_j|^2, t_ij = xi - y_ij (theta - D_ij)):
//   dt_ij/dD_ij = y_ij,  dD_ij/dh'_i = 2 (h'_i - h'_j) = -dD_ij/dh'_j
//   so while t_ij > 0:  dL/dh'_i = 2 y_ij (h'_i - h'_j) / (m^2 - m),  dL/dh'_j = -that
// (add_pair_grad). The squared distance is smooth, so there is no kink at
// identical embeddings.
// This node works on the embeddings it is given; normalisation is the
// l2_normalize op in front of it (the marginal Loss puts it there).
Var marginal_loss(const Var& h, const std::vector<int>& y, real theta, real xi) {
  const Tensor x = h.value();
  check_rows_labels("marginal_loss", x, y);
  const int m = x.shape()[0], n = x.shape()[1];
  const double norm = double(m) * m - m;              // m^2 - m
  std::vector<double> active(size_t(m) * m, 0.0);  // y_ij where the hinge is open; saved
  double total = 0;
  for (int i = 0; i < m; ++i)
    for (int j = i + 1; j < m; ++j) {
      const int yij = y[i] == y[j] ? 1 : -1;
      const double t =
          double(xi) - yij * (double(theta) - sq_dist(x.data() + i * n, x.data() + j * n, n));
      if (t > 0) {
        total += t;
        active[size_t(i) * m + j] = yij;
      }
    }
  const real value = norm > 0 ? real(total / norm) : real(0);
  return make_node("marginal_loss", Tensor::scalar(value), {h}, [x, active, norm](Node& self) {
    Tensor gx(x.shape());
    if (norm > 0) add_pair_grad(gx, x, active, 2.0 * self.grad[0] / norm);
    accumulate(self.inputs[0], gx);
  });
}

namespace {

const std::vector<ParamSpec>& marginal_specs() {
  static const std::vector<ParamSpec> specs = {
      {"theta", "1.2", Range::nonneg(),
       "squared-distance threshold between same and different persons"},
      {"xi", "0.3", Range::nonneg(), "error margin around theta"},
  };
  return specs;
}

class MarginalLoss : public LossBase {
 public:
  MarginalLoss(const LossContext& ctx, const ParamReader& r) : K_(ctx.num_classes), dim_(ctx.dim) {
    theta_ = real(r.real_value("theta"));
    xi_ = real(r.real_value("xi"));
  }
  std::string name() const override { return "marginal"; }
  Var forward(const LossInput& in) override {
    check_batch("marginal", in.h, in.y, K_, dim_);
    return marginal_loss(l2_normalize(in.h), in.y, theta_, xi_);
  }
  std::string describe() const override {
    return "marginal theta=" + num_str(theta_) + " xi=" + num_str(xi_);
  }

 private:
  int K_, dim_;
  real theta_, xi_;
};

}  // namespace

LossSpec marginal_spec() {
  return reader_spec<MarginalLoss>(
      "marginal",
      "Marginal loss: max(0, xi - y_ij (theta - |h_i - h_j|^2)) over pairs of unit embeddings, "
      "/ (m^2 - m)",
      marginal_specs());
}

}  // namespace fg
