#include "core/eval/identification.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <string>

#include "core/eval/similarity.hpp"
#include "core/random.hpp"

namespace fg {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

int column_of(const Gallery& g, int label, const char* op, size_t probe) {
  auto it = std::lower_bound(g.identities.begin(), g.identities.end(), label);
  if (it == g.identities.end() || *it != label)
    throw Error(std::string(op) + ": probe " + std::to_string(probe) + " has identity " +
                std::to_string(label) + ", which is not enrolled in the gallery");
  return int(it - g.identities.begin());
}

void check_scores(const char* op, const char* what, const Tensor& S, const Gallery& g) {
  check_embeddings(op, what, S);
  if (S.size(1) != int(g.identities.size()))
    throw Error(std::string(op) + ": " + what + " " + shape_str(S.shape()) +
                " must have one column per enrolled identity (" +
                std::to_string(g.identities.size()) + "); build it with identity_scores");
}

// 1 + #{j != own : S_pj >= S_p,own}.
int rank_of(const Tensor& S, int p, int own) {
  int rank = 1;
  for (int j = 0; j < S.size(1); ++j) rank += j != own && S.at(p, j) >= S.at(p, own);
  return rank;
}

}  // namespace

Gallery enroll(const Tensor& H, const std::vector<int>& labels, Enrollment mode) {
  check_embeddings("enroll", "enrollment embeddings H", H);
  const int n = H.size(0), N = H.size(1);
  if (int(labels.size()) != n)
    throw Error("enroll: " + std::to_string(labels.size()) + " labels for " + std::to_string(n) +
                " embeddings");
  std::map<int, std::vector<int>> rows;
  for (int i = 0; i < n; ++i) {
    if (labels[i] < 0)
      throw Error("enroll: label " + std::to_string(labels[i]) + " of row " + std::to_string(i) +
                  " is negative; identities are >= 0 (-1 means absent)");
    rows[labels[i]].push_back(i);
  }
  Gallery g;
  std::vector<std::vector<real>> tpl;
  const Tensor unit = mode == Enrollment::mean_template ? normalize_rows(H) : Tensor();
  for (const auto& kv : rows) {
    const int column = int(g.identities.size());
    g.identities.push_back(kv.first);
    if (mode == Enrollment::mean_template) {
      std::vector<real> mean(N, 0);
      for (int i : kv.second)
        for (int c = 0; c < N; ++c) mean[c] += unit.at(i, c) / real(kv.second.size());
      tpl.push_back(mean);
      g.template_column.push_back(column);
      continue;
    }
    const size_t count = mode == Enrollment::first_image ? 1 : kv.second.size();
    for (size_t k = 0; k < count; ++k) {
      const int i = kv.second[k];
      tpl.emplace_back(H.data() + int64_t(i) * N, H.data() + int64_t(i + 1) * N);
      g.template_column.push_back(column);
    }
  }
  g.templates = Tensor({int(tpl.size()), N});
  for (size_t t = 0; t < tpl.size(); ++t)
    std::copy(tpl[t].begin(), tpl[t].end(), g.templates.data() + int64_t(t) * N);
  return g;
}

Tensor identity_scores(const Gallery& g, const Tensor& probes) {
  if (g.identities.empty() || g.templates.dim() != 2 ||
      g.templates.size(0) != int(g.template_column.size()))
    throw Error("identity_scores: the gallery is empty or inconsistent; build it with enroll");
  check_embeddings("identity_scores", "probes", probes);
  const Tensor per_template = cosine_similarity(probes, g.templates);
  const int p = probes.size(0), m = int(g.identities.size());
  Tensor S({p, m}, -kInf);
  for (int i = 0; i < p; ++i)
    for (int t = 0; t < per_template.size(1); ++t) {
      real& s = S.at(i, g.template_column[t]);
      s = std::max(s, per_template.at(i, t));
    }
  return S;
}

int identify(const Tensor& probe, const Gallery& g, double theta) {
  if (std::isnan(theta)) throw Error("identify: theta is NaN");
  const int N = int(probe.numel());
  if (probe.dim() > 2 || (probe.dim() == 2 && probe.size(0) != 1))
    throw Error("identify: expected one probe embedding of shape [N] or [1, N], got " +
                shape_str(probe.shape()));
  const Tensor S = identity_scores(g, probe.reshape({1, N}));
  int best = 0;
  for (int j = 1; j < S.size(1); ++j)
    if (S.at(0, j) > S.at(0, best)) best = j;
  return double(S.at(0, best)) < theta ? -1 : g.identities[best];
}

