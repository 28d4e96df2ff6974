#include "losses/cosine_loss.hpp"

#include <algorithm>

namespace fg {

std::vector<ParamSpec> cosine_loss_params(const std::string& s_default, bool learn_s_default,
                                          bool with_warmup) {
  std::vector<ParamSpec> p = {
      {"s", s_default, Range::positive(),
       "scale s of the logits s cos theta (the start value when learned)"},
      {"learn_s", learn_s_default ? "1" : "0", Range::flag(), "1: s is a learnable parameter"},
  };
  if (with_warmup)
    p.push_back({"warmup", "0", Range::integers(0),
                 "iterations over which the margin ramps linearly from 0 (0: full margin at once)"});
  return p;
}

CosineLoss::CosineLoss(std::string name, const LossContext& ctx, const ParamReader& r)
    : name_(std::move(name)), ctx_(ctx) {
  add_parameter("W", init_class_weights(ctx.num_classes, ctx.dim, ctx.seed), true);
  add_parameter("s", Tensor::scalar(real(r.real_value("s"))), r.flag("learn_s"));
  // Only the margin losses declare warmup; 0 means the full margin at once.
  ramp_ = linear_ramp(0, 1, r.has("warmup") ? r.int_value("warmup") : 0);
}

Var CosineLoss::forward(const LossInput& in) {
  check_batch(name_, in.h, in.y, ctx_.num_classes, ctx_.dim);
  return margin_softmax(cosine_matrix(in.h, param("W")), param("s"), in.y, target(ramp()));
}

std::string CosineLoss::describe() const {
  std::string d = name_ + " s=" + num_str(scalar("s")) + margins();
  if (ramp() < 1) d += " (margin warm-up " + num_str(100 * ramp()) + "%)";
  return d;
}

}  // namespace fg
