// The learned projection of tse and tpe: h'(x) = T h(x), T an N' x N matrix
// (lecture, "Better triplets"), and the table the triplet selection uses on
// the projected rows.
#pragma once

#include <cmath>
#include <vector>

#include "core/ops.hpp"
#include "core/random.hpp"
#include "losses/distance.hpp"

namespace fg {

// T with entries N(0, 1/N), so that |h'| starts near |h|; seeded.
inline Tensor init_projection(int out_dim, int in_dim, uint64_t seed) {
  Rng rng(seed);
  return Tensor::randn({out_dim, in_dim}, rng, 0, real(1 / std::sqrt(double(in_dim))));
}

// h' = h T^T (rows are samples). With freeze the embeddings are read as
// constants: the gradient reaches T only, as when T is trained on top of a
// frozen network.
inline Var project(const Var& h, const Var& T, bool freeze) {
  return matmul(freeze ? constant(h.value()) : h, T, false, true);
}

// d_aj = -<h'_a, h'_j>: a dissimilarity whose triplet hinge
// max(0, d_ap - d_an + alpha) is the TSE hinge, for the triplet selection.
inline std::vector<double> neg_similarity_table(const Tensor& hp) {
  const int m = hp.shape()[0], n = hp.shape()[1];
  std::vector<double> d(size_t(m) * m);
  for (int a = 0; a < m; ++a)
    for (int j = 0; j < m; ++j)
      d[size_t(a) * m + j] = -dot(hp.data() + a * n, hp.data() + j * n, n);
  return d;
}

}  // namespace fg
