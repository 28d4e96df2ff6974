// Flatten: [N, d1, d2, ...] -> [N, d1 d2 ...], without copying. No parameters.
#pragma once

#include "core/ops.hpp"
#include "layers/module.hpp"

namespace fg {

class Flatten : public Module {
 public:
  Var forward(const Var& x) override { return flatten(x); }
  std::string describe() const override { return "Flatten"; }
};

}  // namespace fg
