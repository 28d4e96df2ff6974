// One feature-space training run, as feature2d, gallery and figures set it
// up: LeNet++ with an embedding of `dim`, an objective (losses/objective.hpp),
// an optimizer and the demos' Trainer, all from one seed.
//
//   FeatureRunOptions o;
//   o.objective = "softmax+0.01*center";
//   FeatureRun run(o, data.train, &data.test);
//   run.trainer().on_epoch = [&](const EpochStats& s) { ... };
//   run.trainer().fit();
//   Tensor W = run.class_weights(), C = run.centres();
//
// Choices made here, once for every demo:
//   - batches: shuffled, except for objectives with a pair or triplet term
//     (contrastive, marginal, triplet, tse, tpe), which get P x K batches with
//     P = min(classes, 10) identities and K = batch / P images each;
//   - scoring: as the objective declares it (Loss::scoring(), the term with
//     class weights or else the first): by angle (cos theta_j) for the losses
//     that normalise W or h (NormFace, every cosine-margin loss, CoCo,
//     A-Softmax, pair/triplet terms with normalize=1), else by the dot
//     product W_j . h (softmax, L-Softmax, center, ...); see
//     demos/train/trainer.hpp;
//   - optimizer: SGD with momentum 0.9 or Adam; the learning rate rises
//     linearly from lr/10 over the first 5% of the steps (at most 200: early
//     steps of a 2-D bottleneck diverge easily), then falls to 0 by a cosine; weight decay on the network and on
//     the loss's matrices (W, T), never on a loss's scalars (s, alpha);
//   - two stages (pretrain set): TSE and TPE as the lecture presents them, a
//     projection learned on top of a network that is already trained and
//     then held fixed. Stage 1 trains the whole network with `pretrain` for
//     pretrain_epochs, exactly as a plain run of that objective would (same
//     seed, batches and schedule; its own optimizer and loss, discarded
//     afterwards). Stage 2 freezes every parameter except those whose names
//     start with a `head` prefix (Module::set_requires_grad) and trains the
//     head and the objective's own parameters (T) for `epochs`, with a fresh
//     optimizer and learning-rate schedule. trainer() is stage 2's; fit()
//     runs both. With freeze = false nothing is held fixed: stage 1 is then
//     a warm start for a loss that crowds classes when it starts from
//     random features (ArcFace in 2-D).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "demos/train/trainer.hpp"
#include "layers/lenetpp.hpp"
#include "losses/objective.hpp"
#include "optim/optimizer.hpp"

namespace fg {

struct FeatureRunOptions {
  std::string objective = "softmax";
  LossParams params;          // key=value from the command line (term.key for sums)
  int dim = 2;
  bool batchnorm = false;     // LeNet++ with BatchNorm after every convolution
  int epochs = 5;
  int batch = 128;
  std::string optimizer = "sgd";  // sgd | adam
  double lr = 0.01;
  double weight_decay = 5e-4;
  double clip = 0;                // > 0: clip the global gradient norm to this
  uint64_t seed = 1;
  std::string checkpoint_path;    // empty: none
  int train_embed_samples = 0;    // also embed this many training samples after each epoch
  bool eval_each_epoch = true;    // the test set after every epoch (else only when asked)
  bool progress = true, verbose = true;
  std::string pretrain;           // empty: one stage; else stage 1's objective (e.g. "softmax")
  int pretrain_epochs = 0;        // stage 1's epochs (> 0 with pretrain)
  std::vector<std::string> head = {"fc.", "prelu_fc."};  // what stage 2 trains: LeNet++'s last layer
  bool freeze = true;             // false: stage 2 trains the whole network (a warm start, not a projection)
};

// Training images per loss of the gallery's and the figures' panels unless
// --train-images says otherwise (of MNIST's 60,000): with 4 epochs, enough
// for softmax to pass 0.97 test accuracy in 2-D, and few enough for
// `make demo` to train five losses in a few minutes on two cores.
constexpr int kPanelTrainImages = 12000;

// Objectives with a pair or triplet term need P x K batches.
bool objective_needs_pk(const std::string& objective);
// One term of them: contrastive, marginal, triplet, TSE or TPE.
bool is_pair_term(const std::string& term_name);


// Calls task(0), ..., task(n - 1) on `jobs` threads at once, each thread with
// `threads_per_job` OpenMP threads (several small single-threaded trainings
// keep two cores busier than one training split over both, and a run's
// numbers then do not depend on how many run beside it). jobs <= 1 runs them
// in order on the calling thread. A task's exception is rethrown after all
// have finished.
void run_tasks(int n, int jobs, int threads_per_job, const std::function<void(int)>& task);

class FeatureRun {
 public:
  // The data sets must outlive the run. Errors in the objective or its
  // parameters are fg::Errors from the registry.
  FeatureRun(const FeatureRunOptions& o, const Dataset& train, const Dataset* test);

  Trainer& trainer() { return *trainer_; }
  // Stage 1's trainer of a two-stage run (null for one stage).
  Trainer* pretrainer() { return pre_trainer_.get(); }
  // Stage 1 (if any, and not trained yet), then what stage 2 starts from:
  // the frozen trunk, or (freeze off) stage 1's class weights handed to the
  // objective. Does nothing the second time; fit() calls it first.
  void fit_first_stage();
  // fit_first_stage(), then trainer().fit(); returns stage 2's epochs.
  std::vector<EpochStats> fit();
  LeNetPP& model() { return *model_; }
  Objective& objective() { return *loss_; }
  Scoring scoring() const { return scoring_; }
  // W (K x N) of the first term that has class weights; empty if none has.
  Tensor class_weights() const { return loss_->class_weights(); }
  // The centres of a center term (K x N); empty without one.
  Tensor centres() const;
  // "LeNet++ 2-D, SGD lr 0.01 (cosine), batch 128" and the like.
  std::string describe() const;
  int pk_P() const { return pk_P_; }
  int pk_K() const { return pk_K_; }

 private:
  FeatureRunOptions o_;
  Rng rng_;
  std::unique_ptr<LeNetPP> model_;
  std::unique_ptr<Objective> loss_;
  std::unique_ptr<Optimizer> opt_;
  std::unique_ptr<Trainer> trainer_;
  std::unique_ptr<Objective> pre_loss_;  // stage 1 of a two-stage run
  std::unique_ptr<Optimizer> pre_opt_;
  std::unique_ptr<Trainer> pre_trainer_;
  // An optimizer over `net` and the loss's parameters, and a trainer of
  // `epochs` over them with its warm-up and cosine schedule.
  std::unique_ptr<Optimizer> make_optimizer(std::vector<NamedVar> net, Objective& loss) const;
  std::unique_ptr<Trainer> make_trainer(Objective& loss, Optimizer& opt, const std::string& objective,
                                        int epochs, const std::string& checkpoint, const Dataset& train,
                                        const Dataset* test, int64_t* lr_warmup);
  Scoring scoring_ = Scoring::Dot;
  int pk_P_ = 0, pk_K_ = 0;
  int64_t lr_warmup_ = 0;
  bool first_stage_done_ = false;
};

}  // namespace fg
