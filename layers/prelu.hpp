// PReLU: y = x for x > 0, alpha_c x otherwise (He et al. 2015), with a
// learnable slope "alpha": one shared (num_slopes = 1) or one per channel
// (axis 1 of [N, C] or [N, C, H, W]). Slopes start at `init` (0.25, as in
// the paper that introduced it).
#pragma once

#include "layers/module.hpp"

namespace fg {

class PReLU : public Module {
 public:
  explicit PReLU(int num_slopes = 1, double init = 0.25);
  Var forward(const Var& x) override;
  std::string describe() const override;

  Var alpha;  // [num_slopes]
};

}  // namespace fg
