// Seeded random inputs shared by the op, layer, loss and objective tests: the
// same seed gives the same tensor in every run and in both precisions.
#pragma once

#include <cstdint>
#include <utility>

#include "core/random.hpp"
#include "core/tensor.hpp"

namespace fg_test {

// Entries uniform in [lo, hi).
inline fg::Tensor rnd(fg::Shape s, uint64_t seed, fg::real lo = -1, fg::real hi = 1) {
  fg::Rng r(seed);
  return fg::Tensor::uniform(std::move(s), r, lo, hi);
}

// Magnitudes in [0.2, 1.5] with random signs: no value near zero (log, sqrt,
// div) or near a kink at 0 (abs, relu, prelu).
inline fg::Tensor away(fg::Shape s, uint64_t seed) {
  fg::Tensor t = rnd(std::move(s), seed, 0.2, 1.5);
  fg::Rng r(seed + 1);
  for (int64_t i = 0; i < t.numel(); ++i)
    if (r.uniform() < 0.5) t[i] = -t[i];
  return t;
}

}  // namespace fg_test
