// Conv2d: 2-D convolution (cross-correlation) of x [N, C, H, W] with filters
// weight [F, C, k, k] plus bias [F] (optional), through the conv2d op of
// core/ops.hpp. Output [N, F, OH, OW], OH = (H + 2 pad - k) / stride + 1.
// Initialisation: weight Kaiming normal (fan_in = C k k, slope 0), bias zero.
#pragma once

#include "core/random.hpp"
#include "layers/module.hpp"

namespace fg {

class Conv2d : public Module {
 public:
  Conv2d(int in_channels, int out_channels, int kernel, Rng& rng, int stride = 1, int pad = 0,
         bool bias = true);
  Var forward(const Var& x) override;
  std::string describe() const override;
  // The output size along one axis of size `in`.
  int out_size(int in) const { return (in + 2 * pad - kernel) / stride + 1; }

  Var weight;  // [F, C, k, k]
  Var bias;    // [F], or empty
  const int in_channels, out_channels, kernel, stride, pad;
};

}  // namespace fg
