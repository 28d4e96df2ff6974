// Triplet selection: the five rules of losses/mining.hpp over one table of
// dissimilarities (squared distances unless a caller gives its own).
//
// notes: notes/04-euclidean-family.md#43-triplet-loss-and-triplet-selection
#include "losses/mining.hpp"

#include <cmath>
#include <functional>

#include "losses/distance.hpp"

namespace fg {

namespace {

using Keep = std::function<bool(double d_ap, double d_an)>;

int table_side(const std::vector<double>& d, const std::vector<int>& y) {
  const size_t m = y.size();
  if (d.size() != m * m)
    throw Error("triplet mining: a dissimilarity table of " + std::to_string(d.size()) +
                " entries for " + std::to_string(m) +
                " labels (need m x m = " + std::to_string(m * m) + ")");
  return static_cast<int>(m);
}

// Every valid (a, p, n) for which keep(d_ap, d_an) holds.
std::vector<Triplet> filtered(const std::vector<double>& d, const std::vector<int>& y,
                              const Keep& keep) {
  const int m = table_side(d, y);
  std::vector<Triplet> out;
  for (int a = 0; a < m; ++a)
    for (int p = 0; p < m; ++p) {
      if (p == a || y[p] != y[a]) continue;
      const double d_ap = d[size_t(a) * m + p];
      for (int n = 0; n < m; ++n)
        if (y[n] != y[a] && keep(d_ap, d[size_t(a) * m + n])) out.push_back({a, p, n});
    }
  return out;
}

std::vector<Triplet> batch_hard_by(const std::vector<double>& d, const std::vector<int>& y) {
  const int m = table_side(d, y);
  std::vector<Triplet> out;
  for (int a = 0; a < m; ++a) {
    int p = -1, n = -1;
    for (int j = 0; j < m; ++j) {
      const double dj = d[size_t(a) * m + j];
      if (j != a && y[j] == y[a] && (p < 0 || dj > d[size_t(a) * m + p])) p = j;
      if (y[j] != y[a] && (n < 0 || dj < d[size_t(a) * m + n])) n = j;
    }
    if (p >= 0 && n >= 0) out.push_back({a, p, n});
  }
  return out;
}

std::vector<double> table_of(const Tensor& h, const std::vector<int>& y) {
  check_rows_labels("triplet mining", h, y);
  return sq_dist_table(h);
}

}  // namespace

Mining parse_mining(const std::string& name) {
  if (name == "all") return Mining::All;
  if (name == "hard") return Mining::Hard;
  if (name == "semihard") return Mining::SemiHard;
  if (name == "easy") return Mining::Easy;
  if (name == "batchhard") return Mining::BatchHard;
  throw Error("triplet mining: unknown mode '" + name +
              "'; valid: all, hard, semihard, easy, batchhard");
}

const char* mining_name(Mining mode) {
  switch (mode) {
    case Mining::All:
      return "all";
    case Mining::Hard:
      return "hard";
    case Mining::SemiHard:
      return "semihard";
    case Mining::Easy:
      return "easy";
    case Mining::BatchHard:
      return "batchhard";
  }
  return "?";
}

std::vector<Triplet> all_triplets(const std::vector<int>& y) {
  const int m = static_cast<int>(y.size());
  std::vector<Triplet> out;
  for (int a = 0; a < m; ++a)
    for (int p = 0; p < m; ++p) {
      if (p == a || y[p] != y[a]) continue;
      for (int n = 0; n < m; ++n)
        if (y[n] != y[a]) out.push_back({a, p, n});
    }
  return out;
}

std::vector<Triplet> select_triplets_by(Mining mode, const std::vector<double>& d,
                                        const std::vector<int>& y, real alpha) {
  const double a = alpha;
  switch (mode) {
    case Mining::All:
      table_side(d, y);
      return all_triplets(y);
    case Mining::Hard:
      return filtered(d, y, [](double d_ap, double d_an) { return d_an < d_ap; });
    case Mining::SemiHard:
      return filtered(d, y,
                      [a](double d_ap, double d_an) { return d_ap < d_an && d_an < d_ap + a; });
    case Mining::Easy:
      // The hinge max(0, d_ap - d_an + alpha) is exactly zero.
      return filtered(d, y, [a](double d_ap, double d_an) { return d_ap - d_an + a <= 0; });
    case Mining::BatchHard:
      return batch_hard_by(d, y);
  }
  return {};
}

std::vector<Triplet> select_triplets(Mining mode, const Tensor& h, const std::vector<int>& y,
                                     real alpha) {
  return select_triplets_by(mode, table_of(h, y), y, alpha);
}

std::vector<Triplet> hard_triplets(const Tensor& h, const std::vector<int>& y) {
  return select_triplets(Mining::Hard, h, y, 0);
}

std::vector<Triplet> semihard_triplets(const Tensor& h, const std::vector<int>& y, real alpha) {
  return select_triplets(Mining::SemiHard, h, y, alpha);
}

std::vector<Triplet> easy_triplets(const Tensor& h, const std::vector<int>& y, real alpha) {
  return select_triplets(Mining::Easy, h, y, alpha);
}

std::vector<Triplet> batch_hard_triplets(const Tensor& h, const std::vector<int>& y) {
  return select_triplets(Mining::BatchHard, h, y, 0);
}

}  // namespace fg
