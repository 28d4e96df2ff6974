// Per-point numbers from the objective's own nodes (demos/explorer/probe.hpp).
#include "demos/explorer/probe.hpp"

#include <cmath>
#include <functional>

#include "core/error.hpp"
#include "core/graph.hpp"
#include "demos/features/metrics.hpp"
#include "demos/features/run.hpp"

namespace fg {

namespace {

void zero_all(Objective& obj) {
  std::vector<Var> ps;
  for (const NamedVar& p : obj.parameters()) ps.push_back(p.second);
  zero_grad(ps);
}

Tensor row(const Tensor& H, int i) {
  const int N = H.size(1);
  Tensor r({1, N});
  for (int k = 0; k < N; ++k) r[k] = H.at(i, k);
  return r;
}

}  // namespace

bool has_target_logit(const Objective& obj) {
  return obj.size() > 0 && bool(obj.term(0).loss->target_logit());
}

double target_logit(const Objective& obj, double c) {
  if (obj.size() == 0) return NAN;
  const std::function<double(double)> psi = obj.term(0).loss->target_logit();
  return psi ? psi(c) : NAN;
}

PointProbes probe_points(Objective& obj, const Tensor& H, const std::vector<int>& y, const Tensor& W) {
  const int m = H.size(0), N = H.size(1);
  if (int(y.size()) != m) throw Error("probe_points: " + std::to_string(m) + " features but " +
                                      std::to_string(y.size()) + " labels");
  PointProbes p;
  p.loss.assign(size_t(m), NAN), p.theta_deg.assign(size_t(m), NAN), p.psi.assign(size_t(m), NAN);
  p.neg_grad = Tensor({m, N}, NAN);
  const bool with_w = W.dim() == 2 && W.size(1) == N && W.size(0) > 0;
  const bool with_psi = with_w && has_target_logit(obj);
  // A pair or triplet term of a batch of one point has no pairs: its value
  // would read 0 and mean nothing.
  if (objective_needs_pk(obj.name()))
    p.note = "pair and triplet terms need a batch: no loss or -dL/dh of one point alone";
  for (int i = 0; i < m; ++i) {
    const int c = y[size_t(i)];
    if (with_w && c >= 0 && c < W.size(0)) {
      p.theta_deg[size_t(i)] = angle_deg(H.data() + int64_t(i) * N, W.data() + int64_t(c) * N, N);
      if (with_psi) p.psi[size_t(i)] = target_logit(obj, std::cos(p.theta_deg[size_t(i)] * M_PI / 180));
    }
    if (!p.note.empty()) continue;
    try {
      Var h = param(row(H, i));
      Var L = obj.forward(LossInput{h, {c}});
      backward(L);
      p.loss[size_t(i)] = L.value().item();
      for (int k = 0; k < N; ++k) p.neg_grad.at(i, k) = -h.grad()[k];
    } catch (const Error& e) {
      p.note = std::string("no per-point loss: ") + e.what();
    }
  }
  zero_all(obj);
  return p;
}

Tensor batch_push(Objective& obj, const Tensor& H, const std::vector<int>& y) {
  Var h = param(H.clone());
  Var L = obj.forward(LossInput{h, y});
  backward(L);
  Tensor out = h.grad().clone();
  for (int64_t i = 0; i < out.numel(); ++i) out[i] = -out[i];
  zero_all(obj);
  return out;
}

Tensor class_weight_push(Objective& obj, const Tensor& H, const std::vector<int>& y) {
  Var W;
  for (const NamedVar& nv : obj.parameters()) {
    const std::string& k = nv.first;
    if (k == "W" || (k.size() > 2 && k.compare(k.size() - 2, 2, ".W") == 0)) {
      W = nv.second;
      break;
    }
  }
  if (!W) return Tensor();
  zero_all(obj);
  Tensor out;
  try {
    Var L = obj.forward(LossInput{constant(H.clone()), y});
    backward(L);
    out = W.grad().clone();
    for (int64_t i = 0; i < out.numel(); ++i) out[i] = -out[i];
  } catch (const Error&) {
    out = Tensor();
  }
  zero_all(obj);
  return out;
}

}  // namespace fg
