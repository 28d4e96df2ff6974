#include "losses/registry.hpp"

#include <utility>

namespace fg {

// Each loss file defines its spec (losses/<name>.cpp). To add a loss: declare
// its spec function here and add one line to the table below.
LossSpec softmax_spec();
LossSpec l2softmax_spec();
LossSpec normface_spec();
LossSpec coco_spec();
LossSpec lsoftmax_spec();
LossSpec asoftmax_spec();
LossSpec amsoftmax_spec();
LossSpec cosface_spec();
LossSpec arcface_spec();
LossSpec combined_spec();
LossSpec contrastive_spec();
LossSpec marginal_spec();
LossSpec triplet_spec();
LossSpec tse_spec();
LossSpec tpe_spec();
LossSpec center_spec();
LossSpec center_invariant_spec();
LossSpec range_spec();
LossSpec linear_angle_spec();  // not in the lecture: notes/adding-a-loss.md

namespace {

using SpecFn = LossSpec (*)();

// The table, one line per loss, in the lecture's order.
const SpecFn kLosses[] = {
    softmax_spec,
    l2softmax_spec,
    normface_spec,
    coco_spec,
    lsoftmax_spec,
    asoftmax_spec,
    amsoftmax_spec,
    cosface_spec,
    arcface_spec,
    combined_spec,
    contrastive_spec,
    marginal_spec,
    triplet_spec,
    tse_spec,
    tpe_spec,
    center_spec,
    center_invariant_spec,
    range_spec,
    linear_angle_spec,
};

std::vector<LossSpec>& specs() {
  static std::vector<LossSpec> all = [] {
    std::vector<LossSpec> v;
    for (SpecFn f : kLosses) v.push_back(f());
    for (size_t i = 0; i < v.size(); ++i)
      for (size_t j = 0; j < i; ++j)
        if (v[i].name == v[j].name) throw Error("loss registry: '" + v[i].name + "' is listed twice");
    return v;
  }();
  return all;
}

}  // namespace

void register_loss(LossSpec spec) {
  if (spec.name.empty() || !spec.make) throw Error("register_loss: a loss needs a name and a factory");
  for (const LossSpec& s : specs())
    if (s.name == spec.name) throw Error("register_loss: '" + spec.name + "' is already registered");
  specs().push_back(std::move(spec));
}

void unregister_loss(const std::string& name) {
  const size_t table = sizeof kLosses / sizeof kLosses[0];
  for (size_t i = table; i < specs().size(); ++i)
    if (specs()[i].name == name) {
      specs().erase(specs().begin() + long(i));
      return;
    }
  throw Error("unregister_loss: '" + name + "' was not added by register_loss");
}

std::vector<std::string> loss_names() {
  std::vector<std::string> names;
  for (const LossSpec& s : specs()) names.push_back(s.name);
  return names;
}

const LossSpec& loss_spec(const std::string& name) {
  for (const LossSpec& s : specs())
    if (s.name == name) return s;
  std::string valid;
  for (const LossSpec& s : specs()) valid += (valid.empty() ? "" : ", ") + s.name;
  throw Error("unknown loss '" + name + "'; valid: " + valid);
}

std::unique_ptr<Loss> make_loss(const std::string& name, const LossParams& params,
                                const LossContext& ctx) {
  const LossSpec& spec = loss_spec(name);
  if (ctx.num_classes < 1 || ctx.dim < 1)
    throw Error(name + ": need K >= 1 classes and embedding dimension N >= 1, got K = " +
                std::to_string(ctx.num_classes) + ", N = " + std::to_string(ctx.dim));
  check_param_names(name, params, spec.params);
  return spec.make(params, ctx);
}

std::string loss_help(const std::string& name) {
  const LossSpec& s = loss_spec(name);
  std::string head = s.name;
  if (head.size() < 10) head.resize(10, ' ');
  return head + " " + s.summary + "\n" + params_help(s.params);
}

std::string all_losses_help() {
  std::string out;
  for (const LossSpec& s : specs()) out += loss_help(s.name);
  return out;
}

}  // namespace fg
