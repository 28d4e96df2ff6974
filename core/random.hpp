// One seeded generator drives data order, initialisation and sampling.
// The uniform and normal draws are written out here (not taken from
// <random>'s distributions) so the same seed gives the same numbers with
// any standard library.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace fg {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) : eng_(seed) {}
  void seed(uint64_t s) { eng_.seed(s); has_spare_ = false; }

  uint64_t next_u64() { return eng_(); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return (eng_() >> 11) * (1.0 / 9007199254740992.0); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n).
  uint64_t below(uint64_t n) { return n ? eng_() % n : 0; }
  // Standard normal by the Box-Muller transform.
  double normal() {
    if (has_spare_) { has_spare_ = false; return spare_; }
    double u1 = uniform(), u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    const double r = std::sqrt(-2.0 * std::log(u1)), t = 6.283185307179586 * u2;
    spare_ = r * std::sin(t);
    has_spare_ = true;
    return r * std::cos(t);
  }
  double normal(double mean, double stddev) { return mean + stddev * normal(); }

  // Fisher-Yates shuffle of any random-access container.
  template <class C> void shuffle(C& c) {
    for (size_t i = c.size(); i > 1; --i) std::swap(c[i - 1], c[below(i)]);
  }

  // Raw state, for checkpoints (resume gives the same numbers).
  std::mt19937_64& engine() { return eng_; }
  bool has_spare_ = false;
  double spare_ = 0;

 private:
  std::mt19937_64 eng_;
};

}  // namespace fg
