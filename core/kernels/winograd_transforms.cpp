// The matrices of F(m, r) from their interpolation points: see
// winograd_transforms.hpp for the derivation.
#include "core/kernels/winograd_transforms.hpp"

#include <algorithm>
#include <string>

#include "core/error.hpp"

namespace fg {

namespace {

// Coefficients (x^0 first) of prod_{j != skip} (x - p_j).
std::vector<double> product_of_roots(const std::vector<double>& p, int skip) {
  std::vector<double> c{1.0};
  for (int j = 0; j < int(p.size()); ++j) {
    if (j == skip) continue;
    std::vector<double> next(c.size() + 1, 0.0);
    for (size_t k = 0; k < c.size(); ++k) {
      next[k + 1] += c[k];       // x * c
      next[k] -= p[j] * c[k];    // -p_j * c
    }
    c = next;
  }
  return c;
}

}  // namespace

std::vector<double> winograd_points(int alpha) {
  static const double order[] = {0, 1, -1, 0.5, -0.5, 2, -2, 0.25, -0.25};
  if (alpha < 2 || alpha > 10)
    throw Error("winograd_points: tiles of " + std::to_string(alpha) +
                " inputs are not supported (2 to 10)");
  return std::vector<double>(order, order + alpha - 1);
}

WinogradMatrices winograd_matrices(int m, int r) {
  if (m < 1 || r < 1 || m + r - 1 > 10)
    throw Error("winograd_matrices: F(" + std::to_string(m) + ", " + std::to_string(r) +
                ") is not supported (m, r >= 1 and m + r - 1 <= 10)");
  WinogradMatrices w;
  w.m = m, w.r = r, w.alpha = m + r - 1;
  const int a = w.alpha, fin = a - 1;  // fin finite points, then infinity
  const std::vector<double> p = winograd_points(a);
  w.AT.assign(m * a, 0.0);
  w.G.assign(a * r, 0.0);
  w.BT.assign(a * a, 0.0);
  for (int i = 0; i < fin; ++i) {
    const std::vector<double> Mi = product_of_roots(p, i);  // degree a - 2
    double Ni = 1.0;
    for (int j = 0; j < fin; ++j)
      if (j != i) Ni *= p[i] - p[j];
    double power = 1.0;
    for (int k = 0; k < std::max(m, r); ++k, power *= p[i]) {
      if (k < m) w.AT[k * a + i] = power;
      if (k < r) w.G[i * r + k] = power / Ni;
    }
    for (int k = 0; k < a - 1; ++k) w.BT[i * a + k] = Mi[k];
  }
  // The point at infinity: the leading coefficients.
  w.AT[(m - 1) * a + fin] = 1.0;
  w.G[fin * r + r - 1] = 1.0;
  const std::vector<double> M = product_of_roots(p, -1);  // degree a - 1
  for (int k = 0; k < a; ++k) w.BT[fin * a + k] = M[k];
  return w;
}

}  // namespace fg
