// Neural collapse (Papyan, Han and Donoho 2020): in the terminal phase of
// training, the embeddings h_i of each class gather at their class mean, the
// centred class means form a simplex equiangular tight frame (equal norms,
// pairwise cosine -1/(K-1)), the classifier rows W_c line up with those means,
// and the classifier decides like "nearest class mean". Each of the four
// statements is one number here, measured on training embeddings H (n x N)
// with labels y in [0, K) and the classifier W (K x N), b (K or empty).
//
// Notation (all sums in double precision, in both builds):
//   n_c   = #{i : y_i = c},  n = sum_c n_c
//   mu_c  = (1/n_c) sum_{i: y_i = c} h_i          class mean
//   mu_G  = (1/n) sum_i h_i                       global mean of all samples
//   M     = K x N matrix with rows m_c = mu_c - mu_G   (centred class means)
//   Sigma_W = (1/n) sum_i (h_i - mu_{y_i})(h_i - mu_{y_i})^T   within-class covariance
//   Sigma_B = (1/K) sum_c (mu_c - mu_G)(mu_c - mu_G)^T         between-class covariance
// Sigma_W averages over samples, Sigma_B over classes (each class counts once).
#pragma once

#include <vector>

#include "core/tensor.hpp"

namespace fg {

// A K x N matrix of doubles, row-major: class means and centred means.
struct RowsD {
  int K = 0, N = 0;
  std::vector<double> v;
  double& at(int c, int k) { return v[size_t(c) * N + k]; }
  double at(int c, int k) const { return v[size_t(c) * N + k]; }
};

struct ClassMeans {
  RowsD mean;                       // mu_c, K x N
  std::vector<double> global_mean;  // mu_G, N entries
  std::vector<int> count;           // n_c
  RowsD centred() const;            // M, rows mu_c - mu_G
};

// mu_c and mu_G of H (n x N) with labels y in [0, K). Throws if a class has
// no sample, a label is out of range, or the sizes disagree.
ClassMeans class_means(const Tensor& H, const std::vector<int>& y, int K);

// Eigendecomposition A = V diag(values) V^T of a symmetric n x n matrix
// (row-major), by cyclic Jacobi rotations. values are decreasing; column k
// of `vectors` (n x n, row-major) is the unit eigenvector of values[k].
struct SymmetricEigen {
  std::vector<double> values, vectors;
};
SymmetricEigen symmetric_eigen(std::vector<double> A, int n);

// NC1, within-class variability relative to the between-class spread:
//   NC1 = Tr(Sigma_W Sigma_B^+) / K,
// Sigma_B^+ the Moore-Penrose pseudo-inverse, from Sigma_B = V diag(lambda) V^T:
// Tr(Sigma_W Sigma_B^+) = sum_{lambda_k > 1e-10 lambda_max} v_k^T Sigma_W v_k / lambda_k.
// Sigma_B has rank <= K - 1; the other directions are left out. Throws when
// all class means coincide (Sigma_B = 0).
double nc1_variability(const Tensor& H, const std::vector<int>& y, const ClassMeans& mu);

// NC2 on K vectors v_c (the rows of M, or of W):
//   equinorm       = std_c ||v_c|| / mean_c ||v_c||
//   equiangularity = std_{c != c'} cos(v_c, v_c')
//   max_angle      = mean_{c != c'} |cos(v_c, v_c') + 1/(K-1)|
// (std divides by the count, over the K(K-1)/2 unordered pairs for the
// cosines). All three are 0 for a simplex equiangular tight frame.
struct Nc2 {
  double equinorm = 0, equiangularity = 0, max_angle = 0;
};
Nc2 nc2_simplex_etf(const RowsD& V);

// NC3, self-duality of the classifier and the centred class means:
//   NC3 = || W / ||W||_F - M / ||M||_F ||_F.
double nc3_self_duality(const Tensor& W, const ClassMeans& mu);

// NC4, the classifier against the nearest-class-mean rule: the fraction of
// samples where
//   argmax_c <W_c, h_i> + b_c  !=  argmin_c ||h_i - mu_c||_2
// (ties go to the smallest class index on both sides).
double nc4_ncc_mismatch(const Tensor& H, const Tensor& W, const Tensor& b, const ClassMeans& mu);

struct CollapseMetrics {
  double nc1 = 0;
  Nc2 nc2_means;       // of the centred class means M
  Nc2 nc2_classifier;  // of the rows of W
  double nc3 = 0, nc4 = 0;
};

// All four, with K = the number of rows of W (b may be empty: b = 0).
CollapseMetrics neural_collapse(const Tensor& H, const std::vector<int>& y, const Tensor& W,
                                const Tensor& b = Tensor());

}  // namespace fg
