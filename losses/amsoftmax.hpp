// The additive cosine margin psi(theta) = cos theta - m, shared by AM-Softmax
// (losses/amsoftmax.cpp) and CosFace (losses/cosface.cpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "losses/loss.hpp"
#include "losses/margin_softmax.hpp"
#include "losses/params.hpp"
#include "losses/registry.hpp"

namespace fg {

// psi(c) = c - m,  dpsi/dc = 1.
TargetLogit cosine_margin_target(double m);

// The registry entry of a loss with this psi and the parameters s, m,
// learn_s and warmup, with the given defaults: amsoftmax (30, 0.4), cosface
// (64, 0.35).
LossSpec cosine_margin_spec(const std::string& name, const std::string& summary,
                            const std::string& s, const std::string& m);

}  // namespace fg
