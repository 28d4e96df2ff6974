// Optimizer: updates parameters from their gradients.
//
// Parameters come in groups, each with its own learning rate and weight
// decay (class centres and learnable scales often want their own). The
// optimizer's state (momenta, Adam's moments, the step count) is exposed as
// named tensors so checkpoints can save and restore it exactly.
#pragma once

#include <string>
#include <vector>

#include "layers/module.hpp"

namespace fg {

struct ParamGroup {
  std::vector<NamedVar> params;
  double lr = 0.01;
  double weight_decay = 0;
  double lr_scale = 1;  // multiplies the schedule's learning rate for this group
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual void step() = 0;  // one update from the current gradients
  void zero_grad() {
    for (auto& g : groups)
      for (auto& p : g.params)
        if (!p.second->grad.empty()) p.second->grad.fill(0);
  }
  // Sets every group's lr to base_lr * lr_scale (schedules call this).
  void set_lr(double base_lr) {
    for (auto& g : groups) g.lr = base_lr * g.lr_scale;
  }
  virtual std::vector<NamedTensor> state() = 0;
  virtual void load_state(const std::vector<NamedTensor>& s) = 0;

  std::vector<ParamGroup> groups;
  int64_t steps = 0;
};

}  // namespace fg
