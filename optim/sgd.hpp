// SGD with momentum, Nesterov momentum and weight decay, as PyTorch's
// torch.optim.SGD defines them. For each parameter p with gradient g:
//
//   d = g + weight_decay p                      (L2 penalty, per group)
//   with momentum mu > 0:
//     b = d on the first step, else b = mu b + (1 - dampening) d
//     d = d + mu b  (Nesterov)   or   d = b
//   p = p - lr d                                (lr per group)
//
// The momentum buffer b is state "group<i>.<name>.momentum_buffer".
#pragma once

#include "optim/optimizer.hpp"

namespace fg {

struct SGDOptions {
  double momentum = 0;
  double dampening = 0;
  bool nesterov = false;  // needs momentum > 0 and dampening 0
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<ParamGroup> groups, SGDOptions options = {});
  // One group.
  SGD(std::vector<NamedVar> params, double lr, double momentum = 0, double weight_decay = 0,
      bool nesterov = false);

  void step() override;
  std::vector<NamedTensor> state() override;
  void load_state(const std::vector<NamedTensor>& s) override;
  std::string describe() const override;

  const SGDOptions options;

 private:
  std::vector<std::vector<Tensor>> buffer_;  // [group][param]; empty until the first step
};

}  // namespace fg
