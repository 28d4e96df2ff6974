#include "layers/linear.hpp"

#include "core/ops.hpp"
#include "layers/init.hpp"

namespace fg {

Linear::Linear(int in, int out, Rng& rng, bool with_bias) : in_features(in), out_features(out) {
  if (in < 1 || out < 1)
    throw Error("Linear: sizes must be positive, got in=" + std::to_string(in) +
                " out=" + std::to_string(out));
  Tensor w({out, in});
  kaiming_normal(w, rng);
  register_weight_and_bias(weight, bias, w, with_bias);
}

Var Linear::forward(const Var& x) {
  if (x.value().dim() != 2 || x.shape()[1] != in_features)
    throw Error("Linear(" + std::to_string(in_features) + " -> " + std::to_string(out_features) +
                "): expected input [m, " + std::to_string(in_features) + "], got " +
                shape_str(x.shape()));
  Var y = matmul(x, weight, false, true);  // x W^T
  return bias ? add(y, bias) : y;
}

std::string Linear::describe() const {
  return "Linear(" + std::to_string(in_features) + " -> " + std::to_string(out_features) +
         (bias ? ")" : ", no bias)");
}

}  // namespace fg
