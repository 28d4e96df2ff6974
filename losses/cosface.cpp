// CosFace, large margin cosine loss (lecture, "CosFace"; H. Wang et al. 2018).
//
//   L_LMC(x_i) = -log( e^{s (cos theta_{y_i} - m)} / (e^{s (cos theta_{y_i} - m)} + sum_{j != y_i} e^{s cos theta_j}) )
//
// "The very same idea as for AM-SoftMax, but with a grain of theory": the
// same psi(theta) = cos theta - m, so the formula and its derivative live in
// one place, losses/amsoftmax.cpp (psi(c) = c - m, dpsi/dc = 1). What CosFace
// adds is how to choose s and m:
//   s >= (K-1)/K log( P (K-1) / (1-P) )   for a target probability P
//                                         (the slide writes K/(K-1): enough,
//                                         but larger than needed; derived in
//                                         notes/solutions.md, measured by build/bounds),
//   0 <= m <= K/(K-1)                     the bound on the cosine margin,
// and its values in practice: s = 64, m = 0.35.
//
// notes: notes/05-angular-family.md#53-am-softmax-and-cosface
#include "losses/amsoftmax.hpp"
#include "losses/registry.hpp"

namespace fg {

LossSpec cosface_spec() {
  return cosine_margin_spec(
      "cosface", "CosFace: target logit s (cos theta_y - m), as AM-Softmax, s = 64, m = 0.35", "64",
      "0.35");
}

}  // namespace fg
