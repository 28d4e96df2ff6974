#include "demos/breakit/lab.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "layers/flatten.hpp"
#include "losses/mining.hpp"
#include "layers/linear.hpp"
#include "layers/prelu.hpp"
#include "layers/sequential.hpp"
#include "optim/sgd.hpp"
#include "demos/cli/counted.hpp"

namespace fg {

namespace {

constexpr int kHidden = 64;

// Forwards to the scenario's loss and keeps the value of every training step.
class Recorder : public Loss {
 public:
  Recorder(Loss& inner, LabRun& run, const std::function<void(Loss&)>& after)
      : inner_(inner), run_(run), after_(after) {}
  std::string name() const override { return inner_.name(); }
  Var forward(const LossInput& in) override {
    Var L = inner_.forward(in);
    if (grad_enabled()) {
      run_.losses.push_back(double(L.value()[0]));
      run_.steps_without_triplet += all_triplets(in.y).empty();
      const Tensor& h = in.h.value();
      for (int i = 0; i < h.shape()[0]; ++i) {
        double n2 = 0;
        for (int k = 0; k < h.shape()[1]; ++k) n2 += double(h.at(i, k)) * h.at(i, k);
        run_.max_feature_norm = std::max(run_.max_feature_norm, std::sqrt(n2));
      }
    }
    return L;
  }
  std::vector<NamedVar> parameters() override { return inner_.parameters(); }
  void set_iteration(int64_t t) override { inner_.set_iteration(t); }
  void after_step() override {
    inner_.after_step();
    if (after_) after_(inner_);
  }
  std::string describe() const override { return inner_.describe(); }
  Tensor class_weights() const override { return inner_.class_weights(); }

 private:
  Loss& inner_;
  LabRun& run_;
  const std::function<void(Loss&)>& after_;
};

}  // namespace

const DataSplit& lab_data(const LabSize& size) {
  static std::map<std::pair<int, uint64_t>, DataSplit> made;
  auto key = std::make_pair(size.images, size.seed);
  auto it = made.find(key);
  if (it == made.end())
    it = made.emplace(key, load_data("digits:" + std::to_string(size.images), size.seed)).first;
  return it->second;
}

LabRun lab_train(LabSetup setup, const LabSize& size, const std::function<void(Loss&)>& after_step) {
  const DataSplit& data = lab_data(size);
  LabRun r;
  r.label = setup.label;
  r.loss = setup.loss->describe();
  Rng init(derive_seed(size.seed, 0x1e7));
  Sequential model;
  model.add(std::make_unique<Flatten>(), "flatten");
  model.add(std::make_unique<Linear>(data.train.channels() * data.train.height() * data.train.width(),
                                     kHidden, init), "fc1");
  model.add(std::make_unique<PReLU>(), "prelu1");
  model.add(std::make_unique<Linear>(kHidden, kHidden, init), "fc2");
  model.add(std::make_unique<PReLU>(), "prelu2");
  model.add(std::make_unique<Linear>(kHidden, 2, init), "fc3");
  Recorder loss(*setup.loss, r, after_step);
  std::vector<NamedVar> params = model.parameters();
  for (auto& p : setup.loss->parameters()) params.emplace_back("loss." + p.first, p.second);
  SGD opt(params, setup.lr, 0.9, 5e-4);

  TrainConfig cfg;
  cfg.epochs = size.epochs;
  cfg.batch_size = setup.batch > 0 ? setup.batch : size.batch;
  cfg.pk_P = setup.pk_P;
  cfg.pk_K = setup.pk_K;
  cfg.seed = size.seed;
  cfg.scoring = setup.scoring;
  cfg.progress = false;
  cfg.verbose = false;
  cfg.eval_loss = false;
  cfg.stop_at_step = size.stop_at_step;
  cfg.trace_nonfinite = setup.trace;
  const double lr = setup.lr;
  cfg.lr = [lr](int64_t t) { return t < 50 ? lr * double(t + 1) / 50.0 : lr; };  // a short warm-up
  Trainer t(model, loss, opt, data.train, &data.test, cfg);
  try {
    t.fit();
  } catch (const Error& e) {
    r.stopped = e.what();
  }
  r.steps = t.global_step();
  const int per_epoch = t.steps_per_epoch();
  const size_t from = r.losses.size() > size_t(per_epoch) ? r.losses.size() - per_epoch : 0;
  double sum = 0;
  for (size_t i = from; i < r.losses.size(); ++i) sum += r.losses[i];
  r.train_loss = r.losses.size() > from ? sum / double(r.losses.size() - from) : 0;
  if (r.stopped.empty()) {
    Embeddings e = t.evaluate(data.test);
    r.test_h = e.h;
    r.test_labels = e.labels;
    if (e.has_accuracy) r.test_accuracy = e.accuracy;
  }
  r.W = setup.loss->class_weights().clone();
  for (auto& [name, v] : setup.loss->parameters()) r.loss_params.emplace_back(name, v.value().clone());
  return r;
}

double fraction_beyond(const Tensor& h, const Tensor& W, const std::vector<int>& y, double limit) {
  if (h.empty() || W.empty() || y.empty()) return 0;
  const int n = h.shape()[1];
  int count = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    double dot = 0, hh = 0, ww = 0;
    for (int k = 0; k < n; ++k) {
      const double a = h.at(int(i), k), b = W.at(y[i], k);
      dot += a * b, hh += a * a, ww += b * b;
    }
    const double c = dot / std::sqrt(std::max(hh * ww, 1e-300));
    count += std::acos(std::max(-1.0, std::min(1.0, c))) > limit;
  }
  return double(count) / double(y.size());
}

std::string fixed3(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

std::string general(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string run_line(const LabRun& r) {
  std::string s = "  " + r.label + " [" + r.loss + "]: " + counted(r.steps, "step");
  if (!r.stopped.empty()) return s + ", STOPPED";
  s += ", last-epoch loss " + fixed3(r.train_loss);
  if (r.test_accuracy >= 0) s += ", test accuracy " + fixed3(r.test_accuracy);
  return s;
}

const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> all = [] {
    std::vector<Scenario> v = angular_scenarios();
    for (auto& s : euclidean_scenarios()) v.push_back(std::move(s));
    return v;
  }();
  return all;
}

const Scenario& find_scenario(const std::string& name) {
  std::string names;
  for (const Scenario& s : scenarios()) {
    if (s.name == name) return s;
    names += (names.empty() ? "" : ", ") + s.name;
  }
  throw Error("breakit: no scenario '" + name + "'; the scenarios are " + names);
}

}  // namespace fg
