// Walking a graph from its output, for tools that inspect every node
// (demos/train/trace.cpp: which op made the first NaN or Inf).
#pragma once

#include <functional>
#include <vector>

#include "core/graph.hpp"

namespace fg {

// The nodes reachable from out, each after its inputs (the order the forward
// pass computed them in; backward runs it in reverse). With grad_only, only
// nodes that require a gradient. Iterative, so deep graphs do not overflow.
std::vector<Node*> evaluation_order(const Var& out, bool grad_only);

// backward(out, seed) that calls visit(node) right after each node's backward
// has added its gradient into its inputs' (before the node releases what it
// saved, so the visit may call node.backward again: core/graph_explain.cpp
// does, on seeds of its own, and puts the gradients back as they were).
// backward(out, seed) is this with an empty visit.
using BackwardVisit = std::function<void(Node& done)>;
void backward(const Var& out, const Tensor& seed, const BackwardVisit& visit);

}  // namespace fg
