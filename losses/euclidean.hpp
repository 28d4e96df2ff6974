// The Euclidean-metric family of the lecture as graph nodes: each function
// computes one slide's formula and its hand-derived gradient (forward and
// backward in one node). The Loss classes built on them (with their
// parameters and, for the centre losses, their centres) are made by name
// through the registry (make_loss("triplet", {{"mining", "semihard"}}, ctx));
// each file defines its LossSpec, <name>_spec().
//
//   contrastive.cpp       contrastive_loss      L_MMC over every pair of the batch
//   marginal.cpp          marginal_loss         L_M, one hinge with two margins
//   triplet.cpp           triplet_loss          L_T over chosen triplets (mining.hpp picks them)
//   tse.cpp               tse_loss              L_TSE on projected embeddings h' = T h
//   tpe.cpp               tpe_loss              L_TPE on projected embeddings h' = T h
//   center.cpp            center_loss           L_C and the centre update rule
//   center_invariant.cpp  center_invariant_loss L_CI on the centres
//   range.cpp             range_intra/inter     L_R = alpha L_intra + beta L_inter
//
// Reductions are those of the formulas: a mean over pairs, 1/(m^2 - m), a mean
// over triplets, 1/(2m). Where nothing is selected (no pair, no triplet, no
// class with two samples) the loss is 0 and so is its gradient.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "losses/loss.hpp"

namespace fg {

// The value of a loss node, summed in double, as the build's scalar. A value
// the scalar cannot hold (squared distances of embeddings with norms beyond
// about 1e19 overflow float) is an fg::Error naming the op, the value and the
// largest |h_i| of x (m x N), never a silent inf.
inline real representable_loss(const char* op, double value, const Tensor& x) {
  if (std::abs(value) <= double(std::numeric_limits<real>::max())) return real(value);
  double top = 0;
  const int64_t rows = x.dim() == 2 ? x.shape()[0] : 0, n = x.dim() == 2 ? x.shape()[1] : 0;
  for (int64_t i = 0; i < rows; ++i) {
    double s2 = 0;
    for (int64_t k = 0; k < n; ++k) s2 += double(x[i * n + k]) * double(x[i * n + k]);
    top = std::max(top, std::sqrt(s2));
  }
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "%s: the loss is %.3g, beyond the range of the scalar type (at most %.3g); the "
                "largest embedding norm is %.3g: scale the embeddings down or normalise them",
                op, value, double(std::numeric_limits<real>::max()), top);
  throw Error(buf);
}

// ---- pairs ------------------------------------------------------------------
// Mean over the m(m-1)/2 unordered pairs i < j of
//   1/2 y_ij d_ij^2 + 1/2 (1 - y_ij) max(0, margin - d_ij)^2,  d_ij = |h_i - h_j|.
Var contrastive_loss(const Var& h, const std::vector<int>& y, real margin);

// 1/(m^2 - m) sum_{i<j} max(0, xi - y_ij (theta - |h_i - h_j|^2)), y_ij = +-1,
// on the embeddings as given (the marginal Loss normalises them first).
Var marginal_loss(const Var& h, const std::vector<int>& y, real theta, real xi);

// ---- triplets (a, p, n) -----------------------------------------------------
// Mean over the triplets of max(0, |h_a - h_p|^2 - |h_a - h_n|^2 + alpha), on
// the embeddings as given (the triplet Loss normalises them first).
Var triplet_loss(const Var& h, const std::vector<Triplet>& triplets, real alpha);

// Mean over the triplets of max(0, alpha + <h'_a, h'_n> - <h'_a, h'_p>), on
// projected embeddings hp (= h T^T).
Var tse_loss(const Var& hp, const std::vector<Triplet>& triplets, real alpha);

// Mean over the triplets of -log(e^{<h'_a,h'_p>} / (e^{<h'_a,h'_p>} + e^{<h'_a,h'_n>})).
Var tpe_loss(const Var& hp, const std::vector<Triplet>& triplets);

// Checks every index of every triplet against the batch size m; the error
// names the op and the offending row.
void check_triplets(const char* op, const std::vector<Triplet>& triplets, int m);

// ---- centres ----------------------------------------------------------------
// L_C = 1/(2m) sum_i |h_i - c_{y_i}|^2, c the K x N centres.
Var center_loss(const Var& h, const Var& c, const std::vector<int>& y);

// L_CI = 1/m sum_i 1/4 (|c_{y_i}|^2 - 1/K sum_j |c_j|^2)^2 (depends on the
// batch only through its labels).
Var center_invariant_loss(const Var& c, const std::vector<int>& y);

// ---- range ------------------------------------------------------------------
// L_intra = sum over the classes of the batch with two or more samples of
// k' / sum_{j<=k'} 1/D^j, D^j the j-th largest distance between two samples of
// the class, k' = min(k, number of such pairs).
Var range_intra(const Var& h, const std::vector<int>& y, int k);
// L_inter = max(0, margin - min_{a<b} |c_a - c_b|^2), c the means of the
// batch's classes (0 when the batch holds fewer than two classes).
Var range_inter(const Var& h, const std::vector<int>& y, real margin);

}  // namespace fg
