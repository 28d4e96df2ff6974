// L-Softmax's target logit and the loss object L-Softmax and A-Softmax share
// (losses/lsoftmax.cpp, losses/asoftmax.cpp).
#pragma once

#include <string>
#include <vector>

#include "losses/loss_base.hpp"
#include "losses/margin_softmax.hpp"
#include "losses/params.hpp"
#include "core/schedule.hpp"

namespace fg {

// k of the interval [k pi/m, (k+1) pi/m] that theta = arccos c lies in (0..m-1).
int lsoftmax_k(int m, double c);

// psi(theta) = ((-1)^k cos(m theta) - 2k + lambda cos theta) / (1 + lambda), in c = cos theta.
TargetLogit lsoftmax_target(int m, double lambda);

// lambda(t) = max(lambda_min, base (1 + gamma t)^(-power)): optim's power_decay.
double lambda_schedule(int64_t t, double base, double gamma, double power, double lambda_min);

// row_norms (losses/margin_softmax.hpp) that stays finite for rows whose
// squared norm overflows the scalar type (|h| = 1e30 in float): such rows are
// scaled down by a power of two first and the norms scaled back up (exact
// steps; only row_norms' eps of 1e-12 is scaled too, nothing at such norms).
// Rows of a batch whose entries stay below 2^50 go to row_norms unchanged.
Var safe_row_norms(const Var& x);

// W (K x N), the integer margin m and lambda (annealed over set_iteration's t,
// or fixed by lambda=). The logits are a_ij cos theta_ij with the target
// logit a_iy psi(theta_iy); scale() gives a: |W_j| |h_i| for L-Softmax, |h_i|
// for A-Softmax.
class LargeMarginLoss : public LossBase {
 public:
  LargeMarginLoss(std::string name, const LossContext& ctx, const ParamReader& r);
  std::string name() const override { return name_; }
  Var forward(const LossInput& in) override;
  void set_iteration(int64_t t) override { t_ = t; }
  Tensor class_weights() const override { return param("W").value(); }
  std::string describe() const override;

  double lambda() const;  // at the current iteration
  int margin() const { return m_; }
  std::function<double(double)> target_logit() const override;

 protected:
  virtual Var scale(const Var& h, const Var& W) const = 0;

 private:
  std::string name_;
  LossContext ctx_;
  int m_;
  bool fixed_lambda_;
  double lambda_fixed_;
  Schedule lambda_annealed_;  // power_decay(base, gamma, power, lambda_min)
  int64_t t_ = 0;
};

// m (with its default), lambda, base, gamma, power, lambda_min.
std::vector<ParamSpec> large_margin_params(const std::string& m_default);

}  // namespace fg
