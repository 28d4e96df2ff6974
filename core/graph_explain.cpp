// One sample's gradient, node by node (core/graph_explain.hpp).
#include "core/graph_explain.hpp"

#include <unordered_map>

#include "core/error.hpp"
#include "core/gradcheck.hpp"
#include "core/graph_walk.hpp"

namespace fg {

namespace {

// Where the sample's part of a tensor starts, and how many entries it has.
struct Part {
  int64_t begin = 0, size = 0;
};

Part part_of(const Tensor& t, bool row, int r) {
  if (!row) return {0, t.numel()};
  const int64_t cols = t.numel() / t.size(0);
  return {int64_t(r) * cols, cols};
}

Tensor copy_part(const Tensor& t, Part p) {
  Tensor out({int(p.size)});
  if (t.numel() < p.begin + p.size) return out;  // no gradient arrived: zeros
  for (int64_t j = 0; j < p.size; ++j) out[j] = t[p.begin + j];
  return out;
}

}  // namespace

Explained explain_backward(const std::function<Var()>& build, const std::vector<Var>& leaves, int rows,
                           int row, double eps) {
  if (leaves.empty()) throw Error("explain_backward: no leaves to explain");
  if (row < 0 || row >= rows)
    throw Error("explain_backward: sample " + std::to_string(row) + " is outside 0.." + std::to_string(rows - 1));
  zero_grad(leaves);
  Var out = build();
  if (out.value().numel() != 1)
    throw Error("explain_backward: the output has shape " + shape_str(out.shape()) + "; expected one number");
  Explained ex;
  ex.value = out.value()[0];

  // Ids in evaluation order; which nodes lead to a leaf asked about; which
  // carry one row per sample (they come from leaves[0] and keep its rows).
  const std::vector<Node*> order = evaluation_order(out, true);
  std::unordered_map<const Node*, int> id;
  std::unordered_map<const Node*, bool> reaches, per_sample;
  for (size_t i = 0; i < order.size(); ++i) {
    const Node* n = order[i];
    id[n] = int(i) + 1;
    bool r = false, from_rows = n == leaves[0].get();
    for (const Var& l : leaves) r = r || n == l.get();
    for (const Var& in : n->inputs) {
      r = r || reaches[in.get()];
      from_rows = from_rows || per_sample[in.get()] || in.get() == leaves[0].get();
    }
    reaches[n] = r;
    per_sample[n] = from_rows && n->value.dim() >= 1 && n->value.size(0) == rows;
  }

  backward(out, Tensor::ones(out.shape()), [&](Node& n) {
    if (!reaches[&n]) return;
    ExplainStep s;
    s.id = id[&n], s.op = n.op, s.shape = n.value.shape(), s.row = per_sample[&n];
    const Part mine = part_of(n.value, s.row, row);
    s.value = copy_part(n.value, mine), s.grad = copy_part(n.grad, mine);
    std::vector<size_t> chain;
    for (size_t k = 0; k < n.inputs.size(); ++k)
      if (n.inputs[k].requires_grad() && reaches[n.inputs[k].get()]) chain.push_back(k);
    // Run the node's backward again on seeds of our own, with its inputs'
    // gradients set aside, and put everything back afterwards.
    const Tensor grad_in = n.grad;
    std::vector<Tensor> kept;
    for (const Var& in : n.inputs) kept.push_back(in->grad);
    auto run_with = [&](const Tensor& seed) {
      for (const Var& in : n.inputs) in->grad = Tensor();
      n.grad = seed;
      n.backward(n);
    };
    run_with(grad_in);
    for (size_t k : chain) {
      const Node& in = *n.inputs[k];
      ExplainInput e;
      e.id = id[&in], e.row = per_sample[&in];
      e.sent = copy_part(in.grad, part_of(in.value, per_sample[&in], row));
      s.inputs.push_back(e);
    }
    for (size_t c = 0; c < chain.size(); ++c) {
      const Node& in = *n.inputs[chain[c]];
      const Part theirs = part_of(in.value, per_sample[&in], row);
      if (mine.size * theirs.size > kExplainMaxJacobian) continue;
      Tensor local({int(mine.size), int(theirs.size)});
      for (int64_t a = 0; a < mine.size; ++a) {
        Tensor seed(n.value.shape());
        seed[mine.begin + a] = 1;
        run_with(seed);
        const Tensor col = copy_part(in.grad, theirs);
        for (int64_t b = 0; b < theirs.size; ++b) local.at(int(a), int(b)) = col[b];
      }
      s.inputs[c].local = local;
    }
    n.grad = grad_in;
    for (size_t k = 0; k < n.inputs.size(); ++k) n.inputs[k]->grad = kept[k];
    ex.steps.push_back(s);
  });

  // The leaves: their gradient, and the central difference of the output.
  NoGrad off;
  for (size_t l = 0; l < leaves.size(); ++l) {
    const Var& v = leaves[l];
    ExplainStep s;
    s.id = id.count(v.get()) ? id[v.get()] : 0;
    s.op = v->op, s.shape = v.shape(), s.row = l == 0 && v.value().dim() >= 1 && v.value().size(0) == rows;
    s.leaf = int(l);
    const Part p = part_of(v.value(), s.row, row);
    s.value = copy_part(v.value(), p), s.grad = copy_part(v->grad, p);
    s.numeric = Tensor({int(p.size)});
    Tensor x = v.value();  // shares storage with the leaf: build() reads the nudged entry
    for (int64_t j = 0; j < p.size; ++j)
      s.numeric[j] = real(central_difference([&] { return double(build().value()[0]); }, x[p.begin + j], eps));
    ex.steps.push_back(s);
  }
  return ex;
}

}  // namespace fg
