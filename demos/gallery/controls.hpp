// The control rows of `build/gallery --seeds N`: "is it the scale or the
// margin?" For each margin loss the same objective, s and everything else
// kept, with its margin taken out, trained beside it under the same seeds.
//
//   "arcface:s=16,m=0.25"                 -> "arcface:s=16,m=0"
//   "cosface:s=16,m=0.15"                 -> "cosface:s=16,m=0"   (NormFace at s = 16)
//   "asoftmax:m=4"                        -> "asoftmax:m=1"       (psi = cos theta)
//   "combined:s=16,m1=1,m2=0.15,m3=0.05"  -> "combined:s=16,m1=1,m2=0,m3=0"
//   "softmax+0.1*center"                  -> ""                   (no margin to take out)
#pragma once

#include <string>

namespace fg {

// The objective with its margin parameters set to "no margin" (m = 0 for the
// additive margins, m = 1 for the multiplicative ones of L-Softmax,
// A-Softmax and the combined margin's m1); "" when the objective is not one
// margin loss (a loss without a margin, or a sum: any '+' or '*' counts as
// one, so a value written 1e+06 also gives "").
std::string without_margin(const std::string& objective);

}  // namespace fg
