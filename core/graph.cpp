#include "core/graph.hpp"
#include "core/graph_walk.hpp"

#include <unordered_set>
#include <utility>

namespace fg {

namespace {
thread_local bool g_grad_enabled = true;
}

bool grad_enabled() { return g_grad_enabled; }
NoGrad::NoGrad() : prev_(g_grad_enabled) { g_grad_enabled = false; }
NoGrad::~NoGrad() { g_grad_enabled = prev_; }

const Tensor& Var::value() const { return n_->value; }
Tensor& Var::grad() const { return n_->grad_ref(); }
const Shape& Var::shape() const { return n_->value.shape(); }
bool Var::requires_grad() const { return n_ && n_->requires_grad; }

Tensor& Node::grad_ref() {
  if (grad.numel() != value.numel() || grad.shape() != value.shape()) grad = Tensor(value.shape());
  return grad;
}

Node::~Node() {
  // Destroying the head of a long chain would recurse once per node. Instead,
  // take over the inputs of every node that dies with us and free them in a loop.
  std::vector<Var> pending = std::move(inputs);
  while (!pending.empty()) {
    Var v = std::move(pending.back());
    pending.pop_back();
    if (v.use_count() == 1 && !v->inputs.empty()) {
      for (Var& in : v->inputs) pending.push_back(std::move(in));
      v->inputs.clear();
    }
  }  // each v dies here with no inputs left, so no destructor recurses
}

Var constant(Tensor value) {
  auto n = std::make_shared<Node>();
  n->value = std::move(value);
  return Var(std::move(n));
}

Var param(Tensor value) {
  auto n = std::make_shared<Node>();
  n->value = std::move(value);
  n->requires_grad = true;
  n->op = "param";
  return Var(std::move(n));
}

Var make_node(const char* op, Tensor value, std::vector<Var> inputs,
              std::function<void(Node& self)> backward) {
  auto n = std::make_shared<Node>();
  n->value = std::move(value);
  n->op = op;
  bool needs = false;
  if (g_grad_enabled)
    for (const Var& v : inputs) needs = needs || v.requires_grad();
  if (needs) {
    n->requires_grad = true;
    n->inputs = std::move(inputs);
    n->backward = std::move(backward);
  }
  return Var(std::move(n));
}

void accumulate(const Var& v, const Tensor& g) {
  if (!v.requires_grad()) return;
  Tensor& dst = v->grad_ref();
  check_same_shape("accumulate gradient", dst, g);
  real* d = dst.data();
  const real* s = g.data();
  const int64_t n = dst.numel();
  for (int64_t i = 0; i < n; ++i) d[i] += s[i];
}

void accumulate(const Var& v, Tensor&& g) {
  if (!v.requires_grad()) return;
  if (v->grad.empty() && g.sole_owner() && !v->value.empty()) {
    check_same_shape("accumulate gradient", v->value, g);
    v->grad = std::move(g);
    return;
  }
  accumulate(v, static_cast<const Tensor&>(g));
}

void backward(const Var& out) {
  if (out.value().numel() != 1)
    throw Error("backward: the output has shape " + shape_str(out.shape()) +
                "; give a seed gradient for a non-scalar output");
  backward(out, Tensor::ones(out.shape()));
}

std::vector<Node*> evaluation_order(const Var& out, bool grad_only) {
  // Iterative post-order depth-first search: a node is emitted after its inputs.
  std::vector<Node*> order;
  if (!out) return order;
  std::unordered_set<Node*> seen;
  std::vector<std::pair<Node*, size_t>> stack{{out.get(), 0}};
  seen.insert(out.get());
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < node->inputs.size()) {
      Node* in = node->inputs[next++].get();
      if ((!grad_only || in->requires_grad) && seen.insert(in).second) stack.push_back({in, 0});
    } else {
      order.push_back(node);
      stack.pop_back();
    }
  }
  return order;
}

void backward(const Var& out, const Tensor& seed) { backward(out, seed, BackwardVisit()); }

void backward(const Var& out, const Tensor& seed, const BackwardVisit& visit) {
  check_same_shape("backward seed", out.value(), seed);
  if (!out.requires_grad()) return;
  const std::vector<Node*> order = evaluation_order(out, true);
  Tensor& g = out->grad_ref();
  for (int64_t i = 0; i < g.numel(); ++i) g[i] += seed[i];
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node* n = *it;
    if (n->backward && !n->grad.empty()) {
      n->backward(*n);
      if (visit) visit(*n);
    }
    // Release what the node saved for backward; leaves keep their gradient.
    if (!n->inputs.empty()) {
      n->backward = nullptr;
      n->grad = Tensor();
    }
  }
}

void zero_grad(const std::vector<Var>& params) {
  for (const Var& p : params)
    if (p && !p->grad.empty()) p->grad.fill(0);
}

}  // namespace fg
