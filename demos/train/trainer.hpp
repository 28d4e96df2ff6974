// The training loop of the demos.
//
//   Trainer t(model, loss, optimizer, train_set, &test_set, cfg);
//   t.on_epoch = [&](const EpochStats& s) { draw(s.test.h, s.test.labels); };
//   if (!resume_path.empty()) t.resume(resume_path);
//   t.fit();
//
// One step: gather the batch (the seeded order of core/data/batching.hpp), set
// the learning rate of this global step, tell the loss its iteration, h =
// model(x), L = loss(h, y), check L, backward, check the gradients, optimizer
// step, loss.after_step(). After each epoch: a checkpoint, the test-set
// evaluation (loss, accuracy, embeddings), one summary line on stdout and
// the on_epoch hook.
//
// Accuracy. When the loss has class weights W (K x N), a sample is predicted
// as argmax_j of W_j . h (Scoring::Dot, the classifier softmax trains) or of
// cos(theta_j) = W_j . h / (|W_j| |h|) (Scoring::Cosine, for the losses that
// normalise W). Without W, each class is represented by the mean of its
// training embeddings of the epoch and a sample goes to the nearest mean
// (Euclidean for Dot, by angle for Cosine).
//
// Checkpoints hold the model's parameters and buffers ("model/"), the loss's
// parameters ("loss/"), the optimizer state ("optim/"), the epoch's running
// sums ("trainer/") and in metadata the epoch, step, seed, batch size and
// the state of the demo's Rng. Resuming continues exactly where the run
// stopped: with the same seed and thread count the parameters come out bit
// for bit as in a run that never stopped.
//
// A loss or gradient that is NaN or Inf stops training with an fg::Error
// naming the epoch, the step, the loss value and the batch's sample indices,
// before the optimizer step, so the last checkpoint written stays the last
// good one. With cfg.trace_nonfinite the message also names the first op
// whose value or gradient is not finite (demos/train/trace.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/data/batching.hpp"
#include "core/data/dataset.hpp"
#include "core/random.hpp"
#include "demos/train/embed.hpp"
#include "demos/train/trace.hpp"
#include "layers/module.hpp"
#include "losses/loss.hpp"
#include "optim/optimizer.hpp"

namespace fg {

// Scoring (Dot or Cosine) is the loss's own declaration, losses/loss.hpp.

struct TrainConfig {
  int epochs = 1;
  int batch_size = 128;
  uint64_t seed = 0;       // the data order (and the P x K draws)
  bool drop_last = false;  // leave out a short last batch
  // P x K batches (P identities, K images each) instead of shuffled ones,
  // for pair and triplet losses: set both.
  int pk_P = 0, pk_K = 0;
  // Learning rate of global step t (from 0); empty: the optimizer's lr is kept.
  std::function<double(int64_t t)> lr;

  std::string checkpoint_path;  // empty: none written
  int checkpoint_every = 0;     // also every this many steps within an epoch (0: epoch ends only)

  Scoring scoring = Scoring::Dot;
  int eval_batch = kEvalBatch;  // images per evaluation forward (embed.hpp says why)
  bool eval_loss = true;  // also the loss on the test set
  // Also embed this many fixed training samples after each epoch (eval mode).
  int train_embed_samples = 0;

  bool progress = true;      // the bar on stderr, when it is a terminal
  bool verbose = true;       // one summary line per epoch on stdout
  int64_t stop_at_step = 0;  // > 0: return after this many global steps (tests, interrupted runs)
  // Walk each step's graph for the first NaN or Inf and name its op
  // (demos/train/trace.hpp); the default is the program's --trace-nonfinite.
  bool trace_nonfinite = trace_nonfinite_default();
};

// Embeddings of a set of samples, for plots and metrics.
struct Embeddings {
  Tensor h;                    // n x N
  std::vector<int> labels;     // n
  std::vector<int> predicted;  // n (empty when there is nothing to predict with)
  bool has_accuracy = false, has_loss = false;
  double accuracy = 0;  // fraction of predicted == labels
  double loss = 0;      // mean loss over the set
};

struct EpochStats {
  int epoch = 0, epochs = 0;   // 1-based epoch of epochs
  int steps = 0;               // steps of this epoch
  int64_t global_step = 0;     // steps done since the start of training
  double train_loss = 0;       // mean over the epoch's samples
  double train_accuracy = -1;  // on the training batches as they went by (-1: the loss has no W)
  double seconds = 0;          // training time of the epoch (without evaluation)
  double images_per_second = 0;
  double eval_seconds = 0;
  double lr = 0;     // learning rate of the last step
  Tensor W;          // the loss's class weights after the epoch (may be empty)
  Embeddings test;   // empty h without a test set
  Embeddings train;  // when train_embed_samples > 0
};

class Trainer {
 public:
  // `test` may be null. `rng` (may be null) is the demo's generator: its
  // state is saved and restored with the checkpoint. The references must
  // outlive the Trainer.
  Trainer(Module& model, Loss& loss, Optimizer& opt, const Dataset& train, const Dataset* test,
          TrainConfig cfg, Rng* rng = nullptr);

