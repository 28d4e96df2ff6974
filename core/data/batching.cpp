#include "core/data/batching.hpp"

#include <algorithm>
#include <string>

#include "core/random.hpp"

namespace fg {

std::vector<int> epoch_order(int n, uint64_t seed, int epoch) {
  if (n < 0) throw Error("epoch_order: n = " + std::to_string(n) + ": expected n >= 0");
  std::vector<int> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  Rng rng(derive_seed(seed, static_cast<uint64_t>(static_cast<int64_t>(epoch))));
  rng.shuffle(order);
  return order;
}

std::vector<std::vector<int>> epoch_batches(int n, int batch_size, uint64_t seed, int epoch,
                                            bool drop_last) {
  if (batch_size < 1)
    throw Error("epoch_batches: batch size " + std::to_string(batch_size) + ": expected >= 1");
  const std::vector<int> order = epoch_order(n, seed, epoch);
  std::vector<std::vector<int>> batches;
  for (int start = 0; start < n; start += batch_size) {
    const int end = std::min(n, start + batch_size);
    if (drop_last && end - start < batch_size) break;
    batches.emplace_back(order.begin() + start, order.begin() + end);
  }
  return batches;
}

Batch gather_batch(const Dataset& d, const std::vector<int>& indices) {
  Batch b;
  b.images = gather_images(d.images, indices, "gather_batch");
  b.labels.reserve(indices.size());
  for (int i : indices) {
    if (i < 0 || i >= d.size())
      throw Error("gather_batch: index " + std::to_string(i) + " outside [0, " +
                  std::to_string(d.size()) + ") of dataset '" + d.name + "'");
    b.labels.push_back(d.labels[i]);
  }
  b.indices = indices;
  return b;
}

PKSampler::PKSampler(const std::vector<int>& labels, int P, int K, uint64_t seed, Small small)
    : P_(P), K_(K), seed_(seed) {
  if (P < 1 || K < 2)
    throw Error("PKSampler: P = " + std::to_string(P) + ", K = " + std::to_string(K) +
                ": expected P >= 1 and K >= 2 (each anchor needs a positive)");
  int top = -1;
  for (int y : labels) {
    if (y < 0) throw Error("PKSampler: negative label " + std::to_string(y));
    top = std::max(top, y);
  }
  by_class_ = indices_by_class(labels, top + 1);
  int too_small = 0;
  for (int c = 0; c <= top; ++c) {
    const int count = static_cast<int>(by_class_[c].size());
    if (count < 2 || (count < K && small == Small::Skip)) {
      if (count > 0) ++too_small;
      continue;
    }
    eligible_.push_back(c);
    eligible_samples_ += count;
  }
  if (static_cast<int>(eligible_.size()) < P)
    throw Error("PKSampler: only " + std::to_string(eligible_.size()) + " identities have " +
                (small == Small::Skip ? "at least K = " + std::to_string(K) : std::string("2 or more")) +
                " images (" + std::to_string(too_small) + " have too few): expected at least P = " +
                std::to_string(P));
}

std::vector<int> PKSampler::batch(int64_t step) const {
  Rng rng(derive_seed(seed_, static_cast<uint64_t>(step)));
  // P distinct identities: the first P of a partial Fisher-Yates shuffle.
  std::vector<int> ids = eligible_;
  const size_t n = ids.size();
  for (int i = 0; i < P_; ++i) std::swap(ids[i], ids[i + rng.below(n - i)]);
  std::vector<int> out;
  out.reserve(size_t(P_) * K_);
  for (int i = 0; i < P_; ++i) {
    std::vector<int> pool = by_class_[ids[i]];
    const size_t m = pool.size();
    const int distinct = static_cast<int>(std::min<size_t>(m, K_));
    for (int k = 0; k < distinct; ++k) std::swap(pool[k], pool[k + rng.below(m - k)]);
    out.insert(out.end(), pool.begin(), pool.begin() + distinct);
    for (int k = distinct; k < K_; ++k) out.push_back(pool[rng.below(m)]);  // Fill: repeats
  }
  return out;
}

int PKSampler::batches_per_epoch() const {
  return static_cast<int>(std::max<int64_t>(1, eligible_samples_ / (int64_t(P_) * K_)));
}

ClassSubset class_subset(const std::vector<int>& labels, const std::vector<int>& classes,
                         bool remap) {
  ClassSubset s;
  s.classes = classes;
  int top = -1;
  for (int c : classes) {
    if (c < 0) throw Error("class_subset: class " + std::to_string(c) + " is negative");
    top = std::max(top, c);
  }
  std::vector<int> new_label(top + 1, -1);
  for (size_t k = 0; k < classes.size(); ++k) {
    if (new_label[classes[k]] >= 0)
      throw Error("class_subset: class " + std::to_string(classes[k]) + " listed twice");
    new_label[classes[k]] = static_cast<int>(k);
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    const int y = labels[i];
    if (y < 0 || y > top || new_label[y] < 0) continue;
    s.indices.push_back(static_cast<int>(i));
    s.labels.push_back(remap ? new_label[y] : y);
  }
  return s;
}

Dataset take_classes(const Dataset& d, const std::vector<int>& classes, bool remap) {
  const int k = d.num_classes();
  for (int c : classes)
    if (c < 0 || c >= k)
      throw Error("take_classes: class " + std::to_string(c) + " outside [0, " +
                  std::to_string(k) + ") of dataset '" + d.name + "'");
  const ClassSubset s = class_subset(d.labels, classes, remap);
  Dataset out = subset(d, s.indices);
  out.labels = s.labels;
  if (remap) {
    out.class_names.clear();
    for (int c : classes)
      out.class_names.push_back(c < int(d.class_names.size()) ? d.class_names[c] : std::to_string(c));
  }
  out.name = d.name + " (classes subset)";
  return out;
}

std::vector<int> other_classes(int num_classes, const std::vector<int>& classes) {
  std::vector<bool> in(std::max(num_classes, 0), false);
  for (int c : classes)
    if (c >= 0 && c < num_classes) in[c] = true;
  std::vector<int> out;
  for (int c = 0; c < num_classes; ++c)
    if (!in[c]) out.push_back(c);
  return out;
}

}  // namespace fg
