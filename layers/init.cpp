#include "layers/init.hpp"

#include <cmath>

namespace fg {

Fans fans_of(const Shape& s) {
  if (s.size() < 2)
    throw Error("init: a weight needs at least 2 axes ([out, in, ...]), got " + shape_str(s));
  int64_t field = 1;  // receptive field: the product of the axes after the first two
  for (size_t k = 2; k < s.size(); ++k) field *= s[k];
  return {int64_t(s[1]) * field, int64_t(s[0]) * field};
}

namespace {
double kaiming_std(const Tensor& w, double a, FanMode mode) {
  const Fans f = fans_of(w.shape());
  const double fan = double(mode == FanMode::In ? f.in : f.out);
  return std::sqrt(2.0 / ((1 + a * a) * fan));
}
double xavier_std(const Tensor& w, double gain) {
  const Fans f = fans_of(w.shape());
  return gain * std::sqrt(2.0 / double(f.in + f.out));
}
void fill_normal(Tensor& w, Rng& rng, double std) {
  for (int64_t i = 0; i < w.numel(); ++i) w[i] = real(rng.normal(0, std));
}
void fill_uniform(Tensor& w, Rng& rng, double bound) {
  for (int64_t i = 0; i < w.numel(); ++i) w[i] = real(rng.uniform(-bound, bound));
}
}  // namespace

void kaiming_normal(Tensor& w, Rng& rng, double a, FanMode mode) {
  fill_normal(w, rng, kaiming_std(w, a, mode));
}
void kaiming_uniform(Tensor& w, Rng& rng, double a, FanMode mode) {
  fill_uniform(w, rng, std::sqrt(3.0) * kaiming_std(w, a, mode));
}
void xavier_normal(Tensor& w, Rng& rng, double gain) { fill_normal(w, rng, xavier_std(w, gain)); }
void xavier_uniform(Tensor& w, Rng& rng, double gain) {
  fill_uniform(w, rng, std::sqrt(3.0) * xavier_std(w, gain));
}

}  // namespace fg
