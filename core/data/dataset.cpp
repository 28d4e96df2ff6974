#include "core/data/dataset.hpp"

#include <algorithm>
#include <cstring>

namespace fg {

int Dataset::num_classes() const {
  if (!class_names.empty()) return static_cast<int>(class_names.size());
  int top = -1;
  for (int y : labels) top = std::max(top, y);
  return top + 1;
}

void check_dataset(const Dataset& d) {
  const std::string who = "dataset '" + d.name + "'";
  if (d.images.dim() != 4)
    throw Error(who + ": expected images N x C x H x W, got " + shape_str(d.images.shape()));
  if (d.images.size(0) != d.size())
    throw Error(who + ": " + std::to_string(d.images.size(0)) + " images but " +
                std::to_string(d.size()) + " labels");
  const int k = d.num_classes();
  for (int i = 0; i < d.size(); ++i)
    if (d.labels[i] < 0 || d.labels[i] >= k)
      throw Error(who + ": label " + std::to_string(d.labels[i]) + " of sample " +
                  std::to_string(i) + " is outside [0, " + std::to_string(k) + ")");
}

Tensor gather_images(const Tensor& images, const std::vector<int>& idx, const char* what) {
  if (images.dim() < 1) throw Error(std::string(what) + ": images have no batch axis");
  const int n = images.size(0);
  Shape shape = images.shape();
  shape[0] = static_cast<int>(idx.size());
  Tensor out(shape);
  const int64_t per = n ? images.numel() / n : 0;
  for (size_t i = 0; i < idx.size(); ++i) {
    if (idx[i] < 0 || idx[i] >= n)
      throw Error(std::string(what) + ": index " + std::to_string(idx[i]) + " outside [0, " +
                  std::to_string(n) + ")");
    std::memcpy(out.data() + int64_t(i) * per, images.data() + int64_t(idx[i]) * per,
                sizeof(real) * per);
  }
  return out;
}

Dataset subset(const Dataset& d, const std::vector<int>& idx) {
  Dataset out;
  out.images = gather_images(d.images, idx, "subset");
  out.labels.reserve(idx.size());
  for (int i : idx) out.labels.push_back(d.labels.at(i));  // range already checked above
  out.class_names = d.class_names;
  out.name = d.name;
  return out;
}

std::vector<std::vector<int>> indices_by_class(const std::vector<int>& labels, int num_classes) {
  std::vector<std::vector<int>> by(std::max(num_classes, 0));
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= num_classes)
      throw Error("indices_by_class: label " + std::to_string(labels[i]) + " of sample " +
                  std::to_string(i) + " is outside [0, " + std::to_string(num_classes) + ")");
    by[labels[i]].push_back(static_cast<int>(i));
  }
  return by;
}

std::vector<int> class_counts(const std::vector<int>& labels, int num_classes) {
  std::vector<int> counts(std::max(num_classes, 0), 0);
  for (int y : labels) {
    if (y < 0 || y >= num_classes)
      throw Error("class_counts: label " + std::to_string(y) + " is outside [0, " +
                  std::to_string(num_classes) + ")");
    ++counts[y];
  }
  return counts;
}

}  // namespace fg
