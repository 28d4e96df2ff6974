#include "layers/gradcheck_module.hpp"

namespace fg {

namespace {
// Puts the original parameters back, also when the check throws.
struct Restore {
  Module& m;
  std::vector<NamedVar> original;
  ~Restore() {
    for (auto& [name, v] : original) m.set_parameter(name, v);
  }
};
}  // namespace

CheckResult gradcheck_module(Module& m, const Tensor& x, bool wrt_input, double eps,
                             double tol) {
  Restore restore{m, m.parameters()};
  std::vector<Tensor> inputs;
  if (wrt_input) inputs.push_back(x);
  for (auto& p : restore.original) inputs.push_back(p.second.value());
  const size_t first = wrt_input ? 1 : 0;
  const TestFn f = [&](const std::vector<Var>& v) {
    for (size_t k = 0; k < restore.original.size(); ++k)
      m.set_parameter(restore.original[k].first, v[first + k]);
    return m.forward(wrt_input ? v[0] : constant(x));
  };
  CheckResult r = gradcheck(f, inputs, eps, tol);
  std::string legend = m.describe() + "; inputs:";
  if (wrt_input) legend += " 0 = x";
  for (size_t k = 0; k < restore.original.size(); ++k)
    legend += " " + std::to_string(first + k) + " = " + restore.original[k].first;
  r.worst = legend + "; worst at " + r.worst;
  return r;
}

}  // namespace fg
