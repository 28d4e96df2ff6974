#include "optim/optimizer.hpp"

#include <cmath>
#include <set>

namespace fg {

void Optimizer::check_groups(const char* who) const {
  for (size_t i = 0; i < groups.size(); ++i) {
    const ParamGroup& g = groups[i];
    const std::string where = std::string(who) + ": group " + std::to_string(i);
    if (!(g.lr >= 0) || !(g.weight_decay >= 0) || !(g.lr_scale >= 0))
      throw Error(where + " needs lr, weight_decay and lr_scale >= 0, got lr " +
                  std::to_string(g.lr) + ", weight_decay " + std::to_string(g.weight_decay) +
                  ", lr_scale " + std::to_string(g.lr_scale));
    std::set<std::string> seen;
    for (auto& [name, v] : g.params) {
      if (!v) throw Error(where + ": parameter \"" + name + "\" is an empty Var");
      if (!seen.insert(name).second)
        throw Error(where + ": two parameters are named \"" + name +
                    "\" (put them in different groups or rename one)");
    }
  }
}

std::string Optimizer::state_name(size_t group, const std::string& param, const char* what) {
  return "group" + std::to_string(group) + "." + param + "." + what;
}

Tensor Optimizer::count_tensor(int64_t n) {
  return Tensor::from({2}, {real(n >> 20), real(n & ((int64_t(1) << 20) - 1))});
}

int64_t Optimizer::count_of(const Tensor& t, const std::string& name) {
  if (t.numel() != 2 || !(t[0] >= 0) || !(t[1] >= 0) || t[0] != std::floor(t[0]) ||
      t[1] != std::floor(t[1]) || t[1] >= real(1 << 20))
    throw Error("optimizer state: \"" + name + "\" is not a count (two whole numbers, got " +
                shape_str(t.shape()) + ")");
  return (int64_t(t[0]) << 20) + int64_t(t[1]);
}

StateReader::StateReader(const char* who, const std::vector<NamedTensor>& s)
    : who_(who), left_(s) {}

const Tensor* StateReader::take(const std::string& name, const Shape& shape) {
  for (auto& [n, t] : left_)
    if (n == name) {
      if (t.shape() != shape)
        throw Error(std::string(who_) + "::load_state: \"" + name + "\" has shape " +
                    shape_str(t.shape()) + ", expected " + shape_str(shape));
      n.clear();  // taken
      return &t;
    }
  return nullptr;
}

void StateReader::finish() const {
  for (auto& [n, t] : left_)
    if (!n.empty())
      throw Error(std::string(who_) + "::load_state: unknown entry \"" + n +
                  "\" (does the state come from another optimizer or other parameter groups?)");
}

void apply_schedule(Optimizer& opt, const Schedule& s, int64_t t) { opt.set_lr(s(t)); }

}  // namespace fg
