#include "layers/module.hpp"

#include <algorithm>
#include <map>

namespace fg {

void Module::register_parameter(std::string name, Var* slot) {
  param_slots_.emplace_back(std::move(name), slot);
}
void Module::register_buffer(std::string name, Tensor* slot) {
  buffer_slots_.emplace_back(std::move(name), slot);
}
void Module::register_module(std::string name, Module* child) {
  children_.emplace_back(std::move(name), child);
}
void Module::register_weight_and_bias(Var& weight, Var& bias, const Tensor& w, bool with_bias) {
  weight = param(w);
  register_parameter("weight", &weight);
  if (with_bias) {
    bias = param(Tensor::zeros({w.shape()[0]}));
    register_parameter("bias", &bias);
  }
}

void Module::collect_parameters(const std::string& prefix, std::vector<NamedVar>& out) {
  for (auto& [name, slot] : param_slots_)
    if (*slot) out.emplace_back(prefix + name, *slot);
  for (auto& [name, child] : children_) child->collect_parameters(prefix + name + ".", out);
}

void Module::collect_buffers(const std::string& prefix, std::vector<NamedTensor>& out) {
  for (auto& [name, slot] : buffer_slots_) out.emplace_back(prefix + name, *slot);
  for (auto& [name, child] : children_) child->collect_buffers(prefix + name + ".", out);
}

void Module::set_training(bool on) {
  training_ = on;
  for (auto& c : children_) c.second->set_training(on);
}

int64_t Module::num_parameters() {
  int64_t n = 0;
  for (auto& p : parameters()) n += p.second.value().numel();
  return n;
}

std::vector<NamedVar> Module::parameters_starting_with(const std::string& prefix) {
  std::vector<NamedVar> out;
  std::string names;
  for (auto& p : parameters()) {
    names += (names.empty() ? "" : ", ") + p.first;
    if (p.first.compare(0, prefix.size(), prefix) == 0) out.push_back(p);
  }
  if (out.empty())
    throw Error("no parameter of " + describe() + " starts with '" + prefix + "'; its parameters: " + names);
  return out;
}

int Module::set_requires_grad(bool on, const std::string& prefix) {
  const std::vector<NamedVar> matched = parameters_starting_with(prefix);
  for (const auto& p : matched) {
    p.second->requires_grad = on;
    if (!on) p.second->grad = Tensor();
  }
  return int(matched.size());
}

std::vector<NamedVar> Module::trainable_parameters() {
  std::vector<NamedVar> out;
  for (auto& p : parameters())
    if (p.second.requires_grad()) out.push_back(p);
  return out;
}

std::vector<NamedTensor> Module::state() {
  std::vector<NamedTensor> out;
  for (auto& p : parameters()) out.emplace_back(p.first, p.second.value().clone());
  for (auto& b : buffers()) out.emplace_back(b.first, b.second.clone());
  return out;
}

void Module::load_state(const std::vector<NamedTensor>& s) {
  std::vector<NamedTensor> mine;
  for (auto& p : parameters()) mine.emplace_back(p.first, p.second.value());
  for (auto& b : buffers()) mine.push_back(b);
  std::map<std::string, const Tensor*> given;
  for (auto& [name, t] : s)
    if (!given.emplace(name, &t).second)
      throw Error("Module::load_state: the name \"" + name + "\" appears twice in the state");
  // Check everything first, so a bad state changes nothing.
  for (auto& [name, t] : mine) {
    auto it = given.find(name);
    if (it == given.end())
      throw Error("Module::load_state: the state has no entry \"" + name + "\" (" +
                  describe() + ")");
    if (it->second->shape() != t.shape())
      throw Error("Module::load_state: \"" + name + "\" has shape " +
                  shape_str(it->second->shape()) + " in the state but " + shape_str(t.shape()) +
                  " in the module");
  }
  if (given.size() != mine.size())
    for (auto& [name, t] : s) {
      const bool known = std::any_of(mine.begin(), mine.end(),
                                     [&, &n = name](const NamedTensor& m) { return m.first == n; });
      if (!known)
        throw Error("Module::load_state: the state has \"" + name +
                    "\", which this module does not (" + describe() + ")");
    }
  for (auto& [name, t] : mine) {
    const Tensor& src = *given[name];
    std::copy(src.data(), src.data() + src.numel(), t.data());
  }
}

Var* Module::find_parameter(const std::string& name) {
  for (auto& [n, slot] : param_slots_)
    if (n == name && *slot) return slot;
  for (auto& [n, child] : children_)
    if (name.size() > n.size() && name.compare(0, n.size(), n) == 0 && name[n.size()] == '.')
      if (Var* v = child->find_parameter(name.substr(n.size() + 1))) return v;
  return nullptr;
}

void Module::set_parameter(const std::string& name, const Var& v) {
  Var* slot = find_parameter(name);
  if (!slot) throw Error("Module::set_parameter: no parameter \"" + name + "\" in " + describe());
  if (!v || v.shape() != slot->shape())
    throw Error("Module::set_parameter: \"" + name + "\" has shape " + shape_str(slot->shape()) +
                ", the new value " + (v ? shape_str(v.shape()) : std::string("is empty")));
  *slot = v;
}

}  // namespace fg
