// MaxPool2d: the maximum over k x k windows, moved by `stride` (default k),
// on [N, C, H, W]; output side (H - k) / stride + 1. No parameters.
#pragma once

#include "layers/module.hpp"

namespace fg {

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(int kernel, int stride = 0);  // stride 0 means stride = kernel
  Var forward(const Var& x) override;
  std::string describe() const override;
  int out_size(int in) const { return (in - kernel) / stride + 1; }

  const int kernel, stride;
};

}  // namespace fg
