#include "layers/batchnorm.hpp"

#include <cmath>

namespace fg {

namespace {

// x viewed as [N, C, inner]: element (n, c, i) sits at (n C + c) inner + i.
struct Layout {
  int64_t N, C, inner;
  int64_t M() const { return N * inner; }  // values per channel
};

Layout layout_of(const char* op, const Tensor& x, const Tensor& gamma, const Tensor& beta) {
  if (x.dim() != 2 && x.dim() != 4)
    throw Error(std::string(op) + ": expected [N, C] or [N, C, H, W], got " +
                shape_str(x.shape()));
  Layout L{x.shape()[0], x.shape()[1], x.numel() / std::max<int64_t>(1, x.size(0) * x.size(1))};
  if (gamma.numel() != L.C || beta.numel() != L.C)
    throw Error(std::string(op) + ": input " + shape_str(x.shape()) + " has " +
                std::to_string(L.C) + " channels, gamma " + shape_str(gamma.shape()) +
                " and beta " + shape_str(beta.shape()));
  return L;
}

// Calls f(k) for the flat index k of every element of channel c.
template <class F>
void each_in_channel(const Layout& L, int64_t c, F f) {
  for (int64_t n = 0; n < L.N; ++n) {
    const int64_t base = (n * L.C + c) * L.inner;
    for (int64_t i = 0; i < L.inner; ++i) f(base + i);
  }
}

}  // namespace

// Forward: y = gamma_c xhat + beta_c, xhat = (x - mu_c) istd_c, istd_c = 1 / sqrt(var_c + eps).
// Backward (sums over the M values of channel c):
//   dbeta_c  = sum g,     dgamma_c = sum g xhat,
//   dx       = gamma_c istd_c / M (M g - dbeta_c - xhat dgamma_c)
// (the last two terms are the gradient through mu_c and var_c).
Var batch_norm_train(const Var& x, const Var& gamma, const Var& beta, double eps,
                     Tensor* batch_mean, Tensor* batch_var) {
  const Tensor X = x.value(), G = gamma.value(), B = beta.value();
  const Layout L = layout_of("batch_norm", X, G, B);
  if (L.M() < 2)
    throw Error("batch_norm: training needs more than one value per channel, got input " +
                shape_str(X.shape()) + " (use a larger batch, or eval mode)");
  Tensor Y(X.shape()), mean({int(L.C)}), istd({int(L.C)}), var({int(L.C)});
#pragma omp parallel for if (X.numel() > 32768)
  for (int64_t c = 0; c < L.C; ++c) {
    double s = 0, ss = 0;
    each_in_channel(L, c, [&](int64_t k) { s += X[k]; });
    const double mu = s / double(L.M());
    each_in_channel(L, c, [&](int64_t k) { ss += (X[k] - mu) * (X[k] - mu); });
    const double v = ss / double(L.M()), is = 1 / std::sqrt(v + eps);
    mean[c] = real(mu), var[c] = real(v), istd[c] = real(is);
    const real a = real(G[c] * is), b = real(B[c] - G[c] * mu * is);  // y = a x + b
    each_in_channel(L, c, [&](int64_t k) { Y[k] = a * X[k] + b; });
  }
  if (batch_mean) *batch_mean = mean;
  if (batch_var) *batch_var = var;
  return make_node("batch_norm", Y, {x, gamma, beta}, [X, G, L, mean, istd](Node& self) {
    const Tensor& g = self.grad;
    Tensor dx(X.shape()), dgamma({int(L.C)}), dbeta({int(L.C)});
    const bool want_x = self.inputs[0].requires_grad();
#pragma omp parallel for if (X.numel() > 32768)
    for (int64_t c = 0; c < L.C; ++c) {
      const double mu = mean[c], is = istd[c];
      double sg = 0, sgx = 0;
      each_in_channel(L, c, [&](int64_t k) {
        sg += g[k];
        sgx += g[k] * ((X[k] - mu) * is);
      });
      dbeta[c] = real(sg), dgamma[c] = real(sgx);
      if (!want_x) continue;
      const double M = double(L.M()), scale = G[c] * is / M;
      each_in_channel(L, c, [&](int64_t k) {
        dx[k] = real(scale * (M * g[k] - sg - (X[k] - mu) * is * sgx));
      });
    }
    if (want_x) accumulate(self.inputs[0], dx);
    accumulate(self.inputs[1], dgamma);
    accumulate(self.inputs[2], dbeta);
  });
}

// Forward: y = gamma_c (x - mean_c) istd_c + beta_c with fixed mean, var.
// Backward: dx = g gamma_c istd_c, dgamma_c = sum g (x - mean_c) istd_c, dbeta_c = sum g.
Var batch_norm_eval(const Var& x, const Var& gamma, const Var& beta, const Tensor& mean,
                    const Tensor& var, double eps) {
  const Tensor X = x.value(), G = gamma.value(), B = beta.value();
  const Layout L = layout_of("batch_norm (eval)", X, G, B);
  if (mean.numel() != L.C || var.numel() != L.C)
    throw Error("batch_norm (eval): running statistics of shapes " + shape_str(mean.shape()) +
                " and " + shape_str(var.shape()) + " for " + std::to_string(L.C) + " channels");
  Tensor Y(X.shape()), istd({int(L.C)});
  for (int64_t c = 0; c < L.C; ++c) istd[c] = real(1 / std::sqrt(double(var[c]) + eps));
  const Tensor mu = mean.clone();  // saved for backward: later training may move the original
#pragma omp parallel for if (X.numel() > 32768)
  for (int64_t c = 0; c < L.C; ++c) {
    const real a = G[c] * istd[c], b = B[c] - G[c] * mu[c] * istd[c];
    each_in_channel(L, c, [&](int64_t k) { Y[k] = a * X[k] + b; });
  }
  return make_node("batch_norm_eval", Y, {x, gamma, beta}, [X, G, L, mu, istd](Node& self) {
    const Tensor& g = self.grad;
    Tensor dx(X.shape()), dgamma({int(L.C)}), dbeta({int(L.C)});
#pragma omp parallel for if (X.numel() > 32768)
    for (int64_t c = 0; c < L.C; ++c) {
      double sg = 0, sgx = 0;
      const real a = G[c] * istd[c];
      each_in_channel(L, c, [&](int64_t k) {
        sg += g[k];
        sgx += g[k] * ((X[k] - mu[c]) * istd[c]);
        dx[k] = g[k] * a;
      });
      dbeta[c] = real(sg), dgamma[c] = real(sgx);
    }
    accumulate(self.inputs[0], dx);
    accumulate(self.inputs[1], dgamma);
    accumulate(self.inputs[2], dbeta);
  });
}

BatchNorm::BatchNorm(int c, double eps_, double momentum_, bool affine)
    : running_mean(Tensor::zeros({c})), running_var(Tensor::ones({c})), channels(c),
      eps(eps_), momentum(momentum_) {
  if (c < 1 || !(eps > 0) || !(momentum >= 0 && momentum <= 1))
    throw Error("BatchNorm: need channels >= 1, eps > 0 and momentum in [0, 1], got channels " +
                std::to_string(c) + " eps " + std::to_string(eps) + " momentum " +
                std::to_string(momentum));
  if (affine) {
    weight = param(Tensor::ones({c}));
    bias = param(Tensor::zeros({c}));
    register_parameter("weight", &weight);
    register_parameter("bias", &bias);
  }
  register_buffer("running_mean", &running_mean);
  register_buffer("running_var", &running_var);
}

Var BatchNorm::forward(const Var& x) {
  const Var gamma = weight ? weight : constant(Tensor::ones({channels}));
  const Var beta = bias ? bias : constant(Tensor::zeros({channels}));
  if (!training_) return batch_norm_eval(x, gamma, beta, running_mean, running_var, eps);
  Tensor mu, var;
  Var y = batch_norm_train(x, gamma, beta, eps, &mu, &var);
  const double M = double(x.value().numel()) / channels, unbias = M / (M - 1);
  for (int c = 0; c < channels; ++c) {
    running_mean[c] = real((1 - momentum) * running_mean[c] + momentum * mu[c]);
    running_var[c] = real((1 - momentum) * running_var[c] + momentum * var[c] * unbias);
  }
  return y;
}

std::string BatchNorm::describe() const {
  return "BatchNorm(" + std::to_string(channels) + (weight ? ")" : ", not affine)");
}

}  // namespace fg
