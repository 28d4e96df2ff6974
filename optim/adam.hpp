// Adam (Kingma and Ba 2015) and AdamW (Loshchilov and Hutter 2019), as
// PyTorch's torch.optim.Adam and AdamW define them. For each parameter p
// with gradient g, at its t-th update (t = 1, 2, ...):
//
//   Adam:  g = g + weight_decay p          (L2 penalty through the gradient)
//   AdamW: p = p (1 - lr weight_decay)     (decay applied to p directly)
//   m = beta1 m + (1 - beta1) g            first moment,  "exp_avg"
//   v = beta2 v + (1 - beta2) g^2          second moment, "exp_avg_sq"
//   p = p - lr (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
//
// The divisions by 1 - beta^t are the bias corrections (m and v start at 0).
// State per parameter: "group<i>.<name>.exp_avg", ".exp_avg_sq", ".step".
#pragma once

#include "optim/optimizer.hpp"

namespace fg {

struct AdamOptions {
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  bool decoupled_weight_decay = false;  // true: AdamW
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<ParamGroup> groups, AdamOptions options = {});
  // One group.
  Adam(std::vector<NamedVar> params, double lr = 1e-3, double weight_decay = 0);

  void step() override;
  std::vector<NamedTensor> state() override;
  void load_state(const std::vector<NamedTensor>& s) override;
  std::string describe() const override;

  const AdamOptions options;

 private:
  struct Moments {
    Tensor m, v;   // exp_avg, exp_avg_sq: empty until the first update
    int64_t t = 0;  // updates so far
  };
  std::vector<std::vector<Moments>> moments_;  // [group][param]
};

// Adam with decoupled weight decay (PyTorch's default weight decay 0.01).
class AdamW : public Adam {
 public:
  AdamW(std::vector<ParamGroup> groups, AdamOptions options = {})
      : Adam(std::move(groups), with_decoupled(options)) {}
  AdamW(std::vector<NamedVar> params, double lr = 1e-3, double weight_decay = 1e-2)
      : Adam(std::vector<ParamGroup>{ParamGroup{std::move(params), lr, weight_decay}},
             with_decoupled({})) {}

 private:
  static AdamOptions with_decoupled(AdamOptions o) {
    o.decoupled_weight_decay = true;
    return o;
  }
};

}  // namespace fg
