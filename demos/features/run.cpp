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
  loss_ = make_objective(o.objective, ctx, o.params);
  scoring_ = loss_->scoring();

  // Weight decay on the network and the loss's matrices, not on its scalars.
  std::vector<NamedVar> decayed = model_->parameters(), scalars;
  for (auto& p : loss_->parameters())
    (p.second.value().numel() > 1 ? decayed : scalars).emplace_back("loss." + p.first, p.second);
  std::vector<ParamGroup> groups{ParamGroup{decayed, o.lr, o.weight_decay}};
  if (!scalars.empty()) groups.push_back(ParamGroup{scalars, o.lr, 0});
  if (o.optimizer == "sgd") {
    SGDOptions so;
    so.momentum = 0.9;
    opt_ = std::make_unique<Clipped<SGD>>(o.clip, groups, so);
  } else {
    opt_ = std::make_unique<Clipped<Adam>>(o.clip, groups, AdamOptions{});
  }

  TrainConfig cfg;
  cfg.epochs = o.epochs;
  cfg.batch_size = o.batch;
  cfg.seed = o.seed;
  if (objective_needs_pk(o.objective)) {
    pk_P_ = std::min(ctx.num_classes, 10);
    pk_K_ = std::max(2, o.batch / std::max(pk_P_, 1));
    cfg.pk_P = pk_P_, cfg.pk_K = pk_K_;
  }
  cfg.checkpoint_path = o.checkpoint_path;
  cfg.scoring = scoring_;
  cfg.train_embed_samples = o.train_embed_samples;
  cfg.progress = o.progress;
  cfg.verbose = o.verbose;
  trainer_ = std::make_unique<Trainer>(*model_, *loss_, *opt_, train, o.eval_each_epoch ? test : nullptr,
                                       cfg, &rng_);
  const int64_t total = int64_t(o.epochs) * trainer_->steps_per_epoch();
  lr_warmup_ = std::min<int64_t>(200, total / 20);
  trainer_->set_lr_schedule(warmup(cosine_schedule(o.lr, total), lr_warmup_, 0.1));
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
  std::string d = "LeNet++ " + std::to_string(o_.dim) + "-D" + (o_.batchnorm ? " with BatchNorm, " : ", ") + (o_.optimizer == "sgd" ? "SGD" : "Adam") +
                  " lr " + num_str(o_.lr) + " (warm-up " + counted(lr_warmup_, "step") + ", cosine), weight decay " + num_str(o_.weight_decay) + ", ";
  if (o_.clip > 0) d += "gradient norm clipped at " + num_str(o_.clip) + ", ";
  if (pk_P_ > 0)
    d += "P x K batches " + std::to_string(pk_P_) + " x " + std::to_string(pk_K_);
  else
    d += "batch " + std::to_string(o_.batch);
  return d;
}

}  // namespace fg
