#include "demos/faceid/run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>

#include "core/data/batching.hpp"
#include "core/eval/similarity.hpp"
#include "demos/features/run.hpp"
#include "demos/train/embed.hpp"
#include "demos/train/trainer.hpp"
#include "layers/lenetpp.hpp"
#include "losses/objective.hpp"
#include "optim/adam.hpp"
#include "core/schedule.hpp"
#include "optim/sgd.hpp"

namespace fg {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The classifier the run's accuracy and NC metrics use (see the header).
struct Classifier {
  std::string term;  // the term that has class weights ("" if none)
  bool cosine = false;
  std::string bias_name;  // the parameter holding b, if any
};

Classifier find_classifier(Objective& obj) {
  Classifier c;
  for (size_t k = 0; k < obj.size(); ++k)
    if (!obj.term(k).loss->class_weights().empty()) {
      c.term = obj.term(k).name;
      c.cosine = faceid_scoring(obj) == Scoring::Cosine;
      break;
    }
  if (c.term.empty()) return c;
  for (const auto& [name, v] : obj.parameters())
    if (name == c.term + ".b" || (obj.size() == 1 && name == "b")) c.bias_name = name;
  return c;
}

Tensor bias_of(Objective& obj, const Classifier& c) {
  if (c.bias_name.empty()) return Tensor();
  for (const auto& [name, v] : obj.parameters())
    if (name == c.bias_name) return v.value().clone();
  return Tensor();
}

CollapsePoint nan_collapse(int epoch) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CollapsePoint p;
  p.epoch = epoch;
  p.nc1 = p.nc3 = p.nc4 = nan;
  p.means = p.classifier = Nc2{nan, nan, nan};
  return p;
}

}  // namespace

Scoring faceid_scoring(const Objective& obj) {
  return obj.class_weights().empty() ? Scoring::Cosine : obj.scoring();
}

