// L2-Softmax's helper (losses/l2softmax.cpp).
#pragma once

namespace fg {

// alpha_low(p, K) = log( p (K-2) / (1-p) ): the smallest feature norm alpha at
// which a class can still reach probability p (lecture, "L_2-SoftMax: results").
// Throws fg::Error unless 0 < p < 1 and K >= 3 and the result is > 0.
double alpha_low(double p, int K);

}  // namespace fg
