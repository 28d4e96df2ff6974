// The Trainer's evaluation: embedding a data set, predicting classes, and
// writing embeddings as CSV.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "core/data/file_util.hpp"
#include "core/eval/similarity.hpp"
#include "demos/train/trainer.hpp"

namespace fg {

namespace {

// classify() over the rows of M whose `valid` flag is set (all when `valid`
// is empty), with the class indices of M: argmax_j <h_i, M_j> + b_j.
std::vector<int> classify_valid(const Tensor& h, const Tensor& M, const Tensor& b,
                                const std::vector<bool>& valid) {
  if (M.dim() == 2 && h.dim() == 2 && M.size(1) != h.size(1))
    throw Error("Trainer: embeddings have " + std::to_string(h.size(1)) +
                " dimensions but the class rows are " + shape_str(M.shape()));
  std::vector<int> index;  // row r of the kept rows is row index[r] of M
  for (int j = 0; j < M.size(0); ++j)
    if (valid.empty() || valid[j]) index.push_back(j);
  const int K = int(index.size()), N = M.size(1);
  Tensor kept({K, N}), kept_b = b.empty() ? Tensor() : Tensor({K});
  for (int r = 0; r < K; ++r) {
    for (int k = 0; k < N; ++k) kept.at(r, k) = M.at(index[r], k);
    if (!b.empty()) kept_b[r] = b[index[r]];
  }
  std::vector<int> pred = classify(h, kept, kept_b);
  for (int& p : pred) p = index[p];
  return pred;
}

}  // namespace

// Dot scoring: argmax_j <h, W_j>; cosine scoring: argmax_j <h, W_j / |W_j|>
// (the |h| factor does not change the argmax).
std::vector<int> Trainer::predict(const Tensor& h, const Tensor& W) const {
  return classify(h, cfg_.scoring == Scoring::Dot ? W : normalize_rows(W));
}

// Without class weights, the nearest class mean mu_j (dot scoring):
//   argmin_j |h - mu_j|^2 = argmax_j <h, mu_j> - |mu_j|^2 / 2,
// or the class mean at the smallest angle (cosine scoring); classes with no
// sample yet are left out.
std::vector<int> Trainer::predict(const Tensor& h) const {
  const Tensor W = loss_.class_weights();
  if (!W.empty()) return predict(h, W);
  if (h_mean_.empty()) return {};
  std::vector<bool> valid(num_classes_);
  for (int j = 0; j < num_classes_; ++j) valid[j] = h_mean_count_[j] > 0;
  if (cfg_.scoring != Scoring::Dot) return classify_valid(h, normalize_rows(h_mean_), {}, valid);
  Tensor half_sq({num_classes_});
  for (int j = 0; j < num_classes_; ++j) {
    double s = 0;
    for (int k = 0; k < h_mean_.size(1); ++k) s += double(h_mean_.at(j, k)) * h_mean_.at(j, k);
    half_sq[j] = real(-0.5 * s);
  }
  return classify_valid(h, h_mean_, half_sq, valid);
}

void Trainer::accumulate_class_sums(const Tensor& h, const std::vector<int>& y) {
  const int N = h.size(1);
  if (h_sum_.empty()) h_sum_ = Tensor::zeros({num_classes_, N});
  for (int i = 0; i < h.size(0); ++i) {
    const int c = y[i];
    if (c < 0 || c >= num_classes_) continue;
    for (int k = 0; k < N; ++k) h_sum_.at(c, k) += h.at(i, k);
    h_count_[c] += 1;
  }
}

void Trainer::finish_class_means() {
  if (h_sum_.empty()) return;
  h_mean_ = h_sum_.clone();
  h_mean_count_ = h_count_.clone();
  const int N = h_mean_.size(1);
  for (int c = 0; c < num_classes_; ++c)
    for (int k = 0; k < N; ++k)
      if (h_count_[c] > 0) h_mean_.at(c, k) /= h_count_[c];
}

Embeddings Trainer::evaluate(const Dataset& d, int limit) {
  const int n = limit > 0 && limit < d.size() ? limit : d.size();
  std::vector<int> idx(n);
  for (int i = 0; i < n; ++i) idx[i] = i;
  return evaluate_indices(d, idx);
}

Embeddings Trainer::evaluate_indices(const Dataset& d, const std::vector<int>& idx) {
  Embeddings e;
  const bool was_training = model_.training();
  model_.eval();
  NoGrad no_grad;
  double loss_sum = 0;
  const int n = static_cast<int>(idx.size());
  for (int start = 0; start < n; start += cfg_.eval_batch) {
    const int end = std::min(n, start + cfg_.eval_batch);
    const Batch b = gather_batch(d, std::vector<int>(idx.begin() + start, idx.begin() + end));
    const Var h = model_.forward(constant(b.images));
    check_dim("Trainer::evaluate (model output)", h.value(), 2);
    if (e.h.empty()) e.h = Tensor::zeros({n, h.value().size(1)});
    const int N = h.value().size(1);
    std::copy(h.value().data(), h.value().data() + int64_t(end - start) * N,
              e.h.data() + int64_t(start) * N);
    if (cfg_.eval_loss) {
      loss_.set_iteration(global_step_);
      loss_sum += double(loss_.forward(LossInput{h, b.labels}).value().item()) * (end - start);
    }
    e.labels.insert(e.labels.end(), b.labels.begin(), b.labels.end());
  }
  if (was_training) model_.train();
  if (n > 0 && cfg_.eval_loss) {
    e.has_loss = true;
    e.loss = loss_sum / n;
  }
  if (n > 0) e.predicted = predict(e.h);
  if (!e.predicted.empty()) {
    int64_t right = 0;
    for (int i = 0; i < n; ++i) right += e.predicted[i] == e.labels[i];
    e.has_accuracy = true;
    e.accuracy = double(right) / n;
  }
  return e;
}

void save_embeddings_csv(const std::string& path, const Tensor& h, const std::vector<int>& labels) {
  check_dim("save_embeddings_csv", h, 2);
  if (h.size(0) != static_cast<int>(labels.size()))
    throw Error("save_embeddings_csv: " + std::to_string(h.size(0)) + " embeddings but " +
                std::to_string(labels.size()) + " labels");
  const int n = h.size(0), N = h.size(1);
  std::string text;
  for (int k = 0; k < N; ++k) text += "x" + std::to_string(k + 1) + ",";
  text += "label\n";
  char buf[32];
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < N; ++k) {
      std::snprintf(buf, sizeof buf, "%.7g,", double(h.at(i, k)));
      text += buf;
    }
    text += std::to_string(labels[i]) + "\n";
  }
  write_file_atomic(path, text.data(), text.size());
}

}  // namespace fg
