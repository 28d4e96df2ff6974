#include "optim/sgd.hpp"

#include <algorithm>
#include <sstream>

namespace fg {

SGD::SGD(std::vector<ParamGroup> g, SGDOptions o) : options(o) {
  groups = std::move(g);
  check_groups("SGD");
  if (!(o.momentum >= 0) || !(o.dampening >= 0 && o.dampening <= 1))
    throw Error("SGD: momentum must be >= 0 and dampening in [0, 1], got momentum " +
                std::to_string(o.momentum) + ", dampening " + std::to_string(o.dampening));
  if (o.nesterov && (o.momentum <= 0 || o.dampening != 0))
    throw Error("SGD: Nesterov momentum needs momentum > 0 and dampening 0");
  for (auto& grp : groups) buffer_.emplace_back(grp.params.size());
}

SGD::SGD(std::vector<NamedVar> params, double lr, double momentum, double weight_decay,
         bool nesterov)
    : SGD(std::vector<ParamGroup>{ParamGroup{std::move(params), lr, weight_decay}},
          SGDOptions{momentum, 0, nesterov}) {}

void SGD::step() {
  const double mu = options.momentum, damp = options.dampening;
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const ParamGroup& grp = groups[gi];
    const real lr = real(grp.lr), wd = real(grp.weight_decay);
    for (size_t pi = 0; pi < grp.params.size(); ++pi) {
      Node& node = *grp.params[pi].second;
      if (node.grad.empty()) continue;
      real* p = node.value.data();
      const real* g = node.grad.data();
      const int64_t n = node.value.numel();
      if (mu == 0) {
#pragma omp parallel for if (n > 65536)
        for (int64_t i = 0; i < n; ++i) p[i] -= lr * (g[i] + wd * p[i]);
        continue;
      }
      Tensor& buf = buffer_[gi][pi];
      const bool first = buf.empty();
      if (first) buf = Tensor(node.value.shape());
      real* b = buf.data();
      const real m = real(mu), keep = first ? real(0) : m, take = first ? real(1) : real(1 - damp);
      const bool nesterov = options.nesterov;
#pragma omp parallel for if (n > 65536)
      for (int64_t i = 0; i < n; ++i) {
        const real d = g[i] + wd * p[i];
        b[i] = keep * b[i] + take * d;
        p[i] -= lr * (nesterov ? d + m * b[i] : b[i]);
      }
    }
  }
  ++steps;
}

std::vector<NamedTensor> SGD::state() {
  std::vector<NamedTensor> out{{"step", count_tensor(steps)}};
  for (size_t gi = 0; gi < groups.size(); ++gi)
    for (size_t pi = 0; pi < groups[gi].params.size(); ++pi)
      if (!buffer_[gi][pi].empty())
        out.emplace_back(state_name(gi, groups[gi].params[pi].first, "momentum_buffer"),
                         buffer_[gi][pi].clone());
  return out;
}

void SGD::load_state(const std::vector<NamedTensor>& s) {
  StateReader r("SGD", s);
  const Tensor* st = r.take("step", {2});
  if (!st) throw Error("SGD::load_state: the state has no \"step\"");
  const int64_t new_steps = count_of(*st, "step");
  std::vector<std::vector<Tensor>> buf;
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    buf.emplace_back();
    for (auto& [name, v] : groups[gi].params) {
      const Tensor* t = r.take(state_name(gi, name, "momentum_buffer"), v.shape());
      buf.back().push_back(t ? t->clone() : Tensor());
    }
  }
  r.finish();
  steps = new_steps;
  buffer_ = std::move(buf);
}

std::string SGD::describe() const {
  std::ostringstream os;
  os << "SGD(momentum " << options.momentum << (options.nesterov ? ", Nesterov" : "");
  if (options.dampening != 0) os << ", dampening " << options.dampening;
  for (size_t i = 0; i < groups.size(); ++i)
    os << "; group " << i << ": " << groups[i].params.size() << " tensors, lr " << groups[i].lr
       << ", weight decay " << groups[i].weight_decay;
  return os.str() + ")";
}

}  // namespace fg
