// Matrix product through the GEMM kernel.
#include <string>

#include "core/kernels/gemm.hpp"
#include "core/ops.hpp"

namespace fg {

// C = op(A) op(B), op(X) = X or X^T. With G = dL/dC:
//   dL/d op(A) = G op(B)^T,   dL/d op(B) = op(A)^T G
// and each is transposed back when the operand was used transposed.
Var matmul(const Var& a, const Var& b, bool ta, bool tb) {
  const Tensor A = a.value(), B = b.value();
  if (A.dim() != 2 || B.dim() != 2)
    throw Error("matmul: needs 2-D operands, got " + shape_str(A.shape()) + " and " +
                shape_str(B.shape()));
  const int m = ta ? A.shape()[1] : A.shape()[0], k = ta ? A.shape()[0] : A.shape()[1];
  const int kb = tb ? B.shape()[1] : B.shape()[0], n = tb ? B.shape()[0] : B.shape()[1];
  if (k != kb)
    throw Error(std::string("matmul: inner dimensions differ: ") + shape_str(A.shape()) +
                (ta ? "^T" : "") + " times " + shape_str(B.shape()) + (tb ? "^T" : ""));
  const int lda = A.shape()[1], ldb = B.shape()[1];
  Tensor C({m, n});
  gemm<real>(ta, tb, m, n, k, 1, A.data(), lda, B.data(), ldb, 0, C.data(), n);
  return make_node("matmul", C, {a, b}, [A, B, ta, tb, m, n, k, lda, ldb](Node& self) {
    const real* G = self.grad.data();
    if (self.inputs[0].requires_grad()) {
      Tensor dA(A.shape());
      if (!ta)  // dA [m x k] = G op(B)^T
        gemm<real>(false, !tb, m, k, n, 1, G, n, B.data(), ldb, 0, dA.data(), k);
      else      // dA [k x m] = op(B) G^T
        gemm<real>(tb, true, k, m, n, 1, B.data(), ldb, G, n, 0, dA.data(), m);
      accumulate(self.inputs[0], dA);
    }
    if (self.inputs[1].requires_grad()) {
      Tensor dB(B.shape());
      if (!tb)  // dB [k x n] = op(A)^T G
        gemm<real>(!ta, false, k, n, m, 1, A.data(), lda, G, n, 0, dB.data(), n);
      else      // dB [n x k] = G^T op(A)
        gemm<real>(true, ta, n, k, m, 1, G, n, A.data(), lda, 0, dB.data(), k);
      accumulate(self.inputs[1], dB);
    }
  });
}

}  // namespace fg
