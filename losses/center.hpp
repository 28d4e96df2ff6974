// The centre losses as Loss objects: center (L_C) and center_invariant
// (L_CI), which in one objective share one table of centres.
//
// How the centres move. By default they are a fixed entry of the loss
// ("centers", K x N): not in parameters(), so no optimizer touches them, and
// no gradient is spent on them in training. after_step() moves them by the
// paper's rule (Wen et al. 2016), computed in the last forward that recorded
// gradients (the training forward) from that forward's h, y and c:
//
//   c_j <- c_j - alpha_c delta_j,  delta_j = sum_{i: y_i = j} (c_j - h_i) / (1 + n_j)
//
// n_j the number of the batch's samples of class j (delta_j = 0 for a class
// not in the batch). The rule does not depend on the weight of L_C in the
// objective. center_invariant adds its own step, a gradient step of size
// alpha_c on its weighted term: c <- c - alpha_c gamma dL_CI/dc, gamma its
// weight in the objective (set by the objective; 1 alone). Both steps are
// computed at forward time from the same c, so their order does not matter.
//
// set_parameter("centers", param(C)) (losscalc --centers, tests) makes the
// centres a leaf with a gradient: backward then writes the true gradient of
// the formula into it. With sgd=1 the centres are instead a learnable entry
// of parameters(), moved by the optimizer with the gradient, and after_step()
// does nothing.
#pragma once

#include <functional>
#include <string>

#include "losses/loss_base.hpp"
#include "losses/params.hpp"

namespace fg {

// The rule's move of the centres, shared by both losses: c -= step in place
// (the storage the objective's terms share), then nothing is pending.
void take_pending_step(const Var& centers, Tensor& step);

class CenterLoss : public LossBase {
 public:
  CenterLoss(const LossContext& ctx, const ParamReader& r);
  std::string name() const override { return "center"; }
  Var forward(const LossInput& in) override;
  void set_iteration(int64_t t) override { iteration_ = t; }
  void after_step() override;
  std::string describe() const override;

  const Var& centers() const { return param("centers"); }
  real alpha_c() const { return alpha_c_; }
  bool rule() const { return !sgd_; }
  // With init_from_w=1 the centres are copied from W at the first training
  // forward of iteration 0 (so a resumed run keeps its saved centres).
  bool wants_class_weights() const { return init_from_w_; }
  void set_class_weight_source(std::function<Tensor()> source) { w_source_ = std::move(source); }

 private:
  int K_, dim_;
  real alpha_c_;
  bool sgd_, init_from_w_, initialised_ = false;
  int64_t iteration_ = 0;
  std::function<Tensor()> w_source_;
  Tensor step_;  // alpha_c delta from the last training forward (empty: none pending)
};

class CenterInvariantLoss : public LossBase {
 public:
  CenterInvariantLoss(const LossContext& ctx, const ParamReader& r);
  std::string name() const override { return "center_invariant"; }
  Var forward(const LossInput& in) override;
  void after_step() override;
  std::string describe() const override;

  // Uses (and moves) the centres of `owner` instead of its own; the owner must
  // outlive this loss (both live in one objective).
  void share_centers_of(CenterLoss* owner) { owner_ = owner; }
  // gamma: the weight of this term in its objective.
  void set_weight(real gamma) { gamma_ = gamma; }
  const Var& centers() const { return owner_ ? owner_->centers() : param("centers"); }
  // While sharing, the centres are the owner's: listed and set there.
  std::vector<NamedVar> parameters() override {
    return owner_ ? std::vector<NamedVar>{} : LossBase::parameters();
  }
  void set_parameter(const std::string& key, const Var& value) override {
    if (owner_ && key == "centers") return owner_->set_parameter(key, value);
    LossBase::set_parameter(key, value);
  }

 private:
  int K_, dim_;
  real alpha_c_, gamma_ = 1;
  bool sgd_;
  CenterLoss* owner_ = nullptr;
  Tensor step_;  // alpha_c gamma dL_CI/dc from the last training forward
};

}  // namespace fg
