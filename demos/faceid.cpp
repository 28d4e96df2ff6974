// faceid: FaceID evaluation on classes the network never saw. LeNet++ learns
// 2-D and N-D (64 by default) embeddings of some classes (MNIST digits 0-5
// by default; `make data` fetches them) with each objective asked for; the
// unseen classes (6-9) are then used the way face recognition is measured:
// verification (ROC, TAR at FAR, EER, the LFW protocol), closed- and
// open-set identification (rank-1, rank-5, DIR at FPIR), and neural collapse
// NC1-NC4 of the training embeddings after every epoch. Writes into --out:
//
//   results.md, results.json     the tables of every run
//   roc.png                      every run's ROC, a panel per dimension
//   <loss>_d<dim>/roc.png, angles.png, collapse.png (and features.png in 2-D);
//                                explorer.html: 300 training images after
//                                every epoch (above 3-D on their first two
//                                principal directions), demos/explorer
//
// Every run of one invocation shares one budget: the same data, network,
// optimizer (Adam with BatchNorm by default: with them every loss of the
// lecture trains in a few epochs), epochs, batches and seed.
//
//   build/faceid                                     # softmax, 2-D and 64-D
//   build/faceid --loss arcface --loss softmax+0.01*center --dim 128
//   build/faceid --loss triplet:mining=batchhard,arcface:s=30 --data identities
//   build/faceid --compare                           # the lecture's losses, one budget
//
// --compare runs softmax, softmax+0.01*center, normface, asoftmax (SphereFace),
// cosface, arcface and the triplet loss (batch-hard mining on P x K batches),
// each in 2-D and 64-D, on LeNet++ at half width (16/32/64 channels) to keep
// the budget modest, into out/faceid_compare. On a machine shared with other
// jobs, --threads 1 is faster than two spinning threads.
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "core/data/file_util.hpp"
#include "demos/cli/counted.hpp"
#include "demos/faceid/options.hpp"
#include "demos/faceid/report.hpp"

using namespace fg;

