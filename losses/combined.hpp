// The combined margin's target logit (losses/combined.cpp).
#pragma once

#include "losses/margin_softmax.hpp"

namespace fg {

// psi(theta) = cos(m1 theta + m2) - m3 while m1 theta + m2 <= pi, and beyond
// it the fallback described in combined.cpp (ArcFace's when m1 = 1).
TargetLogit combined_target(double m1, double m2, double m3);

}  // namespace fg
