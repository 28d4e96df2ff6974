#include "losses/loss_base.hpp"

#include <cmath>

#include "core/random.hpp"

namespace fg {

std::vector<NamedVar> LossBase::parameters() {
  std::vector<NamedVar> out;
  for (const Slot& s : slots_)
    if (s.learnable) out.emplace_back(s.key, s.var);
  return out;
}

void LossBase::set_parameter(const std::string& key, const Var& value) {
  for (Slot& s : slots_) {
    if (s.key != key) continue;
    if (!value) throw Error(name() + ": set_parameter(" + key + ") got an empty Var");
    if (value.shape() != s.var.shape())
      throw Error(name() + ": parameter " + key + " has shape " + shape_str(s.var.shape()) +
                  ", got " + shape_str(value.shape()));
    s.var = value;
    return;
  }
  std::string valid;
  for (const Slot& s : slots_) valid += (valid.empty() ? "" : ", ") + s.key;
  throw Error(name() + " has no parameter '" + key + "'; it has: " +
              (valid.empty() ? "(none)" : valid));
}

void LossBase::add_parameter(const std::string& key, Tensor init, bool learnable) {
  for (const Slot& s : slots_)
    if (s.key == key) throw Error(name() + ": parameter " + key + " registered twice");
  slots_.push_back({key, learnable ? fg::param(std::move(init)) : constant(std::move(init)),
                    learnable});
}

const Var& LossBase::param(const std::string& key) const {
  for (const Slot& s : slots_)
    if (s.key == key) return s.var;
  throw Error(name() + ": no parameter '" + key + "'");
}

Tensor init_class_weights(int K, int N, uint64_t seed) {
  if (K < 1 || N < 1)
    throw Error("class weights: need K >= 1 classes and N >= 1 dimensions, got K = " +
                std::to_string(K) + ", N = " + std::to_string(N));
  Rng rng(seed);
  return Tensor::randn({K, N}, rng, 0, real(std::sqrt(2.0 / (K + N))));
}

void check_batch(const std::string& loss, const Var& h, const std::vector<int>& y, int K,
                 int dim) {
  if (!h) throw Error(loss + ": no embeddings given");
  const Shape& s = h.shape();
  if (s.size() != 2 || s[0] < 1 || s[1] != dim)
    throw Error(loss + ": embeddings h must be m x " + std::to_string(dim) + " with m >= 1, got " +
                shape_str(s));
  if (static_cast<int>(y.size()) != s[0])
    throw Error(loss + ": " + std::to_string(y.size()) + " labels for " + std::to_string(s[0]) +
                " embeddings");
  for (size_t i = 0; i < y.size(); ++i)
    if (y[i] < 0 || y[i] >= K)
      throw Error(loss + ": label " + std::to_string(y[i]) + " of sample " + std::to_string(i) +
                  " is outside 0.." + std::to_string(K - 1) + " (K = " + std::to_string(K) + ")");
}

}  // namespace fg
