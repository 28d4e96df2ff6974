// The additive cosine margin psi(theta) = cos theta - m, shared by AM-Softmax
// (losses/amsoftmax.cpp) and CosFace (losses/cosface.cpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "losses/loss.hpp"
#include "losses/margin_softmax.hpp"
#include "losses/params.hpp"

namespace fg {

// psi(c) = c - m,  dpsi/dc = 1.
TargetLogit cosine_margin_target(double m);

// The parameters (s, m, learn_s, warmup) and the loss object of a loss with
// this psi, with the given defaults: amsoftmax (30, 0.4), cosface (64, 0.35).
std::vector<ParamSpec> cosine_margin_params(const std::string& s, const std::string& m);
std::unique_ptr<Loss> make_cosine_margin_loss(const std::string& name, const std::string& s,
                                              const std::string& m, const LossParams& p,
                                              const LossContext& ctx);

}  // namespace fg
