// Linear: y = x W^T + b for x [m, in], W [out, in], b [out] (bias optional).
// W's rows are the output units, as the lecture writes class weights W (K x N).
// Initialisation: W Kaiming normal (fan_in, slope 0), b zero.
#pragma once

#include "core/random.hpp"
#include "layers/module.hpp"

namespace fg {

class Linear : public Module {
 public:
  Linear(int in_features, int out_features, Rng& rng, bool bias = true);
  Var forward(const Var& x) override;
  std::string describe() const override;

  Var weight;  // [out, in]
  Var bias;    // [out], or empty
  const int in_features, out_features;
};

}  // namespace fg
