// A labelled set of images, the one thing every data source produces
// (IDX files, image folders, synthetic digits) and every trainer consumes.
//
//   images       N x C x H x W, values in [0, 1]
//   labels       N class indices in [0, num_classes())
//   class_names  one name per class ("0".."9", "T-shirt/top", a folder name)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace fg {

struct Dataset {
  Tensor images;                         // N x C x H x W in [0, 1]
  std::vector<int> labels;               // N
  std::vector<std::string> class_names;  // may be empty: then classes are 0..max label
  std::string name;                      // where it came from, for messages

  int size() const { return static_cast<int>(labels.size()); }
  // Number of classes: class_names.size() when names are given, else max label + 1.
  int num_classes() const;
  int channels() const { return images.dim() == 4 ? images.size(1) : 0; }
  int height() const { return images.dim() == 4 ? images.size(2) : 0; }
  int width() const { return images.dim() == 4 ? images.size(3) : 0; }
};

// A seed for stream `stream` (a sample index, an epoch, a step) derived
// from one user seed, so that each stream has its own generator and results
// do not depend on the order or the thread in which streams are drawn.
// Two rounds of the splitmix64 finaliser.
inline uint64_t derive_seed(uint64_t seed, uint64_t stream) {
  auto mix = [](uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  return mix(seed ^ mix(stream));
}

// Throws fg::Error naming the data set unless images are N x C x H x W with
// N == labels.size() and every label lies in [0, num_classes()).
void check_dataset(const Dataset& d);

// Copies images[idx[0]], images[idx[1]], ... into a new len(idx) x C x H x W
// tensor. Indices out of range are an fg::Error naming `what`.
Tensor gather_images(const Tensor& images, const std::vector<int>& idx,
                     const char* what = "gather_images");

// The samples at `idx` (in that order, repeats allowed) as a new data set
// with the same class names.
Dataset subset(const Dataset& d, const std::vector<int>& idx);

// For each class c in [0, num_classes): the indices of the samples labelled c,
// in increasing order. A label outside [0, num_classes) is an fg::Error.
std::vector<std::vector<int>> indices_by_class(const std::vector<int>& labels, int num_classes);

// How many samples each class has.
std::vector<int> class_counts(const std::vector<int>& labels, int num_classes);

}  // namespace fg
