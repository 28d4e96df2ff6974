// The Trainer's checkpoints: everything a run needs to continue bit for bit.
//
//   model/<name>     parameters then buffers (Module::state)
//   loss/<name>      the loss's parameters (W, s, centres, ...)
//   optim/<name>     the optimizer's state (momenta, moments)
//   trainer/<name>   the epoch's running class sums and the last class means
//   metadata         format, epoch, step, global_step, seed, batch_size,
//                    sampler, train_size, optim_steps, the epoch's running
//                    sums (hexadecimal floats: exact), loss, rng
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "core/data/checkpoint.hpp"
#include "demos/train/trainer.hpp"

namespace fg {

namespace {

const char* const kFormat = "facegrad trainer 1";

std::string hex(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", v);
  return buf;
}

// The generator's engine words, then whether a spare normal is held and its value.
std::string rng_state(Rng& r) {
  std::ostringstream os;
  os << r.engine() << " " << (r.has_spare_ ? 1 : 0) << " " << hex(r.spare_);
  return os.str();
}

void set_rng_state(Rng& r, const std::string& s, const std::string& path) {
  std::istringstream is(s);
  std::mt19937_64 eng;
  int spare = 0;
  std::string spare_text;
  if (!(is >> eng >> spare >> spare_text))
    throw Error(path + ": the metadata 'rng' is not a generator state");
  r.engine() = eng;
  r.has_spare_ = spare != 0;
  r.spare_ = std::strtod(spare_text.c_str(), nullptr);
}

std::string sampler_text(const TrainConfig& c) {
  if (c.pk_P > 0 || c.pk_K > 0)
    return "pk " + std::to_string(c.pk_P) + "x" + std::to_string(c.pk_K);
  return std::string("shuffle") + (c.drop_last ? " drop_last" : "");
}

const std::string& need(const Checkpoint& ck, const std::string& key, const std::string& path) {
  auto it = ck.meta.find(key);
  if (it == ck.meta.end())
    throw Error(path + ": the training checkpoint has no metadata '" + key + "'");
  return it->second;
}

int64_t need_int(const Checkpoint& ck, const std::string& key, const std::string& path) {
  const std::string& v = need(ck, key, path);
  char* end = nullptr;
  const long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0')
    throw Error(path + ": metadata '" + key + "' = '" + v + "' is not a whole number");
  return x;
}

double need_real(const Checkpoint& ck, const std::string& key, const std::string& path) {
  const std::string& v = need(ck, key, path);
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0')
    throw Error(path + ": metadata '" + key + "' = '" + v + "' is not a number");
  return x;
}

}  // namespace

void Trainer::save(const std::string& path) {
  Checkpoint ck;
  ck.add("model/", model_.state());
  for (const auto& [name, v] : loss_.parameters())
    ck.tensors.emplace_back("loss/" + name, v.value().clone());
  ck.add("optim/", opt_.state());
  if (!h_sum_.empty()) ck.tensors.emplace_back("trainer/h_sum", h_sum_.clone());
  ck.tensors.emplace_back("trainer/h_count", h_count_.clone());
  if (!h_mean_.empty()) {
    ck.tensors.emplace_back("trainer/h_mean", h_mean_.clone());
    ck.tensors.emplace_back("trainer/h_mean_count", h_mean_count_.clone());
  }
  auto& m = ck.meta;
  m["format"] = kFormat;
  m["epoch"] = std::to_string(epoch_);
  m["step"] = std::to_string(step_);
  m["global_step"] = std::to_string(global_step_);
  m["seed"] = std::to_string(cfg_.seed);
  m["batch_size"] = std::to_string(cfg_.batch_size);
  m["sampler"] = sampler_text(cfg_);
  m["train_size"] = std::to_string(train_.size());
  m["optim_steps"] = std::to_string(opt_.steps);
  m["loss"] = loss_.name();
  m["loss_describe"] = loss_.describe();
  m["last_lr"] = hex(last_lr_);
  m["sum_loss"] = hex(loss_sum_);
  m["sum_seconds"] = hex(seconds_);
  m["sum_seen"] = std::to_string(seen_);
  m["sum_correct"] = std::to_string(correct_);
  m["sum_scored"] = std::to_string(scored_);
  if (rng_) m["rng"] = rng_state(*rng_);
  try {
    save_checkpoint(path, ck);
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (training stopped at epoch " +
                std::to_string(epoch_ + 1) + ", step " + std::to_string(step_) + "; " +
                (last_saved_.empty() ? std::string("no checkpoint was written before")
                                     : "the previous checkpoint " + last_saved_ + " (" +
                                           last_saved_at_ + ") is unchanged") +
                ")");
  }
  last_saved_ = path;
  last_saved_at_ = step_ == 0
                       ? "after epoch " + std::to_string(epoch_)
                       : "epoch " + std::to_string(epoch_ + 1) + ", step " + std::to_string(step_);
}

void Trainer::resume(const std::string& path) {
  const Checkpoint ck = load_checkpoint(path);
  auto f = ck.meta.find("format");
  if (f == ck.meta.end() || f->second != kFormat)
    throw Error(path + ": not a training checkpoint of this program (metadata 'format' is " +
                (f == ck.meta.end() ? std::string("missing") : "'" + f->second + "'") +
                ", expected '" + kFormat + "')");
  // The run continues identically only with the same data order.
  auto same = [&](const std::string& key, const std::string& mine, const std::string& option) {
    const std::string& theirs = need(ck, key, path);
    if (theirs != mine)
      throw Error(path + ": the checkpoint was trained with " + key + " " + theirs +
                  ", this run has " + mine + "; resume with " + option + " " + theirs +
                  " to continue it");
  };
  same("seed", std::to_string(cfg_.seed), "--seed");
  same("batch_size", std::to_string(cfg_.batch_size), "--batch");
  same("sampler", sampler_text(cfg_), "the sampler");
  same("train_size", std::to_string(train_.size()), "the training set of");
  const std::string& loss_name = need(ck, "loss", path);
  if (loss_name != loss_.name())
    throw Error(path + ": the checkpoint was trained with the loss '" + loss_name +
                "', this run uses '" + loss_.name() + "'");
  const int64_t steps = steps_per_epoch();
  const int64_t epoch = need_int(ck, "epoch", path), step = need_int(ck, "step", path);
  if (epoch < 0 || step < 0 || step >= steps ||
      need_int(ck, "global_step", path) != epoch * steps + step)
    throw Error(path + ": epoch " + std::to_string(epoch) + ", step " + std::to_string(step) +
                " do not fit " + std::to_string(steps) + " steps per epoch");

  try {
    model_.load_state(ck.with_prefix("model/"));
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  std::vector<NamedTensor> loss_params;
  for (const auto& [name, v] : loss_.parameters()) loss_params.emplace_back(name, v.value());
  restore_tensors(ck.with_prefix("loss/"), loss_params, "loss parameter", path);
  try {
    opt_.load_state(ck.with_prefix("optim/"));
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  opt_.steps = need_int(ck, "optim_steps", path);

  epoch_ = static_cast<int>(epoch);
  step_ = static_cast<int>(step);
  global_step_ = epoch * steps + step;
  last_lr_ = need_real(ck, "last_lr", path);
  loss_sum_ = need_real(ck, "sum_loss", path);
  seconds_ = need_real(ck, "sum_seconds", path);
  seen_ = need_int(ck, "sum_seen", path);
  correct_ = need_int(ck, "sum_correct", path);
  scored_ = need_int(ck, "sum_scored", path);
  auto tensor = [&](const char* name) {
    const Tensor* t = ck.find(std::string("trainer/") + name);
    return t ? t->clone() : Tensor();
  };
  h_sum_ = tensor("h_sum");
  h_count_ = tensor("h_count");
  if (h_count_.numel() != num_classes_) h_count_ = Tensor::zeros({num_classes_});
  h_mean_ = tensor("h_mean");
  h_mean_count_ = tensor("h_mean_count");
  if (rng_) {
    auto r = ck.meta.find("rng");
    if (r == ck.meta.end())
      throw Error(path + ": the checkpoint holds no generator state ('rng'), which this run needs");
    set_rng_state(*rng_, r->second, path);
  }
  last_saved_ = path;
  last_saved_at_ = "the checkpoint resumed from";
}

}  // namespace fg
