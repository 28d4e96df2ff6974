// Module: the base of every layer and network.
//
// A module owns named parameters (learnable Vars, e.g. "conv1.weight") and
// named buffers (state that is saved but not learned, e.g. BatchNorm's
// running mean). Containers name their children's entries with a prefix
// ("features.0.weight"). train()/eval() switch the mode of the whole tree.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/graph.hpp"

namespace fg {

using NamedVar = std::pair<std::string, Var>;
using NamedTensor = std::pair<std::string, Tensor>;

class Module {
 public:
  virtual ~Module() = default;
  virtual Var forward(const Var& x) = 0;
  Var operator()(const Var& x) { return forward(x); }

  // Appends this module's parameters (and its children's) under `prefix`.
  virtual void collect_parameters(const std::string& prefix, std::vector<NamedVar>& out) {}
  virtual void collect_buffers(const std::string& prefix, std::vector<NamedTensor>& out) {}
  virtual void set_training(bool on) { training_ = on; }
  virtual std::string describe() const { return "Module"; }

  std::vector<NamedVar> parameters() {
    std::vector<NamedVar> out;
    collect_parameters("", out);
    return out;
  }
  std::vector<Var> parameter_vars() {
    std::vector<Var> out;
    for (auto& p : parameters()) out.push_back(p.second);
    return out;
  }
  std::vector<NamedTensor> buffers() {
    std::vector<NamedTensor> out;
    collect_buffers("", out);
    return out;
  }
  void train() { set_training(true); }
  void eval() { set_training(false); }
  bool training() const { return training_; }

 protected:
  bool training_ = true;
};

}  // namespace fg
