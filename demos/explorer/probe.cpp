// Per-point numbers from the objective's own nodes (demos/explorer/probe.hpp).
#include "demos/explorer/probe.hpp"

#include <cmath>
#include <functional>

#include "core/data/batching.hpp"
#include "core/error.hpp"
#include "core/graph.hpp"
#include "demos/features/metrics.hpp"
#include "demos/cli/counted.hpp"
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

void probe_pk_batches(Objective& obj, const Tensor& H, const std::vector<int>& y, int P, int K, uint64_t seed,
                      PointProbes& p) {
  const int m = H.size(0), N = H.size(1);
  p.batch.assign(size_t(m), -1);
  p.batch_shape = std::to_string(P) + " x " + std::to_string(K);
  int drawn = 0, batches = 0;
  try {
    const PKSampler sampler(y, P, K, seed);
    const int most = 8 * sampler.batches_per_epoch();  // random draws: a pass misses some points
    for (int b = 0; b < most && drawn < m; ++b, ++batches) {
      const std::vector<int> idx = sampler.batch(b);
      std::vector<int> by;
      for (int i : idx) by.push_back(y[size_t(i)]);
      Var h = param(gather_images(H, idx, "explorer P x K batch"));
      Var L = obj.forward(LossInput{h, by});
      backward(L);
      for (size_t r = 0; r < idx.size(); ++r) {
        const int i = idx[r];
        if (p.batch[size_t(i)] == -1) {
          p.batch[size_t(i)] = b, p.loss[size_t(i)] = L.value().item(), ++drawn;
          for (int k = 0; k < N; ++k) p.neg_grad.at(i, k) = 0;
        }
        if (p.batch[size_t(i)] == b)
          for (int k = 0; k < N; ++k) p.neg_grad.at(i, k) -= h.grad().at(int(r), k);
      }
    }
  } catch (const Error& e) {
    p.note = "no " + std::to_string(P) + " x " + std::to_string(K) + " batch of these points: " + e.what();
    zero_all(obj);
    return;
  }
  zero_all(obj);
  p.note = "pair/triplet loss: loss and -dL/dh from the " + std::to_string(P) + " x " + std::to_string(K) +
           " batch (as training draws it) each point is drawn in; " + std::to_string(drawn) + " of " +
           counted(m, "point") + " drawn in " + counted(batches, "batch", "batches");
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
