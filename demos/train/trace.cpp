#include "demos/train/trace.hpp"

#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

#include "demos/cli/args.hpp"

namespace fg {

namespace {

bool g_trace_default = false;
int64_t g_walks = 0;

bool all_finite(const Tensor& t) {
  const real* d = t.data();
  for (int64_t i = 0; i < t.numel(); ++i)
    if (!std::isfinite(d[i])) return false;
  return true;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// "'add' [64 x 10] min ... max ...", one input of an op.
std::string describe_node(const Node& n, const Tensor& t) {
  return "'" + std::string(n.op) + "' " + shape_str(t.shape()) + " " + value_range(t);
}

std::string inputs_of(const Node& n) {
  if (n.inputs.empty()) return "it has no inputs (a leaf)";
  std::string s = "its inputs:";
  for (size_t k = 0; k < n.inputs.size(); ++k)
    s += " #" + std::to_string(k) + " " + describe_node(*n.inputs[k], n.inputs[k]->value) + ";";
  return s;
}

// Which section of the lab page explains a non-finite result of each op.
const std::pair<const char*, const char*> kTraps[] = {
    {"sqrt", "The angle's sine without clamping"},
    {"acos", "The angle's sine without clamping"},
    {"pow", "The angle's sine without clamping"},
    {"log", "log(0), division by zero and overflow"},
    {"div", "log(0), division by zero and overflow"},
    {"exp", "log(0), division by zero and overflow"},
    {"center_loss", "Center loss with a large centre rate"},
};

}  // namespace

std::string value_range(const Tensor& t) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  int64_t nan = 0, inf = 0;
  const real* d = t.data();
  for (int64_t i = 0; i < t.numel(); ++i) {
    if (std::isnan(d[i])) {
      ++nan;
    } else if (std::isinf(d[i])) {
      ++inf;
    } else {
      lo = std::min(lo, double(d[i]));
      hi = std::max(hi, double(d[i]));
    }
  }
  std::string s = nan + inf == t.numel() ? std::string("no finite entry")
                                         : "min " + num(lo) + " max " + num(hi);
  if (nan + inf > 0)
    s += " (" + std::to_string(nan) + " NaN, " + std::to_string(inf) + " Inf of " +
         std::to_string(t.numel()) + ")";
  return s;
}

std::string trap_section(const std::string& op) {
  for (const auto& [name, section] : kTraps)
    if (op == name) return std::string("notes/08-breakit.md, \"") + section + "\"";
  return "notes/08-breakit.md, \"What --trace-nonfinite reports\"";
}

std::string trace_nonfinite_values(const Var& out) {
  ++g_walks;
  const std::vector<Node*> order = evaluation_order(out, false);
  for (size_t i = 0; i < order.size(); ++i) {
    const Node& n = *order[i];
    if (all_finite(n.value)) continue;
    return "the value of op '" + std::string(n.op) + "' (node " + std::to_string(i + 1) + " of " +
           std::to_string(order.size()) + " in evaluation order) is not finite: " +
           shape_str(n.value.shape()) + " " + value_range(n.value) + "; " + inputs_of(n) +
           " See " + trap_section(n.op);
  }
  return "";
}

std::string backward_traced(const Var& out) {
  ++g_walks;
  std::string report;
  struct Found {};
  try {
    backward(out, Tensor::ones(out.shape()), [&](const Node& n) {
      for (size_t k = 0; k < n.inputs.size(); ++k) {
        const Node& in = *n.inputs[k];
        if (!in.requires_grad || in.grad.empty() || all_finite(in.grad)) continue;
        report = "the gradient that op '" + std::string(n.op) + "' sent back to its input #" +
                 std::to_string(k) + " is not finite: " + value_range(in.grad) +
                 "; the gradient arriving at the op: " + value_range(n.grad) + "; " +
                 inputs_of(n) + " See " + trap_section(n.op);
        throw Found{};
      }
    });
  } catch (const Found&) {
  }
  return report;
}

bool read_trace_nonfinite(Args& args) {
  g_trace_default = args.get_flag(
      "--trace-nonfinite",
      "stop at the first graph node whose value or gradient is NaN or Inf and name its op, "
      "its inputs' ranges, the step and the batch");
  return g_trace_default;
}

bool trace_nonfinite_default() { return g_trace_default; }

int64_t trace_walks() { return g_walks; }

}  // namespace fg
