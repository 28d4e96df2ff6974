#include "core/eval/similarity.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/kernels/gemm.hpp"

namespace fg {

void check_embeddings(const char* op, const char* what, const Tensor& H) {
  const std::string where = std::string(op) + ": " + what;
  if (H.dim() != 2)
    throw Error(where + " must be a 2-D tensor (one embedding per row), got shape " +
                shape_str(H.shape()));
  if (H.size(0) == 0 || H.size(1) == 0)
    throw Error(where + " is empty (shape " + shape_str(H.shape()) + ")");
  const int N = H.size(1);
  for (int64_t k = 0; k < H.numel(); ++k)
    if (!std::isfinite(H[k]))
      throw Error(where + " has a non-finite value at row " + std::to_string(k / N) +
                  ", column " + std::to_string(k % N));
}

Tensor normalize_rows(const Tensor& H) {
  check_dim("normalize_rows", H, 2);
  const int m = H.size(0), N = H.size(1);
  Tensor out({m, N});
  for (int i = 0; i < m; ++i) {
    double sq = 0;
    for (int k = 0; k < N; ++k) sq += double(H.at(i, k)) * H.at(i, k);
    const double inv = sq > 0 ? 1.0 / std::sqrt(sq) : 0.0;
    for (int k = 0; k < N; ++k) out.at(i, k) = real(H.at(i, k) * inv);
  }
  return out;
}

Tensor cosine_similarity(const Tensor& A, const Tensor& B) {
  check_embeddings("cosine_similarity", "first set A", A);
  check_embeddings("cosine_similarity", "second set B", B);
  const int m = A.size(0), n = B.size(0), N = A.size(1);
  if (B.size(1) != N)
    throw Error("cosine_similarity: embeddings of A " + shape_str(A.shape()) + " and B " +
                shape_str(B.shape()) + " have different dimensions N");
  const Tensor a = normalize_rows(A), b = normalize_rows(B);
  Tensor S({m, n});
  gemm<real>(false, true, m, n, N, real(1), a.data(), N, b.data(), N, real(0), S.data(), n);
  // Rounding can push |cos| a hair past 1; cosines live in [-1, 1].
  for (int64_t k = 0; k < S.numel(); ++k) S[k] = std::max(real(-1), std::min(real(1), S[k]));
  return S;
}

std::vector<int> classify(const Tensor& H, const Tensor& W, const Tensor& b) {
  check_embeddings("classify", "embeddings H", H);
  check_embeddings("classify", "class weights W", W);
  const int m = H.size(0), N = H.size(1), K = W.size(0);
  if (W.size(1) != N)
    throw Error("classify: H " + shape_str(H.shape()) + " and W " + shape_str(W.shape()) +
                " disagree on the embedding dimension N");
  const bool has_bias = !b.empty();
  if (has_bias && b.numel() != K)
    throw Error("classify: bias b " + shape_str(b.shape()) + " must have K = " +
                std::to_string(K) + " entries (one per row of W), or be empty");
  Tensor logits({m, K});
  gemm<real>(false, true, m, K, N, real(1), H.data(), N, W.data(), N, real(0), logits.data(), K);
  std::vector<int> pred(m);
  for (int i = 0; i < m; ++i) {
    int best = 0;
    double best_l = 0;
    for (int c = 0; c < K; ++c) {
      const double l = double(logits.at(i, c)) + (has_bias ? double(b[c]) : 0.0);
      if (c == 0 || l > best_l) best = c, best_l = l;
    }
    pred[i] = best;
  }
  return pred;
}

}  // namespace fg
