// BatchNorm (Ioffe and Szegedy 2015) over axis 1 of [N, C] (1-D, after a
// Linear) or [N, C, H, W] (2-D, after a convolution): each channel c is
// normalised over the batch (and the positions), then scaled and shifted,
//
//   mu_c = mean of x over (n, h, w),   var_c = mean of (x - mu_c)^2,
//   xhat = (x - mu_c) / sqrt(var_c + eps),   y = gamma_c xhat + beta_c.
//
// In training mode it uses the batch's mu and var and updates the running
// statistics (buffers "running_mean", "running_var"):
//   running = (1 - momentum) running + momentum batch_value,
// with the unbiased variance var M / (M - 1), M = N H W (PyTorch's
// convention, momentum 0.1 by default). In eval mode it uses the running
// statistics instead, so one sample's output no longer depends on the batch.
// Parameters "weight" (gamma, starts at 1) and "bias" (beta, starts at 0),
// unless affine = false.
#pragma once

#include "layers/module.hpp"

namespace fg {

// The normalisation with the batch's statistics, one graph node with its
// analytic backward. The batch mean and biased variance per channel are
// written to batch_mean and batch_var ([C] each) when these are non-null.
Var batch_norm_train(const Var& x, const Var& gamma, const Var& beta, double eps,
                     Tensor* batch_mean = nullptr, Tensor* batch_var = nullptr);
// The normalisation with given (running) statistics, which are constants.
Var batch_norm_eval(const Var& x, const Var& gamma, const Var& beta, const Tensor& mean,
                    const Tensor& var, double eps);

class BatchNorm : public Module {
 public:
  explicit BatchNorm(int channels, double eps = 1e-5, double momentum = 0.1, bool affine = true);
  Var forward(const Var& x) override;
  std::string describe() const override;

  Var weight, bias;                  // gamma, beta: [C] (empty if not affine)
  Tensor running_mean, running_var;  // [C], start at 0 and 1
  const int channels;
  const double eps, momentum;
};

}  // namespace fg
