// Neural-network ops: PReLU, 2-D max pooling, 2-D convolution.
#include <string>
#include <utility>
#include <vector>

#include "core/kernels/conv.hpp"
#include "core/kernels/prelu_pool.hpp"
#include "core/ops.hpp"

namespace fg {

// y = x if x > 0 else alpha_c x   (c = the channel, axis 1)
// dL/dx = g [x > 0] + g alpha_c [x <= 0],   dL/dalpha_c = sum over channel c of g x [x <= 0]
// (the loops: core/kernels/prelu_pool.cpp)
Var prelu(const Var& x, const Var& alpha) {
  const Tensor X = x.value(), A = alpha.value();
  const int C = X.dim() >= 2 ? X.shape()[1] : 1;
  if (A.numel() != 1 && (X.dim() < 2 || A.numel() != C))
    throw Error("prelu: slope of shape " + shape_str(A.shape()) +
                " fits neither one shared slope nor one per channel of input " +
                shape_str(X.shape()));
  const bool shared = A.numel() == 1;
  const int64_t N = X.dim() >= 1 ? X.shape()[0] : 1;
  const int64_t plane = X.numel() / std::max<int64_t>(1, N * C);
  Tensor Y = Tensor::uninit(X.shape());
  prelu_forward<real>(N, C, plane, X.data(), A.data(), shared, Y.data());
  return make_node("prelu", Y, {x, alpha}, [X, A, shared, N, C, plane](Node& self) {
    Tensor gx = Tensor::uninit(X.shape()), ga = Tensor::uninit(A.shape());
    prelu_backward<real>(N, C, plane, X.data(), A.data(), shared, self.grad.data(), gx.data(),
                         ga.data());
    accumulate(self.inputs[0], std::move(gx));
    accumulate(self.inputs[1], std::move(ga));
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
  Tensor Y = Tensor::uninit({N, C, OH, OW});
  std::vector<int32_t> argmax(Y.numel());  // saved for backward (where in its plane)
  const int64_t planes = int64_t(N) * C;
  maxpool_forward<real>(planes, H, W, k, stride, X.data(), Y.data(), argmax.data());
  const Shape xs = X.shape();
  return make_node("maxpool2d", Y, {x}, [xs, argmax = std::move(argmax), planes, H, W, k,
                                         stride](Node& self) {
    Tensor gx = Tensor::uninit(xs);
    maxpool_backward<real>(planes, H, W, k, stride, argmax.data(), self.grad.data(), gx.data());
    accumulate(self.inputs[0], std::move(gx));
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
  Tensor Y = Tensor::uninit({g.N, g.F, g.OH(), g.OW()});
  conv2d_forward<real>(g, X.data(), Wt.data(), has_bias ? b.value().data() : nullptr, Y.data());
  std::vector<Var> inputs{x, w};
  if (has_bias) inputs.push_back(b);
  return make_node("conv2d", Y, inputs, [X, Wt, g, has_bias](Node& self) {
    const real* dy = self.grad.data();
    if (self.inputs[0].requires_grad()) {
      Tensor dx = Tensor::uninit(X.shape());
      conv2d_backward_input<real>(g, dy, Wt.data(), dx.data());
      accumulate(self.inputs[0], std::move(dx));
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
