// Gradient check of a whole module through its interface: the analytic
// gradient of forward() with respect to the input and to every named
// parameter, against central finite differences (core/gradcheck.hpp).
// During the check the module's parameters are rebound to the check's own
// leaves (Module::set_parameter); they are restored afterwards. A BatchNorm
// in training mode updates its running statistics on every evaluation.
#pragma once

#include "core/gradcheck.hpp"
#include "layers/module.hpp"

namespace fg {

CheckResult gradcheck_module(Module& m, const Tensor& x, bool wrt_input = true,
                             double eps = kGradcheckEps, double tol = kGradcheckTol);

}  // namespace fg
