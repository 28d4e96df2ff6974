// The three matrices of Winograd's minimal filtering algorithm F(m, r),
// generated from interpolation points (the Toom-Cook construction that
// Lavin and Gray use for convolutional layers).
//
// F(m, r) computes m outputs of an r-tap correlation,
//
//   y_j = sum_{u < r} g_u d_{j+u},   j = 0 .. m-1,   from alpha = m + r - 1 inputs d,
//
// as y = A^T [ (G g) .* (B^T d) ]: alpha multiplications instead of m r.
// In two dimensions the same matrices, applied on both sides, give
//
//   Y = A^T [ (G g G^T) .* (B^T d B) ] A     (m x m outputs, alpha^2 products).
//
// Where the matrices come from. Take h (m taps) and g (r taps) as the
// coefficients of two polynomials; their product s = g h has alpha
// coefficients, s_k = sum_u g_u h_{k-u}. A polynomial of degree alpha - 1 is
// fixed by its values at alpha - 1 points p_i and by its leading coefficient
// (its "value at infinity"). So, with E_n the alpha x n matrix that
// evaluates an n-coefficient polynomial there (row i = 1, p_i, ..., p_i^{n-1};
// the row for infinity = 0, ..., 0, 1) and C the interpolation matrix that
// turns the alpha values back into coefficients,
//
//   s = C [ (E_r g) .* (E_m h) ].
//
// Lagrange's formula gives C: with M_i(x) = prod_{j != i} (x - p_j) (the
// finite points only), N_i = M_i(p_i) and M(x) = prod_j (x - p_j),
//
//   s(x) = sum_i s(p_i) M_i(x) / N_i  +  s_inf M(x),
//
// so column i of C holds the coefficients of M_i / N_i and the last column
// those of M. The correlation y is the transpose of this product in h:
// for every d, d . s = sum_k d_k sum_u g_u h_{k-u} = h . y, and
// d . s = h^T E_m^T [ (E_r g) .* (C^T d) ], hence
//
//   y = E_m^T [ (E_r g) .* (C^T d) ].
//
// Moving each 1/N_i from C^T over to E_r keeps B^T free of fractions:
//
//   A^T = E_m^T                                  (m x alpha)
//   G   = E_r with row i divided by N_i          (alpha x r)
//   B^T : row i = coefficients of M_i (x^0 first, a 0 for x^{alpha-1}),
//         last row = coefficients of M           (alpha x alpha)
//
// The weight gradient of a convolution is itself a correlation, of the
// input with the output gradient: it uses F(r, m) (r outputs, m taps) on
// the same points, whose B^T is the same.
//
// The points. Float rounding grows with the size of the entries of the
// matrices, and so with how far the points spread; small, exactly
// representable points keep it down. winograd_points() takes them in the
// order 0, 1, -1, 1/2, -1/2, 2, -2, 1/4, -1/4 (then infinity), so F(2, 3)
// uses 0, +-1; F(2, 5) and F(4, 3) use 0, +-1, +-1/2; F(4, 5) uses
// 0, +-1, +-1/2, +-2. notes/06-kernels.md gives the float error this
// yields.
#pragma once

#include <vector>

namespace fg {

struct WinogradMatrices {
  int m = 0, r = 0, alpha = 0;
  std::vector<double> AT;  // m x alpha, row-major: output transform
  std::vector<double> G;   // alpha x r: filter transform
  std::vector<double> BT;  // alpha x alpha: input transform
};

// The alpha - 1 finite points for tiles of alpha inputs (2 <= alpha <= 10).
std::vector<double> winograd_points(int alpha);

// A^T, G and B^T of F(m, r) (m, r >= 1, m + r - 1 <= 10), built as above.
WinogradMatrices winograd_matrices(int m, int r);

}  // namespace fg