  // Loads a checkpoint written by a Trainer; fit() then continues from it.
  // A checkpoint of another seed, batch size or training set is an error
  // naming the difference (the run could not continue identically).
  void resume(const std::string& path);

  // Trains until cfg.epochs are done (or cfg.stop_at_step); returns the
  // stats of the epochs run by this call.
  std::vector<EpochStats> fit();

  // Embeds `d` (first `limit` samples when limit > 0) in eval mode, with
  // accuracy and (if cfg.eval_loss) the loss.
  Embeddings evaluate(const Dataset& d, int limit = 0);
  Embeddings evaluate_indices(const Dataset& d, const std::vector<int>& idx);
  // The predicted classes of embeddings h (n x N), by cfg.scoring, through
  // the loss's W or, without one, the class means of the last epoch.
  std::vector<int> predict(const Tensor& h) const;

  // Replaces cfg.lr (a schedule often needs steps_per_epoch() first).
  void set_lr_schedule(std::function<double(int64_t t)> lr) { cfg_.lr = std::move(lr); }
  // Changes cfg.stop_at_step (0: run to the end), e.g. to continue after a stop.
  void stop_at(int64_t global_step) { cfg_.stop_at_step = global_step; }

  // Writes a checkpoint of the current state now.
  void save(const std::string& path);

  std::function<void(const EpochStats&)> on_epoch;
  // Called on the training's own thread before each training step, with the
  // global step (the gallery gives a training the threads others left).
  std::function<void(int64_t global_step)> on_step;

  int epoch() const { return epoch_; }         // epochs completed
  int step_in_epoch() const { return step_; }  // steps done in the current epoch
  int64_t global_step() const { return global_step_; }
  int steps_per_epoch() const;

 private:
  std::vector<int> batch_indices(int epoch, int step);
  void train_step(int epoch, int step, const std::vector<int>& idx);
  std::vector<Var> all_parameters();
  void check_finite_grads(int epoch, int step, double loss, const std::vector<int>& idx);
  std::string divergence_message(int epoch, int step, const std::vector<int>& idx,
                                 const std::string& what) const;
  std::vector<int> predict(const Tensor& h, const Tensor& W) const;
  void accumulate_class_sums(const Tensor& h, const std::vector<int>& y);
  void finish_class_means();
  void reset_epoch_sums();
  std::string summary_line(const EpochStats& s) const;

  Module& model_;
  Loss& loss_;
  Optimizer& opt_;
  const Dataset& train_;
  const Dataset* test_;
  TrainConfig cfg_;
  Rng* rng_;
  int num_classes_ = 0;
  std::shared_ptr<PKSampler> pk_;
  int cached_epoch_ = -1;
  std::vector<std::vector<int>> batches_;   // of cached_epoch_
  std::string last_saved_, last_saved_at_;  // the last checkpoint written, and when

  int epoch_ = 0, step_ = 0;
  int64_t global_step_ = 0;
  double last_lr_ = 0;
  // Running sums of the current epoch (saved in mid-epoch checkpoints).
  double loss_sum_ = 0, seconds_ = 0;
  int64_t seen_ = 0, correct_ = 0, scored_ = 0;
  Tensor h_sum_, h_count_;        // per class: sum and count of training embeddings (no-W accuracy)
  Tensor h_mean_, h_mean_count_;  // the last finished epoch's class means and counts
};

// Writes one row per sample, "x1,...,xN,label", under a header
// "x1,...,xN,label", to a temporary file renamed into place.
void save_embeddings_csv(const std::string& path, const Tensor& h, const std::vector<int>& labels);

}  // namespace fg
