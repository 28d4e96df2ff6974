#include "layers/prelu.hpp"

#include "core/ops.hpp"

namespace fg {

PReLU::PReLU(int num_slopes, double init) {
  if (num_slopes < 1)
    throw Error("PReLU: needs at least one slope, got " + std::to_string(num_slopes));
  alpha = param(Tensor::full({num_slopes}, real(init)));
  register_parameter("alpha", &alpha);
}

Var PReLU::forward(const Var& x) { return prelu(x, alpha); }

std::string PReLU::describe() const {
  return "PReLU(" + std::to_string(alpha.value().numel()) + " slope" +
         (alpha.value().numel() == 1 ? ")" : "s)");
}

}  // namespace fg
