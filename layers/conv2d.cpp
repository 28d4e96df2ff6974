#include "layers/conv2d.hpp"

#include "core/ops.hpp"
#include "layers/init.hpp"

namespace fg {

Conv2d::Conv2d(int in, int out, int k, Rng& rng, int stride_, int pad_, bool with_bias)
    : in_channels(in), out_channels(out), kernel(k), stride(stride_), pad(pad_) {
  if (in < 1 || out < 1 || k < 1 || stride < 1 || pad < 0)
    throw Error("Conv2d: need positive channels, kernel and stride and pad >= 0, got " +
                describe());
  Tensor w({out, in, k, k});
  kaiming_normal(w, rng);
  register_weight_and_bias(weight, bias, w, with_bias);
}

Var Conv2d::forward(const Var& x) {
  if (x.value().dim() != 4 || x.shape()[1] != in_channels)
    throw Error(describe() + ": expected input [N, " + std::to_string(in_channels) +
                ", H, W], got " + shape_str(x.shape()));
  return conv2d(x, weight, bias, stride, pad);
}

std::string Conv2d::describe() const {
  return "Conv2d(" + std::to_string(in_channels) + " -> " + std::to_string(out_channels) +
         ", " + std::to_string(kernel) + "x" + std::to_string(kernel) + ", stride " +
         std::to_string(stride) + ", pad " + std::to_string(pad) + (bias ? ")" : ", no bias)");
}

}  // namespace fg
