// ReLU: y = max(0, x). No parameters.
#pragma once

#include "core/ops.hpp"
#include "layers/module.hpp"

namespace fg {

class ReLU : public Module {
 public:
  Var forward(const Var& x) override { return relu(x); }
  std::string describe() const override { return "ReLU"; }
};

}  // namespace fg
