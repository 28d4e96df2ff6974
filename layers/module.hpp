// Module: the base of every layer and network.
//
// A module owns named parameters (learnable Vars, e.g. "conv1.weight") and
// named buffers (state that is saved but not learned, e.g. BatchNorm's
// running mean). Containers name their children's entries with a prefix
// ("features.0.weight"). train()/eval() switch the mode of the whole tree.
//
// A layer declares its parameters as members and registers them once in its
// constructor:
//
//   class Linear : public Module {
//     Var weight, bias;
//     Linear(...) { ...; register_parameter("weight", &weight); }
//   };
//
// The base then lists them, finds them by name, saves and loads them. Since
// the registry points at members, modules are neither copied nor moved: hold
// them in place or through std::unique_ptr.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/graph.hpp"

namespace fg {

class Module {
 public:
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  virtual ~Module() = default;

  virtual Var forward(const Var& x) = 0;
  Var operator()(const Var& x) { return forward(x); }

  // Appends this module's parameters (and its children's) under `prefix`.
  // The defaults walk what was registered; a module may override them.
  virtual void collect_parameters(const std::string& prefix, std::vector<NamedVar>& out);
  virtual void collect_buffers(const std::string& prefix, std::vector<NamedTensor>& out);
  virtual void set_training(bool on);
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
  int64_t num_parameters();  // learnable numbers, buffers not counted

  // Freezing. set_requires_grad(false, "conv") marks every parameter whose
  // name starts with the prefix ("" for all) as wanting no gradient and drops
  // the gradient it holds, so a frozen parameter takes no part in backward
  // (ops above frozen layers and constant inputs record no graph at all) and
  // an optimizer skips it (optim/optimizer.hpp: no gradient, no update, no
  // weight decay). set_requires_grad(true, ...) thaws. Returns how many
  // parameters matched; a prefix that matches none is an fg::Error listing
  // the parameter names.
  int set_requires_grad(bool on, const std::string& prefix = "");
  // The parameters whose names start with the prefix, in parameters()'
  // order; none is an fg::Error listing the parameter names.
  std::vector<NamedVar> parameters_starting_with(const std::string& prefix);
  // The parameters that want a gradient: what an optimizer over the
  // unfrozen part of the network is given.
  std::vector<NamedVar> trainable_parameters();
  void train() { set_training(true); }
  void eval() { set_training(false); }
  bool training() const { return training_; }

  // Every parameter then every buffer, by name, as copies (a snapshot that
  // later training does not change). This is what a checkpoint stores.
  std::vector<NamedTensor> state();
  // Copies the values of `s` into the parameters and buffers of the same
  // names (in place, so optimizers holding the parameters see the new
  // values). A missing or unknown name or a shape mismatch is an fg::Error
  // naming it; nothing is changed then.
  void load_state(const std::vector<NamedTensor>& s);

  // Rebinds the registered parameter `name` ("fc.weight") to another Var of
  // the same shape, e.g. a fresh leaf in a gradient check. Throws fg::Error
  // for an unknown name or a different shape.
  void set_parameter(const std::string& name, const Var& v);

 protected:
  // `slot` must be a member of this module. A slot holding an empty Var
  // (an absent bias) is skipped when listing.
  void register_parameter(std::string name, Var* slot);
  void register_buffer(std::string name, Tensor* slot);
  void register_module(std::string name, Module* child);
  // Linear's and Conv2d's parameters: `weight` becomes a learnable leaf
  // holding w, and with_bias `bias` one of zeros (one per row of w);
  // registered as "weight" and "bias".
  void register_weight_and_bias(Var& weight, Var& bias, const Tensor& w, bool with_bias);

  bool training_ = true;

 private:
  Var* find_parameter(const std::string& name);
  std::vector<std::pair<std::string, Var*>> param_slots_;
  std::vector<std::pair<std::string, Tensor*>> buffer_slots_;
  std::vector<std::pair<std::string, Module*>> children_;
};

}  // namespace fg
