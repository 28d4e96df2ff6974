// A-Softmax, angular softmax of SphereFace (lecture, "A-Softmax: normalization";
// W. Liu et al. 2017).
//
//   L_A-SM(x_i) = -log( e^{|h(x_i)| psi(theta_{y_i})} /
//                      (e^{|h(x_i)| psi(theta_{y_i})} + sum_{j != y_i} e^{|h(x_i)| cos theta_j}) )
//
// L-Softmax with the class weights normalised, |W_j| = 1, and zero biases
// (the "modified softmax" plus the angular margin m theta): the logits keep
// the feature norm |h_i| as their scale. psi is L-Softmax's, with the same
// relaxation by lambda and the same annealing, and m = 4 by default (the
// lecture: m >= 2 + sqrt 3 in the binary case, m >= 3 for many classes):
//
//   psi(theta) = ((-1)^k cos(m theta) - 2k + lambda cos theta) / (lambda + 1),
//                theta in [k pi/m, (k+1) pi/m]
//
// psi(c) and dpsi/dc (Chebyshev form, finite at theta = 0 and pi) and their
// derivation are in losses/lsoftmax.cpp. The scale a_i = |h_i| (row_norms)
// gets its gradient from the margin-softmax node; W enters only through
// cos theta = <W_j / |W_j|, h_i / |h_i|>, so the stored W need not have unit
// rows: the normalisation is part of the formula and of its gradient.
//
// notes: notes/05-angular-family.md#52-a-softmax-sphereface
#include <memory>

#include "core/ops.hpp"
#include "losses/lsoftmax.hpp"
#include "losses/reader_spec.hpp"
#include "losses/registry.hpp"

namespace fg {

namespace {

class ASoftmax : public LargeMarginLoss {
 public:
  ASoftmax(const LossContext& ctx, const ParamReader& r) : LargeMarginLoss("asoftmax", ctx, r) {}

 protected:
  Var scale(const Var& h, const Var&) const override { return safe_row_norms(h); }  // a_i = |h_i|
};

}  // namespace

LossSpec asoftmax_spec() {
  return reader_spec<ASoftmax>(
      "asoftmax", "A-Softmax (SphereFace): |h| psi(theta_y) with W rows normalised, no bias",
      large_margin_params("4"));
}

}  // namespace fg
