// Neural-network ops: PReLU, 2-D max pooling, 2-D convolution.
#include <limits>
#include <string>

#include "core/kernels/conv.hpp"
#include "core/ops.hpp"

namespace fg {

// y = x if x > 0 else alpha_c x   (c = the channel, axis 1)
// dL/dx = g [x > 0] + g alpha_c [x <= 0],   dL/dalpha_c = sum over channel c of g x [x <= 0]
Var prelu(const Var& x, const Var& alpha) {
  const Tensor X = x.value(), A = alpha.value();
  const int C = X.dim() >= 2 ? X.shape()[1] : 1;
  if (A.numel() != 1 && (X.dim() < 2 || A.numel() != C))
    throw Error("prelu: slope of shape " + shape_str(A.shape()) +
                " fits neither one shared slope nor one per channel of input " +
                shape_str(X.shape()));
  const bool shared = A.numel() == 1;
  const int64_t N = X.dim() >= 1 ? X.shape()[0] : 1;
  const int64_t inner = X.numel() / std::max<int64_t>(1, N * C);
  Tensor Y(X.shape());
  const real* xp = X.data();
  real* yp = Y.data();
#pragma omp parallel for if (X.numel() > 65536)
  for (int64_t nc = 0; nc < N * C; ++nc) {
    const real a = A[shared ? 0 : nc % C];
    for (int64_t i = nc * inner; i < (nc + 1) * inner; ++i) yp[i] = xp[i] > 0 ? xp[i] : a * xp[i];
  }
  return make_node("prelu", Y, {x, alpha}, [X, A, shared, N, C, inner](Node& self) {
    const real* g = self.grad.data();
    const real* xp = X.data();
    Tensor gx(X.shape()), ga(A.shape());
    real* gxp = gx.data();
    std::vector<double> per_channel(C, 0.0);
    // One channel per thread: each channel's slope gradient has one writer.
#pragma omp parallel for if (X.numel() > 65536)
    for (int c = 0; c < C; ++c) {
      const real a = A[shared ? 0 : c];
      double acc = 0;
      for (int64_t n = 0; n < N; ++n)
        for (int64_t i = (n * C + c) * inner; i < (n * C + c + 1) * inner; ++i) {
          const bool pos = xp[i] > 0;
          gxp[i] = pos ? g[i] : a * g[i];
          if (!pos) acc += double(g[i]) * xp[i];
        }
      per_channel[c] = acc;
    }
    for (int c = 0; c < C; ++c) ga[shared ? 0 : c] += real(per_channel[c]);
    accumulate(self.inputs[0], gx);
    accumulate(self.inputs[1], ga);
  });
}

// y[n, c, i, j] = max over the k x k window at (i stride, j stride);
// the gradient goes to the position that held the maximum (saved as `argmax`).
Var maxpool2d(const Var& x, int k, int stride) {
  const Tensor& X = x.value();
  check_dim("maxpool2d", X, 4);
  const int N = X.shape()[0], C = X.shape()[1], H = X.shape()[2], W = X.shape()[3];
  if (k < 1 || stride < 1 || k > H || k > W)
    throw Error("maxpool2d: window " + std::to_string(k) + " stride " + std::to_string(stride) +
                " does not fit input " + shape_str(X.shape()));
  const int OH = (H - k) / stride + 1, OW = (W - k) / stride + 1;
  Tensor Y({N, C, OH, OW});
  std::vector<int64_t> argmax(Y.numel());  // saved for backward
#pragma omp parallel for
  for (int64_t nc = 0; nc < int64_t(N) * C; ++nc) {
    const real* xp = X.data() + nc * H * W;
    for (int i = 0; i < OH; ++i)
      for (int j = 0; j < OW; ++j) {
        real best = -std::numeric_limits<real>::infinity();
        int64_t where = int64_t(i) * stride * W + j * stride;
        for (int di = 0; di < k; ++di)
          for (int dj = 0; dj < k; ++dj) {
            const int64_t p = int64_t(i * stride + di) * W + (j * stride + dj);
            if (xp[p] > best) best = xp[p], where = p;
          }
        const int64_t o = (nc * OH + i) * OW + j;
        Y[o] = best;
        argmax[o] = nc * H * W + where;
      }
  }
  const Shape xs = X.shape();
  return make_node("maxpool2d", Y, {x}, [xs, argmax](Node& self) {
    Tensor gx(xs);
    for (size_t o = 0; o < argmax.size(); ++o) gx[argmax[o]] += self.grad[o];
    accumulate(self.inputs[0], gx);
  });
}

// y = w * x + b (cross-correlation); the kernels in core/kernels/conv.cpp give
// dL/dx (correlation of g with the flipped filters) and dL/dw, dL/db.
Var conv2d(const Var& x, const Var& w, const Var& b, int stride, int pad) {
  const Tensor X = x.value(), Wt = w.value();
  if (X.dim() != 4 || Wt.dim() != 4 || X.shape()[1] != Wt.shape()[1])
    throw Error("conv2d: input " + shape_str(X.shape()) + " and filters " +
                shape_str(Wt.shape()) + " do not fit (need [N, C, H, W] and [F, C, KH, KW])");
  ConvGeom g{X.shape()[0], X.shape()[1], X.shape()[2], X.shape()[3],
             Wt.shape()[0], Wt.shape()[2], Wt.shape()[3], stride, pad};
  if (stride < 1 || pad < 0 || g.H + 2 * pad < g.KH || g.W + 2 * pad < g.KW)
    throw Error("conv2d: stride " + std::to_string(stride) + " and padding " +
                std::to_string(pad) + " leave no output for input " + shape_str(X.shape()) +
                " and filters " + shape_str(Wt.shape()));
  const bool has_bias = static_cast<bool>(b);
  if (has_bias && b.value().numel() != g.F)
    throw Error("conv2d: bias of shape " + shape_str(b.shape()) + " for " +
                std::to_string(g.F) + " filters");
  Tensor Y({g.N, g.F, g.OH(), g.OW()});
  conv2d_forward<real>(g, X.data(), Wt.data(), has_bias ? b.value().data() : nullptr, Y.data());
  std::vector<Var> inputs{x, w};
  if (has_bias) inputs.push_back(b);
  return make_node("conv2d", Y, inputs, [X, Wt, g, has_bias](Node& self) {
    const real* dy = self.grad.data();
    if (self.inputs[0].requires_grad()) {
      Tensor dx(X.shape());
      conv2d_backward_input<real>(g, dy, Wt.data(), dx.data());
      accumulate(self.inputs[0], dx);
    }
    const bool want_b = has_bias && self.inputs[2].requires_grad();
    if (self.inputs[1].requires_grad() || want_b) {
      Tensor dw(Wt.shape()), db({g.F});
      conv2d_backward_weight<real>(g, X.data(), dy, dw.data(), want_b ? db.data() : nullptr);
      accumulate(self.inputs[1], dw);
      if (want_b) accumulate(self.inputs[2], db);
    }
  });
}

}  // namespace fg
