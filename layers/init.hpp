// Weight initialisation from the one seeded generator.
//
// fan_in and fan_out of a weight: a Linear weight [out, in] has fan_in = in,
// fan_out = out; a convolution's [F, C, KH, KW] has fan_in = C KH KW and
// fan_out = F KH KW (each input and output unit sees one receptive field).
//
// Kaiming (He et al. 2015), for layers followed by a (P)ReLU with negative
// slope a: variance 2 / ((1 + a^2) fan), which keeps the activations' scale
// from layer to layer. fan is fan_in (the default: forward pass) or fan_out.
//   normal:  N(0, std^2), std = sqrt(2 / ((1 + a^2) fan))
//   uniform: U(-b, b),    b = sqrt(3) std   (the same variance)
// Xavier (Glorot and Bengio 2010), for layers without a rectifier: variance
// 2 / (fan_in + fan_out), times gain^2.
//   normal:  std = gain sqrt(2 / (fan_in + fan_out))
//   uniform: b = gain sqrt(6 / (fan_in + fan_out))
// Each function overwrites `w` in place.
#pragma once

#include "core/random.hpp"
#include "core/tensor.hpp"

namespace fg {

struct Fans {
  int64_t in = 0, out = 0;
};
// Throws fg::Error for a tensor of fewer than 2 axes.
Fans fans_of(const Shape& weight_shape);

enum class FanMode { In, Out };

void kaiming_normal(Tensor& w, Rng& rng, double a = 0, FanMode mode = FanMode::In);
void kaiming_uniform(Tensor& w, Rng& rng, double a = 0, FanMode mode = FanMode::In);
void xavier_normal(Tensor& w, Rng& rng, double gain = 1);
void xavier_uniform(Tensor& w, Rng& rng, double gain = 1);

}  // namespace fg