std::vector<double> cmc_curve(const Tensor& scores, const std::vector<int>& labels,
                              const Gallery& g) {
  check_scores("cmc_curve", "scores", scores, g);
  const int p = scores.size(0), m = scores.size(1);
  if (int(labels.size()) != p)
    throw Error("cmc_curve: " + std::to_string(labels.size()) + " labels for " +
                std::to_string(p) + " probes");
  std::vector<int> at_rank(m + 1, 0);  // at_rank[r] = probes whose rank is r
  for (int i = 0; i < p; ++i)
    ++at_rank[rank_of(scores, i, column_of(g, labels[i], "cmc_curve", i))];
  std::vector<double> cmc(m);
  int within = 0;
  for (int r = 1; r <= m; ++r) {
    within += at_rank[r];
    cmc[r - 1] = double(within) / p;
  }
  return cmc;
}

double rank_k(const std::vector<double>& cmc, int k) {
  if (cmc.empty()) throw Error("rank_k: the CMC curve is empty");
  if (k < 1) throw Error("rank_k: rank must be >= 1, got " + std::to_string(k));
  return k > int(cmc.size()) ? cmc.back() : cmc[k - 1];
}

DirAtFpir dir_at_fpir(const Tensor& mated_scores, const std::vector<int>& mated_labels,
                      const Tensor& nonmated_scores, const Gallery& g, double fpir_target) {
  check_scores("dir_at_fpir", "mated_scores", mated_scores, g);
  check_scores("dir_at_fpir", "nonmated_scores", nonmated_scores, g);
  if (!(fpir_target > 0 && fpir_target <= 1))
    throw Error("dir_at_fpir: fpir_target must lie in (0, 1], got " +
                std::to_string(fpir_target));
  const int pm = mated_scores.size(0), pn = nonmated_scores.size(0), m = mated_scores.size(1);
  if (int(mated_labels.size()) != pm)
    throw Error("dir_at_fpir: " + std::to_string(mated_labels.size()) + " labels for " +
                std::to_string(pm) + " mated probes");
  std::vector<double> top(pn);
  for (int i = 0; i < pn; ++i) {
    top[i] = -kInf;
    for (int j = 0; j < m; ++j) top[i] = std::max(top[i], double(nonmated_scores.at(i, j)));
  }
  std::sort(top.begin(), top.end(), std::greater<double>());
  // The 1e-9 absorbs rounding in fpir_target * #non-mated (0.1 * 10 must allow 1).
  const int allowed = int(std::floor(fpir_target * pn + 1e-9));
  DirAtFpir r;
  r.fpir_target = fpir_target;
  r.theta = allowed >= pn ? -kInf : std::nextafter(top[allowed], kInf);
  int named = 0, identified = 0;
  for (double u : top) named += u >= r.theta;
  for (int i = 0; i < pm; ++i) {
    const int own = column_of(g, mated_labels[i], "dir_at_fpir", i);
    identified += rank_of(mated_scores, i, own) == 1 && double(mated_scores.at(i, own)) >= r.theta;
  }
  r.fpir = double(named) / pn;
  r.dir = double(identified) / pm;
  return r;
}

IdentificationSplit split_identification(const std::vector<int>& labels, int enroll_per_identity,
                                         int unenrolled_identities, Rng& rng) {
  std::map<int, std::vector<int>> rows;
  for (size_t i = 0; i < labels.size(); ++i) rows[labels[i]].push_back(int(i));
  const int ids = int(rows.size());
  if (enroll_per_identity < 1)
    throw Error("split_identification: enroll_per_identity must be >= 1, got " +
                std::to_string(enroll_per_identity));
  if (unenrolled_identities < 0 || unenrolled_identities >= ids)
    throw Error("split_identification: unenrolled_identities must lie in [0, " +
                std::to_string(ids) + ") so that someone is enrolled, got " +
                std::to_string(unenrolled_identities));
  std::vector<int> order;
  for (const auto& kv : rows) order.push_back(kv.first);
  rng.shuffle(order);
  IdentificationSplit s;
  for (int k = 0; k < ids; ++k) {
    std::vector<int>& r = rows[order[k]];
    if (k < unenrolled_identities) {
      s.nonmated.insert(s.nonmated.end(), r.begin(), r.end());
      continue;
    }
    if (int(r.size()) < enroll_per_identity)
      throw Error("split_identification: identity " + std::to_string(order[k]) + " has " +
                  std::to_string(r.size()) + " samples, fewer than enroll_per_identity = " +
                  std::to_string(enroll_per_identity));
    rng.shuffle(r);
    s.gallery.insert(s.gallery.end(), r.begin(), r.begin() + enroll_per_identity);
    s.mated.insert(s.mated.end(), r.begin() + enroll_per_identity, r.end());
  }
  for (auto* v : {&s.gallery, &s.mated, &s.nonmated}) std::sort(v->begin(), v->end());
  return s;
}

}  // namespace fg