namespace {

using Clock = std::chrono::steady_clock;

std::string fmtg(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

void make_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error("--out " + dir + ": cannot create the directory (" + ec.message() + ")");
}

// The data, split into seen and unseen classes, and the options that depend
// on it (--train-classes, --enroll, --unenrolled, --pk) checked against it.
FaceIdData load_and_split(const Args& args, const FaceIdOptions& o) {
  FaceIdSource src;
  try {
    src = load_faceid_source(o.data_spec, o.base.seed);
  } catch (const ArgError&) {
    throw;
  } catch (const Error& err) {  // a malformed spec is the argument's fault; a bad file is not
    const std::string m = err.what();
    if (m.rfind("--data", 0) == 0) throw ArgError(m, args.usage());
    throw;
  }
  const int K_all = src.train.num_classes();
  std::vector<int> seen;
  try {
    seen = o.classes_text.empty() ? default_train_classes(K_all)
                                  : parse_class_list(o.classes_text, K_all);
  } catch (const Error& err) {
    args.fail("--train-classes", err.what());
  }
  FaceIdSplitOptions so;
  so.train_images = o.train_images;
  so.per_class = o.per_class;
  so.seen_test_per_class = 50;
  so.seed = o.base.seed;
  FaceIdData data = split_faceid(src, seen, so);
  const int u = int(data.unseen_classes.size());
  int fewest = o.per_class;
  for (int c : class_counts(data.unseen.labels, u)) fewest = std::min(fewest, c);
  const int enroll = o.base.enroll_per_identity, unenrolled = o.base.unenrolled;
  if (enroll >= fewest)
    args.fail("--enroll", std::to_string(enroll) +
                              " images per identity leave no probe: the "
                              "smallest unseen class has " +
                              std::to_string(fewest) + " images (expected 1.." +
                              std::to_string(fewest - 1) + ")");
  if (unenrolled >= u)
    args.fail("--unenrolled", std::to_string(unenrolled) + " of the " + std::to_string(u) +
                                  " unseen classes leaves nobody enrolled (expected 0.." +
                                  std::to_string(u - 1) + ")");
  if (o.base.pk_P > int(seen.size()))
    args.fail("--pk", "P = " + std::to_string(o.base.pk_P) + " classes per batch but only " +
                          std::to_string(seen.size()) + " classes are seen in training");
  return data;
}

// What the tables state once about the whole invocation.
FaceIdReportInfo report_info(const FaceIdOptions& o, const FaceIdData& data) {
  const FaceIdRunConfig& b = o.base;
  const int u = int(data.unseen_classes.size());
  FaceIdReportInfo info;
  info.command = o.command;
  info.data = data.description;
  info.training = "LeNet++ (widths " + std::to_string(b.widths[0]) + "/" +
                  std::to_string(b.widths[1]) + "/" + std::to_string(b.widths[2]) +
                  (b.batchnorm ? ", BatchNorm" : "") + ", PReLU), " +
                  (b.optimizer == "sgd" ? "SGD momentum 0.9" : "Adam") + ", lr " + fmtg(b.lr) +
                  " with cosine decay to 0, weight decay " + fmtg(b.weight_decay) + ", batch " +
                  std::to_string(b.batch) + ", " + counted(b.epochs, "epoch") + " over " +
                  std::to_string(data.train.size()) + " images, seed " + std::to_string(b.seed);
  const int open_out = b.unenrolled > 0 ? b.unenrolled : std::max(1, u / 4);
  info.evaluation = "up to " + std::to_string(o.per_class) + " images per unseen class (" +
                    std::to_string(data.unseen.size()) +
                    " in all); every genuine pair and up to " + std::to_string(b.impostor_pairs) +
                    " impostor pairs; LFW on at most 3000 + 3000 of "
                    "them; identification with the mean template of " +
                    std::to_string(b.enroll_per_identity) +
                    " images per identity; open set: " + std::to_string(open_out) + " of " +
                    std::to_string(u) + " unseen classes left out of the gallery";
  info.threads = o.threads;
  info.unseen_names = data.unseen.class_names;
  return info;
}

// One objective in one dimension: train, evaluate, draw its pictures into
// its own folder and print its line of results.
FaceIdRunResult run_one(const FaceIdData& data, FaceIdRunConfig cfg, const std::string& out) {
  std::printf("== %s, %d-D\n", cfg.objective.c_str(), cfg.dim);
  std::fflush(stdout);
  FaceIdRunResult r = run_faceid(data, cfg);
  const std::string dir = out + "/" + run_slug(r);
  make_dir(dir);
  write_run_plots(r, data.unseen, dir);
  if (r.error.empty())
    std::printf(
        "   unseen classes: TAR@FAR=1e-2 %s  EER %s  LFW %s  rank-1 %s  "
        "DIR@FPIR=1e-2 %s  (train %.0f s, eval %.0f s)\n",
        fmt_metric(r.verification.tar[1].tar).c_str(), fmt_metric(r.verification.eer.eer).c_str(),
        fmt_metric(r.verification.lfw.mean_accuracy).c_str(),
        fmt_metric(r.identification.rank1).c_str(),
        fmt_metric(r.identification.dir[1].dir).c_str(), r.train_seconds, r.eval_seconds);
  else
    std::printf("   failed: %s\n", r.error.c_str());
  std::fflush(stdout);
  return r;
}

// Every objective in every dimension; after each run the tables so far are
// rewritten, so an interrupted comparison keeps what it measured.
std::vector<FaceIdRunResult> run_all(const FaceIdOptions& o, const FaceIdData& data,
                                     FaceIdReportInfo& info, Clock::time_point t0) {
  std::vector<FaceIdRunResult> runs;
  for (size_t k = 0; k < o.objectives.size(); ++k)
    for (int d : o.dims) {
      FaceIdRunConfig cfg = o.base;
      cfg.objective = o.objectives[k];
      cfg.extra = o.extra[k];
      cfg.dim = d;
      runs.push_back(run_one(data, cfg, o.out));
      info.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      const std::string md = results_markdown(runs, info), js = results_json(runs, info);
      write_file_atomic(o.out + "/results.md", md.data(), md.size());
      write_file_atomic(o.out + "/results.json", js.data(), js.size());
    }
  return runs;
}

}  // namespace

int main(int argc, char** argv) {
  return run_main(argc, argv, [&] {
    const FaceIdCommandLine line = gather_faceid_losses(argc, argv);
    Args args(line.tokens, kFaceIdUsage, "faceid");
    const FaceIdOptions o = read_faceid_options(args, line);
    omp_set_num_threads(o.threads);
    const auto t0 = Clock::now();

    const FaceIdData data = load_and_split(args, o);
    make_dir(o.out);
    FaceIdReportInfo info = report_info(o, data);
    std::printf("faceid: %s\n", data.description.c_str());
    std::printf("training: %s\n", info.training.c_str());
    std::fflush(stdout);

    const std::vector<FaceIdRunResult> runs = run_all(o, data, info, t0);
    write_roc_comparison(runs, o.out + "/roc.png");
    std::printf("wrote %s/results.md, results.json, roc.png and a directory per run (%.0f s)\n",
                o.out.c_str(), info.seconds);
    int failed = 0;
    for (const auto& r : runs) failed += !r.error.empty();
    return failed == int(runs.size()) ? 1 : 0;
  });
}
