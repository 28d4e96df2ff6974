// Batches: a seeded shuffle per epoch, gathering a batch into a tensor, the
// P x K sampler of the pair and triplet losses, and class-subset views.
//
// Every random choice here is a pure function of (seed, epoch) or
// (seed, step): each epoch or step seeds its own generator with
// derive_seed, so a resumed run needs only the epoch or step number to
// continue with the same batches.
#pragma once

#include <cstdint>
#include <vector>

#include "core/data/dataset.hpp"

namespace fg {

// A permutation of 0..n-1 for epoch `epoch`, the same for the same (seed, epoch).
std::vector<int> epoch_order(int n, uint64_t seed, int epoch);

// The epoch's order cut into batches of batch_size. The last batch may be
// smaller unless drop_last, in which case it is left out.
std::vector<std::vector<int>> epoch_batches(int n, int batch_size, uint64_t seed, int epoch,
                                            bool drop_last = false);

struct Batch {
  Tensor images;             // B x C x H x W
  std::vector<int> labels;   // B
  std::vector<int> indices;  // B, positions in the data set
};

// The samples at `indices` of `d`, copied into one tensor.
Batch gather_batch(const Dataset& d, const std::vector<int>& indices);

// P x K sampling: each batch holds P distinct identities and K images of
// each, grouped: [id_1 x K, id_2 x K, ...]. Identities with fewer than two
// images can never give a positive pair and are never drawn. An identity
// with 2 <= count < K images is, by `small`,
//   Fill: drawn with all its images once, the rest repeated at random
//         (so some positives are the same image twice), or
//   Skip: never drawn.
class PKSampler {
 public:
  enum class Small { Fill, Skip };

  PKSampler(const std::vector<int>& labels, int P, int K, uint64_t seed, Small small = Small::Fill);

  // The P*K indices of batch `step`: the same for the same (seed, step).
  std::vector<int> batch(int64_t step) const;
  // Batches that make about one pass over the eligible samples.
  int batches_per_epoch() const;
  // Identities that can be drawn (in increasing order).
  const std::vector<int>& eligible() const { return eligible_; }

  int P() const { return P_; }
  int K() const { return K_; }

 private:
  int P_, K_;
  uint64_t seed_;
  std::vector<std::vector<int>> by_class_;
  std::vector<int> eligible_;
  int64_t eligible_samples_ = 0;
};

// The samples whose label is in `classes`. With remap, labels become the
// position of their class in `classes` (0..k-1); otherwise they stay.
struct ClassSubset {
  std::vector<int> indices;  // positions in the full data set, increasing
  std::vector<int> labels;   // one per index (remapped or original)
  std::vector<int> classes;  // classes[new label] = original label
};
ClassSubset class_subset(const std::vector<int>& labels, const std::vector<int>& classes,
                         bool remap = true);

// The data set restricted to `classes`; with remap the class names follow
// the new labels. Use it to train on some classes and keep the others unseen.
Dataset take_classes(const Dataset& d, const std::vector<int>& classes, bool remap = true);

// The classes of 0..num_classes-1 that are not in `classes` (the unseen ones).
std::vector<int> other_classes(int num_classes, const std::vector<int>& classes);

}  // namespace fg