FaceIdRunResult run_faceid(const FaceIdData& data, const FaceIdRunConfig& cfg) {
  FaceIdRunResult r;
  r.dim = cfg.dim;
  const int K = data.train.num_classes();

  LeNetPPOptions mo;
  mo.embedding_dim = cfg.dim;
  mo.in_channels = data.train.channels();
  mo.height = data.train.height();
  mo.width = data.train.width();
  mo.widths = cfg.widths;
  mo.batchnorm = cfg.batchnorm;
  mo.seed = derive_seed(cfg.seed, 0x1e7);
  LeNetPP model(mo);
  LossContext ctx;
  ctx.num_classes = K;
  ctx.dim = cfg.dim;
  ctx.seed = derive_seed(cfg.seed, 0x1055);
  Objective loss(cfg.objective, ctx, cfg.extra);
  r.objective = loss.name();
  r.describe = loss.describe();
  const Classifier cls = find_classifier(loss);
  r.has_classifier = !cls.term.empty();
  r.classifier = cls.term.empty() ? "none (no class weights: NC2 of W, NC3, NC4 left out)"
                 : cls.cosine     ? "argmax cos theta_j, unit rows of " + cls.term + " W"
                                  : "argmax <W_j, h> + b_j of " + cls.term;

  // Weight decay on the network and the loss's matrices (W, T), not on its
  // scalars (a learnable s or alpha would be pulled toward 0).
  ParamGroup decayed, scalars;
  decayed.params = model.parameters();
  decayed.lr = scalars.lr = cfg.lr;
  decayed.weight_decay = cfg.weight_decay;
  for (auto& p : loss.parameters())
    (p.second.value().numel() == 1 ? scalars : decayed)
        .params.emplace_back("loss." + p.first, p.second);
  std::vector<ParamGroup> groups{decayed};
  if (!scalars.params.empty()) groups.push_back(scalars);
  std::unique_ptr<Optimizer> opt;
  if (cfg.optimizer == "adam") {
    opt = std::make_unique<Adam>(groups);
  } else if (cfg.optimizer == "sgd") {
    SGDOptions so;
    so.momentum = cfg.momentum;
    opt = std::make_unique<SGD>(groups, so);
  } else {
    throw Error("run_faceid: optimizer '" + cfg.optimizer + "' is not one of sgd|adam");
  }

  TrainConfig tc;
  tc.epochs = cfg.epochs;
  tc.batch_size = cfg.batch;
  tc.seed = cfg.seed;
  bool pk = false;
  for (size_t k = 0; k < loss.size(); ++k) pk = pk || is_pair_term(loss.term(k).name);
  if (pk || cfg.pk_P > 0) {
    tc.pk_P = cfg.pk_P > 0 ? cfg.pk_P : std::min(K, 8);
    tc.pk_K = cfg.pk_K > 0 ? cfg.pk_K : std::max(2, cfg.batch / tc.pk_P);
    r.batches = "P x K = " + std::to_string(tc.pk_P) + " x " + std::to_string(tc.pk_K);
  } else {
    r.batches = "shuffled, " + std::to_string(cfg.batch) + " per step";
  }
  // Without class weights the trainer's accuracy is nearest class mean, here
  // by angle, as every evaluation of this run compares embeddings.
  tc.scoring = faceid_scoring(loss);
  tc.eval_loss = false;
  tc.train_embed_samples = 0;  // the NC sample is embedded here, also before training
  tc.progress = cfg.progress;
  tc.verbose = cfg.verbose;
  const Dataset* seen_test = data.seen_test.size() > 0 ? &data.seen_test : nullptr;
  Trainer trainer(model, loss, *opt, data.train, seen_test, tc);
  trainer.set_lr_schedule(cosine_schedule(cfg.lr, int64_t(cfg.epochs) * trainer.steps_per_epoch()));
  // NC1-NC4 on a fixed sample of training images, at initialisation (epoch
  // 0) and after every epoch.
  std::vector<int> nc_idx = epoch_order(data.train.size(), derive_seed(cfg.seed, 0x9c), 0);
  if (cfg.nc_samples < int(nc_idx.size())) nc_idx.resize(std::max(cfg.nc_samples, 0));
  const Tensor nc_images = gather_images(data.train.images, nc_idx, "faceid NC sample");
  std::vector<int> nc_y;
  for (int i : nc_idx) nc_y.push_back(data.train.labels[i]);
  auto collapse_now = [&](int epoch) {
    if (nc_idx.empty()) return nan_collapse(epoch);
    Tensor W = loss.class_weights();
    if (!W.empty() && cls.cosine) W = normalize_rows(W);
    try {
      return collapse_point(epoch, embed_images(model, nc_images), nc_y, K, W, bias_of(loss, cls));
    } catch (const Error& err) {  // e.g. every class mean in one point: NC1 is undefined
      std::fprintf(stderr, "faceid: epoch %d: no collapse metrics (%s)\n", epoch, err.what());
      return nan_collapse(epoch);
    }
  };
  // explorer.html: the first 300 images of the NC sample (above 3-D the page
  // draws them on their first two principal directions).
  const int n_explore = std::min<int>(300, int(nc_idx.size()));
  const std::vector<int> explore_idx(nc_idx.begin(), nc_idx.begin() + n_explore);
  const Tensor explore_images =
      n_explore ? gather_images(data.train.images, explore_idx, "faceid explorer sample") : Tensor();
  const std::vector<int> explore_y(nc_y.begin(), nc_y.begin() + n_explore);
  r.explorer.dim = cfg.dim, r.explorer.scoring = tc.scoring, r.explorer.names = data.train.class_names;
  auto explore_now = [&](int epoch) {
    if (!n_explore) return;
    r.explorer.frames.push_back(explorer_frame(loss, embed_images(model, explore_images), explore_y,
                                               loss.class_weights(), Tensor(), epoch, NAN, 0, cfg.seed, tc.pk_P, tc.pk_K));
  };
  explore_now(0);
  EpochRecord start;
  start.collapse = collapse_now(0);
  r.epochs.push_back(start);
  trainer.on_epoch = [&](const EpochStats& s) {
    explore_now(s.epoch);
    EpochRecord e;
    e.epoch = s.epoch;
    e.train_loss = s.train_loss;
    e.seconds = s.seconds;
    if (s.test.has_accuracy) e.seen_accuracy = s.test.accuracy;
    e.collapse = collapse_now(s.epoch);
    r.epochs.push_back(e);
  };

  const auto t0 = Clock::now();
  try {
    trainer.fit();
  } catch (const Error& e) {
    r.train_seconds = since(t0);
    r.error = e.what();
    return r;
  }
  r.train_seconds = since(t0);
  r.explorer.title = loss.describe();

  const auto t1 = Clock::now();
  try {
    r.unseen_h = embed_images(model, data.unseen.images);
  } catch (const Error& e) {
    r.error = e.what();
    return r;
  }
  r.verification = verify_embeddings(r.unseen_h, data.unseen.labels, cfg.impostor_pairs, cfg.seed);
  const int u = int(data.unseen_classes.size());
  const int unenrolled = cfg.unenrolled > 0 ? cfg.unenrolled : std::max(1, u / 4);
  r.identification = identify_embeddings(r.unseen_h, data.unseen.labels, cfg.enroll_per_identity,
                                         std::min(unenrolled, u - 1), cfg.seed);
  r.eval_seconds = since(t1);
  return r;
}

}  // namespace fg
