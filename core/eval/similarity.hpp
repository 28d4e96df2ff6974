// The two primitive decisions of the lecture's "FaceID task" slide:
//   similarity  s(h_a, h_b) = cos(h_a, h_b), the score every verification and
//               identification metric starts from;
//   classification  argmax_{i in {0..K-1}} <W_i, h(x)> + b_i.
// A batch of embeddings is an m x N tensor, one embedding h(x) per row; W is
// K x N (row W_i is class i), b has K entries or is empty (b = 0).
#pragma once

#include <vector>

#include "core/tensor.hpp"

namespace fg {

// Throws fg::Error naming `op` and `what` unless H is a 2-D, non-empty
// tensor of finite numbers (a NaN embedding would silently score as a miss).
void check_embeddings(const char* op, const char* what, const Tensor& H);

// Each row divided by its Euclidean norm: h / ||h||_2. A zero row stays zero,
// so its cosine with anything is 0 (not NaN).
Tensor normalize_rows(const Tensor& H);

// Cosine similarity matrix S (m x n) between the rows of A (m x N) and of
// B (n x N):
//   S_ij = s(a_i, b_j) = <a_i, b_j> / (||a_i||_2 ||b_j||_2),
// computed as one GEMM of the row-normalised matrices, S = A_hat B_hat^T.
// Rows with zero norm score 0 against everything.
Tensor cosine_similarity(const Tensor& A, const Tensor& B);

// The linear classifier of the lecture, one prediction per row of H (m x N):
//   c(x) = argmax_{i in {0..K-1}} <W_i, h(x)> + b_i,
// with W (K x N) and b ([K] or [1, K], or empty for b = 0). The logits are
// one GEMM, l = H W^T; ties go to the smallest class index.
std::vector<int> classify(const Tensor& H, const Tensor& W, const Tensor& b = Tensor());

}  // namespace fg
