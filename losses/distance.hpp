// Small helpers the pair and triplet losses share: squared distances and
// inner products of embedding rows (summed in double), and the check that a
// batch is an m x N matrix with m labels.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace fg {

// |a - b|^2 for two rows of length n. Computed from the differences, never as
// |a|^2 + |b|^2 - 2<a, b>, which cancels badly for large norms and can go negative.
inline double sq_dist(const real* a, const real* b, int n) {
  double s = 0;
  for (int k = 0; k < n; ++k) {
    const double d = double(a[k]) - double(b[k]);
    s += d * d;
  }
  return s;
}

inline double dot(const real* a, const real* b, int n) {
  double s = 0;
  for (int k = 0; k < n; ++k) s += double(a[k]) * double(b[k]);
  return s;
}

// All |h_i - h_j|^2 of the rows of h (m x N), as an m x m row-major table.
inline std::vector<double> sq_dist_table(const Tensor& h) {
  const int m = h.shape()[0], n = h.shape()[1];
  std::vector<double> d(size_t(m) * m, 0.0);
  for (int i = 0; i < m; ++i)
    for (int j = i + 1; j < m; ++j)
      d[size_t(i) * m + j] = d[size_t(j) * m + i] = sq_dist(h.data() + i * n, h.data() + j * n, n);
  return d;
}

// The backward of a loss over pairs i < j of rows of x (m x N) that depends on
// each pair through e_ij = x_i - x_j: with c[i * m + j] the pair's factor
// (dL/dx_i = c_ij e_ij, dL/dx_j = -c_ij e_ij; 0 for a pair that adds nothing),
// adds g c_ij e_ij to row i of gx and subtracts it from row j.
inline void add_pair_grad(Tensor& gx, const Tensor& x, const std::vector<double>& c, double g) {
  const int m = x.shape()[0], n = x.shape()[1];
  for (int i = 0; i < m; ++i)
    for (int j = i + 1; j < m; ++j) {
      const double cij = c[size_t(i) * m + j];
      if (cij == 0) continue;
      for (int k = 0; k < n; ++k) {
        const double e = double(x.at(i, k)) - x.at(j, k);
        gx.at(i, k) += real(g * cij * e);
        gx.at(j, k) -= real(g * cij * e);
      }
    }
}

// h must be m x N (m >= 1) with one label per row.
inline void check_rows_labels(const char* op, const Tensor& h, const std::vector<int>& y) {
  if (h.dim() != 2 || h.shape()[0] < 1)
    throw Error(std::string(op) + ": embeddings must be an m x N matrix with m >= 1, got " +
                shape_str(h.shape()));
  if (static_cast<int>(y.size()) != h.shape()[0])
    throw Error(std::string(op) + ": " + std::to_string(y.size()) + " labels for " +
                std::to_string(h.shape()[0]) + " embeddings (need one per row)");
}

}  // namespace fg
