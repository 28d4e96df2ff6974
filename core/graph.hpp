// The graph: reverse-mode automatic differentiation.
//
// A Var is a handle to a Node: a value, its gradient, the nodes it came from
// and a backward function that adds this node's gradient into theirs.
// backward() closures receive the node itself (`Node& self`), so they never
// capture their own output: graphs have no reference cycles and are freed as
// soon as the last Var goes away.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.hpp"

namespace fg {

struct Node;

class Var {
 public:
  Var() = default;
  explicit Var(std::shared_ptr<Node> n) : n_(std::move(n)) {}

  Node* operator->() const { return n_.get(); }
  Node& operator*() const { return *n_; }
  explicit operator bool() const { return n_ != nullptr; }
  Node* get() const { return n_.get(); }
  long use_count() const { return n_.use_count(); }

  const Tensor& value() const;
  Tensor& grad() const;              // allocated (zeros) on first use
  const Shape& shape() const;
  bool requires_grad() const;

 private:
  std::shared_ptr<Node> n_;
};

struct Node {
  Tensor value;
  Tensor grad;                       // empty until a gradient arrives
  std::vector<Var> inputs;
  std::function<void(Node& self)> backward;  // adds self.grad into inputs' grads
  const char* op = "leaf";
  bool requires_grad = false;

  Tensor& grad_ref();                // grad, allocated as zeros if empty
  ~Node();                           // iterative: a 10,000-deep chain frees without recursion
};

// A parameter or buffer with the name it is saved and listed under
// (layers, losses and optimizers all pass these around).
using NamedVar = std::pair<std::string, Var>;
using NamedTensor = std::pair<std::string, Tensor>;

// A leaf holding a value. Parameters are leaves with requires_grad = true.
Var constant(Tensor value);
Var param(Tensor value);

// Builds an op's output node. When gradients are off (NoGrad scope) or no input
// requires them, the node records nothing: no inputs, no backward.
Var make_node(const char* op, Tensor value, std::vector<Var> inputs,
              std::function<void(Node& self)> backward);

// Adds g into v's gradient, if v wants one.
void accumulate(const Var& v, const Tensor& g);
// The same for a gradient the caller gives up: when v has no gradient yet
// and no other Tensor shares g's storage, g becomes v's gradient as it is
// (no zero fill, no pass adding it to zeros).
void accumulate(const Var& v, Tensor&& g);

// Reverse pass from a one-element loss (seed 1), or with an explicit seed
// gradient of the output's shape. The topological sort is iterative.
// After backward the graph's saved tensors are released (call once per graph).
void backward(const Var& out);
void backward(const Var& out, const Tensor& seed);

void zero_grad(const std::vector<Var>& params);

// Gradient recording switch. Within a NoGrad scope ops record nothing.
bool grad_enabled();
struct NoGrad {
  NoGrad();
  ~NoGrad();
  NoGrad(const NoGrad&) = delete;
  NoGrad& operator=(const NoGrad&) = delete;

 private:
  bool prev_;
};

}  // namespace fg
