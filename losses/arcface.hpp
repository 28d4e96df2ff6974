// ArcFace's target logit (losses/arcface.cpp).
#pragma once

#include "losses/margin_softmax.hpp"

namespace fg {

// psi(theta) = cos(theta + m) while theta + m <= pi, else cos theta - m sin m;
// with easy_margin, cos(theta + m) where cos theta > 0, else cos theta.
TargetLogit arcface_target(double m, bool easy_margin);

}  // namespace fg
