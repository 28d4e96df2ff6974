#include "optim/adam.hpp"

#include <cmath>
#include <sstream>

namespace fg {

Adam::Adam(std::vector<ParamGroup> g, AdamOptions o) : options(o) {
  groups = std::move(g);
  check_groups(o.decoupled_weight_decay ? "AdamW" : "Adam");
  if (!(o.beta1 >= 0 && o.beta1 < 1) || !(o.beta2 >= 0 && o.beta2 < 1) || !(o.eps > 0))
    throw Error(std::string(o.decoupled_weight_decay ? "AdamW" : "Adam") +
                ": need beta1, beta2 in [0, 1) and eps > 0, got beta1 " + std::to_string(o.beta1) +
                ", beta2 " + std::to_string(o.beta2) + ", eps " + std::to_string(o.eps));
  for (auto& grp : groups) moments_.emplace_back(grp.params.size());
}

Adam::Adam(std::vector<NamedVar> params, double lr, double weight_decay)
    : Adam(std::vector<ParamGroup>{ParamGroup{std::move(params), lr, weight_decay}}) {}

void Adam::step() {
  const double b1 = options.beta1, b2 = options.beta2;
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const ParamGroup& grp = groups[gi];
    for (size_t pi = 0; pi < grp.params.size(); ++pi) {
      Node& node = *grp.params[pi].second;
      if (node.grad.empty()) continue;
      Moments& mo = moments_[gi][pi];
      if (mo.m.empty()) mo.m = Tensor(node.value.shape()), mo.v = Tensor(node.value.shape());
      ++mo.t;
      // p -= step_size m / (sqrt(v) / sqrt(bc2) + eps), the update above rearranged.
      const double bc1 = 1 - std::pow(b1, double(mo.t)), bc2 = 1 - std::pow(b2, double(mo.t));
      const real step_size = real(grp.lr / bc1), inv_sqrt_bc2 = real(1 / std::sqrt(bc2));
      const real eps = real(options.eps), rb1 = real(b1), rb2 = real(b2);
      const real l2 = options.decoupled_weight_decay ? real(0) : real(grp.weight_decay);
      const real shrink = options.decoupled_weight_decay ? real(1 - grp.lr * grp.weight_decay)
                                                         : real(1);
      real* p = node.value.data();
      real *m = mo.m.data(), *v = mo.v.data();
      const real* gr = node.grad.data();
      const int64_t n = node.value.numel();
#pragma omp parallel for if (n > 65536)
      for (int64_t i = 0; i < n; ++i) {
        const real g = gr[i] + l2 * p[i];
        m[i] = rb1 * m[i] + (1 - rb1) * g;
        v[i] = rb2 * v[i] + (1 - rb2) * g * g;
        p[i] = shrink * p[i] - step_size * m[i] / (std::sqrt(v[i]) * inv_sqrt_bc2 + eps);
      }
    }
  }
  ++steps;
}

std::vector<NamedTensor> Adam::state() {
  std::vector<NamedTensor> out{{"step", count_tensor(steps)}};
  for (size_t gi = 0; gi < groups.size(); ++gi)
    for (size_t pi = 0; pi < groups[gi].params.size(); ++pi) {
      const Moments& mo = moments_[gi][pi];
      if (mo.m.empty()) continue;
      const std::string& name = groups[gi].params[pi].first;
      out.emplace_back(state_name(gi, name, "exp_avg"), mo.m.clone());
      out.emplace_back(state_name(gi, name, "exp_avg_sq"), mo.v.clone());
      out.emplace_back(state_name(gi, name, "step"), count_tensor(mo.t));
    }
  return out;
}

void Adam::load_state(const std::vector<NamedTensor>& s) {
  const char* who = options.decoupled_weight_decay ? "AdamW" : "Adam";
  StateReader r(who, s);
  const Tensor* st = r.take("step", {2});
  if (!st) throw Error(std::string(who) + "::load_state: the state has no \"step\"");
  const int64_t new_steps = count_of(*st, "step");
  std::vector<std::vector<Moments>> mom;
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    mom.emplace_back();
    for (auto& [name, var] : groups[gi].params) {
      const Tensor* m = r.take(state_name(gi, name, "exp_avg"), var.shape());
      const Tensor* v = r.take(state_name(gi, name, "exp_avg_sq"), var.shape());
      const Tensor* t = r.take(state_name(gi, name, "step"), {2});
      Moments mo;
      if (m || v || t) {
        if (!(m && v && t))
          throw Error(std::string(who) + "::load_state: \"" + name + "\" of group " +
                      std::to_string(gi) + " has only part of its state (exp_avg, exp_avg_sq, step)");
        mo.m = m->clone(), mo.v = v->clone(), mo.t = count_of(*t, state_name(gi, name, "step"));
      }
      mom.back().push_back(std::move(mo));
    }
  }
  r.finish();
  steps = new_steps;
  moments_ = std::move(mom);
}

std::string Adam::describe() const {
  std::ostringstream os;
  os << (options.decoupled_weight_decay ? "AdamW" : "Adam") << "(betas " << options.beta1 << ", "
     << options.beta2 << ", eps " << options.eps;
  for (size_t i = 0; i < groups.size(); ++i)
    os << "; group " << i << ": " << groups[i].params.size() << " tensors, lr " << groups[i].lr
       << ", weight decay " << groups[i].weight_decay;
  return os.str() + ")";
}

}  // namespace fg
