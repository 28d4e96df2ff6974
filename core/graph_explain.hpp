// One sample's gradient, node by node, as the engine's backward computes it
// (`build/losscalc ... --explain`).
//
// explain_backward() builds the graph, runs backward(out) with a visit hook
// (core/graph_walk.hpp) and records, for every node on a path from the
// output back to one of the leaves asked about (h, W):
//
//   value        the node's value
//   grad         dL/d(value): the gradient that arrived at the node
//   local        d(value)/d(input) for each input on such a path: the node's
//                own backward run again with one-hot seeds (column a of the
//                seed picks entry a of the value); no formula is typed here
//   sent         dL/d(input) as this node's backward added it
//
// "The sample's part" of a tensor: row `row` when the tensor comes from a leaf
// whose first dimension is the batch (h is m x N) and it keeps that first
// dimension; otherwise the whole tensor (the loss, W, anything without a row
// per sample). A local derivative is recorded when both parts together have at
// most kExplainMaxJacobian entries.
//
// For the leaves, numeric holds the central difference of the output in each
// entry of the leaf's part (the graph built again with that entry nudged by
// +-eps, under NoGrad), so a reader sees analytic = numeric.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/graph.hpp"

namespace fg {

constexpr int64_t kExplainMaxJacobian = 64;

struct ExplainInput {
  int id = 0;        // the input's step id
  bool row = false;  // its part is the sample's row
  Tensor local;      // rows: the node's part, columns: the input's part; empty when too large
  Tensor sent;       // dL/d(input) from this node, the input's part
};

struct ExplainStep {
  int id = 0;               // 1 = computed first (evaluation order)
  std::string op;           // Node::op ("matmul", "margin_softmax", "param")
  Shape shape;              // the whole value's shape
  bool row = false;         // value and grad are the sample's row, not the whole
  Tensor value, grad;       // the sample's part
  std::vector<ExplainInput> inputs;  // inputs on a path to a leaf asked about
  int leaf = -1;            // index into `leaves`, or -1
  Tensor numeric;           // leaves only: central differences of the output
};

struct Explained {
  double value = 0;                // the output (a one-element loss)
  std::vector<ExplainStep> steps;  // in the order backward visits them (output first), then the leaves
};

// build() must return the same one-element output from the leaves' current
// values each time it is called. rows: the batch size m (the first dimension
// of a per-sample leaf); row: the sample, 0 <= row < rows.
Explained explain_backward(const std::function<Var()>& build, const std::vector<Var>& leaves, int rows,
                           int row, double eps);

}  // namespace fg
