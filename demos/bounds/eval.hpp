// What the bound checks (checks.cpp, angular.cpp) share: a
// registered loss with its class weights fixed to chosen rows, evaluated
// without recording a graph.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "losses/loss.hpp"

namespace fg {

class FixedLoss {
 public:
  // make_loss(name, params) with K = W's rows, N = W's columns, and "W" set
  // to W (a loss without class weights, such as coco, takes W's shape only).
  FixedLoss(const std::string& name, const LossParams& params, const Tensor& W,
            bool set_w = true);
  // The batch mean of the loss on h (m x N) with labels y.
  double value(const Tensor& h, const std::vector<int>& y) const;
  // One sample's target probability e^{-loss} (h is 1 x N).
  double prob(const Tensor& h, int y) const;

 private:
  std::unique_ptr<Loss> loss_;
};

// The rows y_i of W, each times `scale` (m x N).
Tensor rows_of(const Tensor& W, const std::vector<int>& y, double scale = 1);
// h = (cos phi, sin phi) as a 1 x 2 tensor.
Tensor unit_2d(double phi);
// A "%.17g" number as text, for key=value parameters.
std::string exact_str(double v);

}  // namespace fg
