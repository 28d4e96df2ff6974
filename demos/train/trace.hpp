// --trace-nonfinite: which op made the first NaN or Inf, and where.
//
// With TrainConfig::trace_nonfinite on, the trainer checks every node of the
// step's graph after the forward pass, in evaluation order (inputs before the
// node), and stops at the first whose value is not finite; during backward it
// checks, after each node's backward, the gradients that node sent to its
// inputs, and stops at the first node that sent a non-finite one. Either way
// the fg::Error names the op (Node::op), the ranges of the op's inputs, the
// step and the batch, and the notes section about that trap (trap_section).
// Off (the default), no graph is walked: the trainer calls plain backward.
//
//   build/feature2d --loss arcface --trace-nonfinite ...
#pragma once

#include <string>

#include "core/graph_walk.hpp"

namespace fg {

class Args;

// What the forward walk found: "" when every value is finite, else the
// report ("the value of op 'sqrt' ... its inputs ...").
std::string trace_nonfinite_values(const Var& out);

// backward(out) that stops at the first node whose backward sends a non-finite
// gradient to an input; returns the report ("" when every gradient is finite).
// The graph is released as by backward().
std::string backward_traced(const Var& out);

// The notes section about the trap behind a non-finite result of `op`.
std::string trap_section(const std::string& op);

// "min -0.5 max 2 (3 NaN, 1 Inf of 640)": the range of a tensor's finite
// entries and a count of the others.
std::string value_range(const Tensor& t);

// Reads --trace-nonfinite from a program's command line; every TrainConfig made
// afterwards starts with trace_nonfinite set to it (one line in each main).
bool read_trace_nonfinite(Args& args);
bool trace_nonfinite_default();

// How many graph walks the two functions above have made in this process
// (the test that an untraced run walks nothing reads it).
int64_t trace_walks();

}  // namespace fg
