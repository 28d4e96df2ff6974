#include "demos/features/run.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <cmath>
#include <utility>
#include <set>

#include "losses/center.hpp"
#include "losses/params.hpp"
#include "optim/adam.hpp"
#include "core/schedule.hpp"
#include "optim/sgd.hpp"
#include "demos/cli/counted.hpp"

namespace fg {

namespace {

const std::set<std::string> kPairTerms = {"contrastive", "marginal", "triplet", "tse", "tpe"};
// An optimizer whose step first scales all gradients together so that their
// global L2 norm is at most max_norm (g <- g max_norm / |g| when |g| > max_norm).
// The normalised losses need it at the start of 2-D training: their gradient
// with respect to h is s / |h| times a unit-size vector, and |h| starts small.
template <class Base>
class Clipped : public Base {
 public:
  template <class... A>
  Clipped(double max_norm, A&&... a) : Base(std::forward<A>(a)...), max_norm_(max_norm) {}
  void step() override {
    double sq = 0;
    for (auto& g : this->groups)
      for (auto& p : g.params) {
        const Tensor& gr = p.second->grad;
        for (int64_t i = 0; i < gr.numel(); ++i) sq += double(gr[i]) * gr[i];
      }
    const double norm = std::sqrt(sq);
    if (max_norm_ > 0 && norm > max_norm_) {
      const real f = real(max_norm_ / norm);
      for (auto& g : this->groups)
        for (auto& p : g.params) {
          Tensor& gr = p.second->grad;
          for (int64_t i = 0; i < gr.numel(); ++i) gr[i] *= f;
        }
    }
    Base::step();
  }

