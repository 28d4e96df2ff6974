#include "layers/maxpool.hpp"

#include "core/ops.hpp"

namespace fg {

MaxPool2d::MaxPool2d(int k, int s) : kernel(k), stride(s == 0 ? k : s) {
  if (kernel < 1 || stride < 1)
    throw Error("MaxPool2d: kernel and stride must be positive, got kernel " + std::to_string(k) +
                " stride " + std::to_string(s));
}

Var MaxPool2d::forward(const Var& x) { return maxpool2d(x, kernel, stride); }

std::string MaxPool2d::describe() const {
  return "MaxPool2d(" + std::to_string(kernel) + "x" + std::to_string(kernel) + ", stride " +
         std::to_string(stride) + ")";
}

}  // namespace fg
