// The learned projection of tse and tpe: h'(x) = T h(x), T an N' x N matrix
// (lecture, "Better triplets"), the table the triplet selection uses on the
// projected rows, and the Loss plumbing both share (T, dim, mining, freeze,
// normalize).
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "core/ops.hpp"
#include "core/random.hpp"
#include "losses/distance.hpp"
#include "losses/params.hpp"
#include "losses/triplet_source.hpp"

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

// The gradient of z = <h'_a, h'_n> - <h'_a, h'_p> on the rows t = (a, p, n)
// of x, times g, added into gx (the inner term of both TSE and TPE):
//   dz/da = n - p,   dz/dp = -a,   dz/dn = a
void add_similarity_gap_grad(Tensor& gx, const Tensor& x, const Triplet& t, double g);

// The parameters of a projected triplet loss: its margin spec first, then
// dim, mining, freeze and normalize.
std::vector<ParamSpec> projection_specs(ParamSpec margin);

// What tse and tpe share around their node: T (N' x N, learned), the options
// dim, mining, freeze and normalize, and the forward up to h' and the triplets on it.
class ProjectedTripletLoss : public Loss, public TripletSource {
 public:
  std::string name() const override { return loss_; }
  // T is kept here rather than in LossBase's table because setting it may
  // change N' (losscalc --weights with N' rows): any N' x N matrix is accepted.
  std::vector<NamedVar> parameters() override { return {{"T", T_}}; }
  void set_parameter(const std::string& key, const Var& value) override;
  // With normalize=1 only the direction of h counts: classes by angle.
  Scoring scoring() const override { return normalize_ ? Scoring::Cosine : Scoring::Dot; }

 protected:
  // Reads the values of projection_specs(); the one named margin_key goes into margin_.
  ProjectedTripletLoss(const std::string& loss, const LossContext& ctx, const ParamReader& r,
                       const std::string& margin_key);
  // Checks the batch and returns h' = T h; the triplets on h' are then
  // last_triplets().
  Var project_and_pick(const LossInput& in);
  // " dim=N' mining=... [freeze=1]": the end of describe().
  std::string options_str() const;

  real margin_;

 private:
  std::string loss_;
  int K_, dim_, out_dim_;
  bool freeze_, normalize_;
  Var T_;  // N' x N
};

}  // namespace fg
