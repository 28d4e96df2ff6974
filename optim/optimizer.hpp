// Optimizer: updates parameters from their gradients.
//
// Parameters come in groups, each with its own learning rate and weight
// decay (class centres and learnable scales often want their own). The
// optimizer's state (momenta, Adam's moments, the step count) is exposed as
// named tensors so checkpoints can save and restore it exactly.
//
// Conventions shared by every optimizer here (those of PyTorch):
//   - a parameter whose gradient is empty (it took no part in the loss) is
//     skipped: no update, no weight decay, its state does not advance;
//   - state names are "step" for the optimizer's step count and
//     "group<i>.<parameter name>.<what>" for per-parameter state, so the
//     parameter names within one group must be distinct;
//   - counts are stored as two numbers (count / 2^20, count % 2^20), exact
//     in float up to 2^44.
#pragma once

#include <string>
#include <vector>

#include "core/graph.hpp"
#include "core/schedule.hpp"

namespace fg {

struct ParamGroup {
  std::vector<NamedVar> params;
  double lr = 0.01;
  double weight_decay = 0;
  double lr_scale = 1;  // multiplies the schedule's learning rate for this group
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual void step() = 0;  // one update from the current gradients
  void zero_grad() {
    for (auto& g : groups)
      for (auto& p : g.params) fg::zero_grad({p.second});
  }
  // Sets every group's lr to base_lr * lr_scale (schedules call this).
  void set_lr(double base_lr) {
    for (auto& g : groups) g.lr = base_lr * g.lr_scale;
  }
  virtual std::vector<NamedTensor> state() = 0;
  // Restores what state() returned (possibly from another optimizer object
  // over the same parameters). Unknown names and shape mismatches are errors.
  virtual void load_state(const std::vector<NamedTensor>& s) = 0;
  virtual std::string describe() const { return "Optimizer"; }

  std::vector<ParamGroup> groups;
  int64_t steps = 0;

 protected:
  // Checks the groups (non-empty Vars, learning rates and weight decays >= 0,
  // distinct names within a group); `who` names the optimizer in errors.
  void check_groups(const char* who) const;
  // "group<i>.<name>.<what>"
  static std::string state_name(size_t group, const std::string& param, const char* what);
  static Tensor count_tensor(int64_t n);
  static int64_t count_of(const Tensor& t, const std::string& name);  // throws on a bad tensor
};

// The state tensors looked up by name, each used once: load_state() takes
// what it knows and then finish() rejects whatever is left.
class StateReader {
 public:
  StateReader(const char* who, const std::vector<NamedTensor>& s);
  // The tensor called `name` with the given shape, or nullptr if absent;
  // a different shape is an fg::Error.
  const Tensor* take(const std::string& name, const Shape& shape);
  void finish() const;  // fg::Error naming the first entry nobody took

 private:
  const char* who_;
  std::vector<NamedTensor> left_;
};

// Sets the optimizer's learning rate to s(t) (each group's times its lr_scale).
void apply_schedule(Optimizer& opt, const Schedule& s, int64_t t);

}  // namespace fg
