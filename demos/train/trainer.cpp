#include "demos/train/trainer.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "core/data/batching.hpp"
#include "core/profile.hpp"
#include "demos/train/progress.hpp"

namespace fg {

namespace {

using Clock = std::chrono::steady_clock;

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// "5, 17, 230, ... (128 in all)": the first few indices of a batch.
std::string index_list(const std::vector<int>& idx, size_t show = 24) {
  std::string s;
  for (size_t i = 0; i < idx.size() && i < show; ++i) s += (i ? ", " : "") + std::to_string(idx[i]);
  if (idx.size() > show) s += ", ...";
  return s + " (" + std::to_string(idx.size()) + " in all)";
}

}  // namespace

Trainer::Trainer(Module& model, Loss& loss, Optimizer& opt, const Dataset& train,
                 const Dataset* test, TrainConfig cfg, Rng* rng)
    : model_(model),
      loss_(loss),
      opt_(opt),
      train_(train),
      test_(test),
      cfg_(std::move(cfg)),
      rng_(rng) {
  check_dataset(train_);
  if (test_) check_dataset(*test_);
  if (train_.size() == 0) throw Error("Trainer: the training set '" + train_.name + "' is empty");
  if (cfg_.epochs < 0)
    throw Error("Trainer: epochs = " + std::to_string(cfg_.epochs) + ": expected >= 0");
  if (cfg_.eval_batch < 1) throw Error("Trainer: eval_batch must be >= 1");
  if (cfg_.pk_P > 0 || cfg_.pk_K > 0) {
    pk_ = std::make_shared<PKSampler>(train_.labels, cfg_.pk_P, cfg_.pk_K, cfg_.seed);
  } else if (cfg_.batch_size < 1) {
    throw Error("Trainer: batch size " + std::to_string(cfg_.batch_size) + ": expected >= 1");
  } else if (cfg_.drop_last && cfg_.batch_size > train_.size()) {
    throw Error("Trainer: batch size " + std::to_string(cfg_.batch_size) +
                " with drop_last leaves no batch of the " + std::to_string(train_.size()) +
                " training samples");
  }
  num_classes_ = train_.num_classes();
  if (test_ && test_->num_classes() > num_classes_) num_classes_ = test_->num_classes();
  last_lr_ = opt_.groups.empty() ? 0 : opt_.groups[0].lr;
  reset_epoch_sums();
}

int Trainer::steps_per_epoch() const {
  if (pk_) return pk_->batches_per_epoch();
  const int n = train_.size(), b = cfg_.batch_size;
  return cfg_.drop_last ? n / b : (n + b - 1) / b;
}

std::vector<int> Trainer::batch_indices(int epoch, int step) {
  if (pk_) return pk_->batch(int64_t(epoch) * steps_per_epoch() + step);
  if (cached_epoch_ != epoch) {
    batches_ = epoch_batches(train_.size(), cfg_.batch_size, cfg_.seed, epoch, cfg_.drop_last);
    cached_epoch_ = epoch;
  }
  return batches_.at(step);
}

void Trainer::reset_epoch_sums() {
  loss_sum_ = seconds_ = 0;
  seen_ = correct_ = scored_ = 0;
  h_sum_ = Tensor();
  h_count_ = Tensor::zeros({num_classes_});
}

std::vector<Var> Trainer::all_parameters() {
  std::vector<Var> ps = model_.parameter_vars();
  for (auto& p : loss_.parameters()) ps.push_back(p.second);
  return ps;
}

void Trainer::check_finite_grads(int epoch, int step, double loss, const std::vector<int>& idx) {
  auto scan = [&](const std::vector<NamedVar>& ps, const char* owner) {
    for (const auto& [name, v] : ps) {
      const Tensor& g = v->grad;
      const real* d = g.data();
      for (int64_t i = 0; i < g.numel(); ++i)
        if (!std::isfinite(d[i]))
          throw Error(divergence_message(epoch, step, idx,
                                         "the loss is " + fmt("%.6g", loss) +
                                             " but the gradient of " + owner + " parameter '" +
                                             name + "' is " + fmt("%g", d[i])));
    }
  };
  scan(model_.parameters(), "model");
  scan(loss_.parameters(), "loss");
}

std::string Trainer::divergence_message(int epoch, int step, const std::vector<int>& idx,
                                        const std::string& what) const {
  std::string where = "training diverged at epoch " + std::to_string(epoch + 1) + ", step " +
                      std::to_string(step + 1) + " of " + std::to_string(steps_per_epoch()) +
                      " (global step " + std::to_string(global_step_ + 1) + ", lr " +
                      fmt("%g", last_lr_) + ", loss " + loss_.describe() + "): " + what +
                      ". Batch samples of '" + train_.name + "': " + index_list(idx) + ". ";
  where += last_saved_.empty()
               ? std::string("No checkpoint was written. ")
               : "The last good checkpoint is " + last_saved_ + " (" + last_saved_at_ + "). ";
  return where +
         "Usual cures: a lower learning rate, a margin warm-up for margin losses "
         "(the loss's warm-up parameter), or gradient clipping.";
}

void Trainer::train_step(int epoch, int step, const std::vector<int>& idx) {
  if (on_step) on_step(global_step_);
  const auto t0 = Clock::now();
  if (cfg_.lr) {
    last_lr_ = cfg_.lr(global_step_);
    opt_.set_lr(last_lr_);
  } else if (!opt_.groups.empty()) {
    last_lr_ = opt_.groups[0].lr;
  }
  loss_.set_iteration(global_step_);
  Batch b;
  {
    profile::Scope p("step: gather batch");
    b = gather_batch(train_, idx);
  }
  const std::vector<Var> params = all_parameters();
  zero_grad(params);
  Var h, L;
  {
    profile::Scope p("step: model forward");
    h = model_.forward(constant(b.images));
  }
  {
    profile::Scope p("step: loss forward");
    L = loss_.forward(LossInput{h, b.labels});
  }
  if (cfg_.trace_nonfinite) {
    const std::string found = trace_nonfinite_values(L);
    if (!found.empty()) throw Error(divergence_message(epoch, step, idx, found));
  }
  const double value = L.value().item();
  if (!std::isfinite(value))
    throw Error(divergence_message(epoch, step, idx, "the loss is " + fmt("%g", value)));
  // Training accuracy on this batch, with the weights the forward pass used.
  const Tensor W = loss_.class_weights();
  if (!W.empty()) {
    const std::vector<int> pred = predict(h.value(), W);
    for (size_t i = 0; i < pred.size(); ++i) correct_ += pred[i] == b.labels[i];
    scored_ += static_cast<int64_t>(pred.size());
  } else {
    accumulate_class_sums(h.value(), b.labels);
  }
  {
    profile::Scope p("step: backward");
    profile::time_backward(L, h, "backward: loss");
    if (!cfg_.trace_nonfinite) {
      backward(L);
    } else {
      const std::string found = backward_traced(L);
      if (!found.empty()) throw Error(divergence_message(epoch, step, idx, found));
    }
  }
  check_finite_grads(epoch, step, value, idx);
  {
    profile::Scope p("step: optimizer");
    opt_.step();
    loss_.after_step();
  }
  loss_sum_ += value * double(idx.size());
  seen_ += static_cast<int64_t>(idx.size());
  ++step_;
  ++global_step_;
  seconds_ += std::chrono::duration<double>(Clock::now() - t0).count();
}

std::vector<EpochStats> Trainer::fit() {
  std::vector<EpochStats> out;
  if (!cfg_.checkpoint_path.empty() && global_step_ == 0) save(cfg_.checkpoint_path);
  Progress bar(cfg_.progress);
  const int steps = steps_per_epoch();
  while (epoch_ < cfg_.epochs) {
    bar.begin_epoch(epoch_ + 1, cfg_.epochs, steps, step_,
                    int64_t(cfg_.epochs - epoch_ - 1) * steps);
    model_.train();
    const int64_t seen_before = seen_;
    while (step_ < steps) {
      if (cfg_.stop_at_step > 0 && global_step_ >= cfg_.stop_at_step) {
        bar.end_epoch();
        return out;
      }
      const std::vector<int> idx = batch_indices(epoch_, step_);
      train_step(epoch_, step_, idx);
      bar.update(step_, loss_sum_ / double(seen_), scored_ ? double(correct_) / scored_ : -1.0,
                 seen_ - seen_before);
      if (cfg_.checkpoint_every > 0 && step_ % cfg_.checkpoint_every == 0 && step_ < steps &&
          !cfg_.checkpoint_path.empty())
        save(cfg_.checkpoint_path);
    }
    bar.end_epoch();

    EpochStats s;
    s.epoch = epoch_ + 1;
    s.epochs = cfg_.epochs;
    s.steps = steps;
    s.global_step = global_step_;
    s.train_loss = seen_ ? loss_sum_ / double(seen_) : 0;
    s.train_accuracy = scored_ ? double(correct_) / double(scored_) : -1;
    s.seconds = seconds_;
    s.images_per_second = seconds_ > 0 ? double(seen_) / seconds_ : 0;
    s.lr = last_lr_;
    finish_class_means();
    ++epoch_;
    step_ = 0;
    reset_epoch_sums();
    if (!cfg_.checkpoint_path.empty()) save(cfg_.checkpoint_path);

    const auto t0 = Clock::now();
    if (test_) s.test = evaluate(*test_);
    if (cfg_.train_embed_samples > 0) {
      std::vector<int> order = epoch_order(train_.size(), derive_seed(cfg_.seed, 0x7e57), 0);
      order.resize(std::min<size_t>(order.size(), size_t(cfg_.train_embed_samples)));
      s.train = evaluate_indices(train_, order);
    }
    s.eval_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    s.W = loss_.class_weights().clone();
    if (cfg_.verbose) {
      std::printf("%s\n", summary_line(s).c_str());
      std::fflush(stdout);
    }
    if (on_epoch) on_epoch(s);
    out.push_back(std::move(s));
  }
  return out;
}

std::string Trainer::summary_line(const EpochStats& s) const {
  std::string line = "epoch " + std::to_string(s.epoch) + "/" + std::to_string(s.epochs) +
                     "  loss " + fmt("%.4f", s.train_loss);
  if (s.train_accuracy >= 0) line += "  acc " + fmt("%.4f", s.train_accuracy);
  if (!s.test.h.empty()) {
    line += "  | test";
    if (s.test.has_loss) line += " loss " + fmt("%.4f", s.test.loss);
    if (s.test.has_accuracy) line += " acc " + fmt("%.4f", s.test.accuracy);
  }
  line += "  | " + fmt("%.0f", s.images_per_second) + " img/s  " + fmt("%.1f", s.seconds) + " s";
  return line;
}

}  // namespace fg