 private:
  double max_norm_;
};

}  // namespace

bool is_pair_term(const std::string& term_name) { return kPairTerms.count(term_name) > 0; }

bool objective_needs_pk(const std::string& objective) {
  for (const TermSpec& t : parse_objective(objective))
    if (is_pair_term(t.name)) return true;
  return false;
}

FeatureRun::FeatureRun(const FeatureRunOptions& o, const Dataset& train, const Dataset* test)
    : o_(o), rng_(o.seed) {
  if (o.optimizer != "sgd" && o.optimizer != "adam")
    throw Error("optimizer '" + o.optimizer + "': expected sgd or adam");
  if (!o.pretrain.empty() && o.pretrain_epochs < 1)
    throw Error("pretraining with '" + o.pretrain + "' needs at least 1 epoch, got " +
                std::to_string(o.pretrain_epochs));
  if (!o.pretrain.empty() && o.freeze && o.batchnorm)
    throw Error("a two-stage run (pretrain '" + o.pretrain + "') with BatchNorm: the frozen trunk's "
                "running statistics would still move in stage 2; train without BatchNorm");

  LeNetPPOptions mo;
  mo.embedding_dim = o.dim;
  mo.in_channels = train.channels();
  mo.height = train.height();
  mo.width = train.width();
  mo.batchnorm = o.batchnorm;
  mo.seed = derive_seed(o.seed, 0x1e7);
  model_ = std::make_unique<LeNetPP>(mo);

  LossContext ctx;
  ctx.num_classes = std::max(train.num_classes(), test ? test->num_classes() : 0);
  ctx.dim = o.dim;
  ctx.seed = derive_seed(o.seed, 0x1055);
  if (!o.pretrain.empty()) {  // built first, as a plain run of the pretrain objective would be
    pre_loss_ = make_objective(o.pretrain, ctx, {});
    pre_opt_ = make_optimizer(model_->parameters(), *pre_loss_);
    int64_t unused = 0;
    pre_trainer_ = make_trainer(*pre_loss_, *pre_opt_, o.pretrain, o.pretrain_epochs, "", train, test, &unused);
  }
  loss_ = make_objective(o.objective, ctx, o.params);
  scoring_ = loss_->scoring();

  std::vector<NamedVar> net = model_->parameters();
  if (pre_trainer_ && o.freeze) {  // stage 2 trains the head only
    net.clear();
    for (const std::string& prefix : o.head)
      for (NamedVar& p : model_->parameters_starting_with(prefix)) net.push_back(p);
  }
  opt_ = make_optimizer(net, *loss_);
  trainer_ = make_trainer(*loss_, *opt_, o.objective, o.epochs, o.checkpoint_path, train, test, &lr_warmup_);
}

std::unique_ptr<Optimizer> FeatureRun::make_optimizer(std::vector<NamedVar> net, Objective& loss) const {
  // Weight decay on the network and the loss's matrices, not on its scalars.
  std::vector<NamedVar> decayed = std::move(net), scalars;
  for (auto& p : loss.parameters())
    (p.second.value().numel() > 1 ? decayed : scalars).emplace_back("loss." + p.first, p.second);
  std::vector<ParamGroup> groups{ParamGroup{decayed, o_.lr, o_.weight_decay}};
  if (!scalars.empty()) groups.push_back(ParamGroup{scalars, o_.lr, 0});
  if (o_.optimizer == "sgd") {
    SGDOptions so;
    so.momentum = 0.9;
    return std::make_unique<Clipped<SGD>>(o_.clip, groups, so);
  }
  return std::make_unique<Clipped<Adam>>(o_.clip, groups, AdamOptions{});
}

std::unique_ptr<Trainer> FeatureRun::make_trainer(Objective& loss, Optimizer& opt, const std::string& objective,
                                                  int epochs, const std::string& checkpoint,
                                                  const Dataset& train, const Dataset* test,
                                                  int64_t* lr_warmup) {
  TrainConfig cfg;
  cfg.epochs = epochs;
  cfg.batch_size = o_.batch;
  cfg.seed = o_.seed;
  if (objective_needs_pk(objective)) {
    pk_P_ = std::min(std::max(train.num_classes(), test ? test->num_classes() : 0), 10);
    pk_K_ = std::max(2, o_.batch / std::max(pk_P_, 1));
    cfg.pk_P = pk_P_, cfg.pk_K = pk_K_;
  }
  cfg.checkpoint_path = checkpoint;
  cfg.scoring = loss.scoring();
  cfg.train_embed_samples = o_.train_embed_samples;
  cfg.progress = o_.progress;
  cfg.verbose = o_.verbose;
  auto t = std::make_unique<Trainer>(*model_, loss, opt, train, o_.eval_each_epoch ? test : nullptr, cfg, &rng_);
  const int64_t total = int64_t(epochs) * t->steps_per_epoch();
  *lr_warmup = std::min<int64_t>(200, total / 20);
  t->set_lr_schedule(warmup(cosine_schedule(o_.lr, total), *lr_warmup, 0.1));
  return t;
}

namespace {

// A warm start hands stage 1's class weights to the objective that follows,
// when it has a W of the same shape: its classes then start where stage 1
// put them. A freshly drawn W would pull every class towards a random
// direction again, and in 2-D some would crowd (a class cannot pass another
// on the circle of directions).
void hand_over_class_weights(const Objective& from, Objective& to) {
  const Tensor W = from.class_weights();
  if (W.empty()) return;
  for (NamedVar& p : to.parameters()) {
    const std::string& n = p.first;
    const bool is_w = n == "W" || (n.size() > 2 && n.compare(n.size() - 2, 2, ".W") == 0);
    if (is_w && p.second.value().shape() == W.shape()) {
      p.second->value = W.clone();
      return;
    }
  }
}

}  // namespace

void FeatureRun::fit_first_stage() {
  if (!pre_trainer_ || first_stage_done_) return;
  if (pre_trainer_->epoch() < o_.pretrain_epochs) pre_trainer_->fit();
  if (o_.freeze) {
    model_->set_requires_grad(false);  // the trunk, held fixed from here on
    for (const std::string& prefix : o_.head) model_->set_requires_grad(true, prefix);
  } else if (trainer_->epoch() == 0) {  // not when stage 2 resumes from a checkpoint
    hand_over_class_weights(*pre_loss_, *loss_);
  }
  first_stage_done_ = true;
}

std::vector<EpochStats> FeatureRun::fit() {
  fit_first_stage();
  return trainer_->fit();
}

void run_tasks(int n, int jobs, int threads_per_job, const std::function<void(int)>& task) {
  if (jobs <= 1) {
    omp_set_num_threads(std::max(1, threads_per_job));
    for (int i = 0; i < n; ++i) task(i);
    return;
  }
  std::atomic<int> next{0};
  std::exception_ptr failure;
  std::mutex mu;
  std::vector<std::thread> pool;
  for (int j = 0; j < std::min(jobs, n); ++j)
    pool.emplace_back([&] {
      omp_set_num_threads(std::max(1, threads_per_job));  // this thread's own setting
      for (int i = next++; i < n; i = next++) {
        try {
          task(i);
        } catch (...) {
          std::lock_guard<std::mutex> lock(mu);
          if (!failure) failure = std::current_exception();
        }
      }
    });
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

Tensor FeatureRun::centres() const {
  for (size_t i = 0; i < loss_->size(); ++i)
    if (auto* c = dynamic_cast<const CenterLoss*>(loss_->term(i).loss.get())) return c->centers().value();
  return Tensor();
}

std::string FeatureRun::describe() const {
  std::string d = o_.pretrain.empty() ? "" : o_.pretrain + " " + counted(o_.pretrain_epochs, "epoch") +
                                                  (o_.freeze ? ", then the head only; " : ", then the whole network; ");
  d += "LeNet++ " + std::to_string(o_.dim) + "-D" + (o_.batchnorm ? " with BatchNorm, " : ", ") + (o_.optimizer == "sgd" ? "SGD" : "Adam") +
       " lr " + num_str(o_.lr) + " (warm-up " + counted(lr_warmup_, "step") + ", cosine), weight decay " + num_str(o_.weight_decay) + ", ";
  if (o_.clip > 0) d += "gradient norm clipped at " + num_str(o_.clip) + ", ";
  if (pk_P_ > 0)
    d += "P x K batches " + std::to_string(pk_P_) + " x " + std::to_string(pk_K_);
  else
    d += "batch " + std::to_string(o_.batch);
  return d;
}

}  // namespace fg
