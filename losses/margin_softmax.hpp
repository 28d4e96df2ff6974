// The margin-softmax node: the cross-entropy every softmax-family and angular
// loss of the lecture ends in, with the target logit replaced by psi.
//
//   L = -1/m sum_i log( e^{z_{i,y_i}} / sum_j e^{z_ij} )
//
//   z_ij      = a_ij cos theta_ij               (j != y_i)
//   z_{i,y_i} = a_{i,y_i} psi(cos theta_{i,y_i})
//
// The scale a is one number s for all entries (NormFace, CoCo, AM-Softmax,
// CosFace, ArcFace, combined margin), |h_i| per sample (A-Softmax) or
// |W_j| |h_i| per entry (L-Softmax). psi is the only thing a loss changes; each
// loss file writes it as a function of c = cos theta, with dpsi/dc, so the
// node never needs theta itself and never divides by sin theta unless the
// loss's own derivative does (ArcFace, combined: they use sin_theta_of).
//
// Backward (derived in margin_softmax.cpp): with p_ij = softmax(z_i)_j,
//   dL/dz_ij   = (p_ij - [j = y_i]) / m
//   dL/dcos_ij = dL/dz_ij a_ij            dL/dcos_{i,y_i} = dL/dz_{i,y_i} a_{i,y_i} psi'(c)
//   dL/da_ij   = dL/dz_ij cos_ij          dL/da_{i,y_i}   = dL/dz_{i,y_i} psi(c)
// and dL/da is summed over the entries that share one scale.
// cos theta itself comes from primitive ops (cosine_matrix), whose backward
// carries the gradient on to h and W.
#pragma once

#include <functional>
#include <vector>

#include "core/graph.hpp"

namespace fg {

// The target logit of one loss, as a function of c = cos theta_y.
struct TargetLogit {
  std::function<double(double c)> psi;
  std::function<double(double c)> dpsi;  // d psi / d c
};

// psi(c) = c: the plain softmax on cosines (NormFace, CoCo).
TargetLogit plain_cosine();

// theta = arccos c with c first clamped to [-1, 1] (rounding can put a
// computed cosine a little past 1): exact at theta = 0 and pi, for values.
double theta_of(double c);
// sin theta = sqrt(1 - c^2) with c first clamped inside [-1 + kCosEps, 1 - kCosEps],
// for the slopes that divide by sin theta (ArcFace, combined margin): it stays
// >= about 4.5e-4, so the slope is finite at theta = 0 and pi exactly.
constexpr double kCosEps = 1e-7;
double clamp_cos(double c);
double sin_theta_of(double c);

// The node. cos_theta is m x K; scale is [1], [m, 1] or [m, K]; y has m labels
// in 0..K-1. Returns the batch mean as a one-element Var.
Var margin_softmax(const Var& cos_theta, const Var& scale, const std::vector<int>& y,
                   const TargetLogit& target);

// The same cross-entropy on ready-made logits z (m x K): psi = identity, a = 1.
// Softmax and L2-Softmax use it.
Var softmax_cross_entropy(const Var& logits, const std::vector<int>& y);

// cos theta_ij = <h_i / |h_i|, W_j / |W_j|> (m x K), composed from l2_normalize
// (which has an eps: a zero row gives cos 0 and a finite gradient) and matmul.
Var cosine_matrix(const Var& h, const Var& W);

// |x_i| = sqrt(|x_i|^2 + eps^2) of every row as a [rows, 1] column, with the
// eps of l2_normalize, so row_norms(x) * l2_normalize(x) == x and a zero row
// has gradient 0 instead of 0/0.
Var row_norms(const Var& x);

}  // namespace fg
