// LossBase: a Loss that keeps its parameters in a small named table, so every
// loss gets parameters(), set_parameter() and the usual initialisations the
// same way. A loss registers "W", "s", "alpha", ... in its constructor and
// reads them back with param("W") in forward().
#pragma once

#include <string>
#include <vector>

#include "losses/loss.hpp"

namespace fg {

class LossBase : public Loss {
 public:
  // The learnable entries only (what the optimizer updates).
  std::vector<NamedVar> parameters() override;
  // Any entry, learnable or fixed; the shape must match the current one.
  void set_parameter(const std::string& key, const Var& value) override;

 protected:
  // A learnable entry is a param() leaf, a fixed one a constant().
  void add_parameter(const std::string& key, Tensor init, bool learnable);
  const Var& param(const std::string& key) const;
  // The value of a one-element entry (s, alpha).
  real scalar(const std::string& key) const { return param(key).value()[0]; }

 private:
  struct Slot {
    std::string key;
    Var var;
    bool learnable;
  };
  std::vector<Slot> slots_;
};

// Class weights W (K x N), Xavier-normal: entries N(0, 2 / (K + N)), drawn
// from a generator seeded with `seed`.
Tensor init_class_weights(int K, int N, uint64_t seed);

// Checks h (m x N, N = dim) and the labels (m of them, each in 0..K-1) at the
// start of a forward; the message names the loss and the offending sample.
void check_batch(const std::string& loss, const Var& h, const std::vector<int>& y, int K, int dim);

}  // namespace fg
