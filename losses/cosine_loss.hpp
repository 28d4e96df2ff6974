// CosineLoss: what NormFace, AM-Softmax, CosFace, ArcFace and the combined
// margin share. Each has class weights W (K x N), a scale s (fixed or
// learnable), the logits s cos theta_j with
//   cos theta_ij = <W_j / |W_j|, h_i / |h_i|>        (cosine_matrix)
// and differs from the others only in the target logit s psi(theta_y), which
// the subclass gives as a TargetLogit. Everything after cos theta is the
// margin-softmax node (losses/margin_softmax.hpp).
//
// Margin warm-up: with warmup=N > 0 the margins are multiplied by
// ramp = linear_ramp(0, 1, N)(t) = min(1, t / N) at iteration t
// (set_iteration), so training starts as NormFace and reaches the full
// margin after N iterations. Off by default.
#pragma once

#include <string>
#include <vector>

#include "core/schedule.hpp"
#include "losses/loss_base.hpp"
#include "losses/margin_softmax.hpp"
#include "losses/params.hpp"

namespace fg {

class CosineLoss : public LossBase {
 public:
  // Reads s, learn_s and warmup (see cosine_loss_params) from r.
  CosineLoss(std::string name, const LossContext& ctx, const ParamReader& r);

  std::string name() const override { return name_; }
  Var forward(const LossInput& in) override;
  void set_iteration(int64_t t) override { t_ = t; }
  Tensor class_weights() const override { return param("W").value(); }
  // W and h are normalised: classes by angle, argmax_j cos theta_j.
  Scoring scoring() const override { return Scoring::Cosine; }
  std::string describe() const override;

  // The margins' factor at the current iteration: linear_ramp(0, 1, warmup).
  double ramp() const { return ramp_(t_); }
  // The target logit psi(theta) in force now: the margins scaled by ramp()
  // (the explorer shows it for each hovered point).
  TargetLogit current_target() const { return target(ramp()); }
  std::function<double(double)> target_logit() const override { return current_target().psi; }

 protected:
  // psi with every margin multiplied by ramp (ramp = 1: the loss as written).
  virtual TargetLogit target(double ramp) const = 0;
  // " m=0.5" etc. for describe().
  virtual std::string margins() const { return ""; }

 private:
  std::string name_;
  LossContext ctx_;
  Schedule ramp_ = constant_schedule(1);
  int64_t t_ = 0;
};

// The parameters every CosineLoss reads: s (its default given), learn_s and,
// for the margin losses, warmup.
std::vector<ParamSpec> cosine_loss_params(const std::string& s_default, bool learn_s_default,
                                          bool with_warmup);

}  // namespace fg
