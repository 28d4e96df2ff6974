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
//   <loss>_d<dim>/roc.png, angles.png, collapse.png (and features.png in 2-D;
//                                explorer.html in 2-D and 3-D: 300 training
//                                images after every epoch, demos/explorer)
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
#include "demos/cli/args.hpp"
#include "demos/cli/demo_checks.hpp"
#include "demos/faceid/report.hpp"
#include "demos/train/trace.hpp"
#include "losses/objective.hpp"

using namespace fg;

namespace {

const char* const kUsage =
    "faceid [--data mnist|mnist:DIR|fashion|digits[:N]|folder:DIR|identities[:IDSxPER]] "
    "[--train-classes LIST] [--loss OBJ[,OBJ...]]... [--compare] [--dim N] [--no-2d] [--epochs N] "
    "[--train-images N] [--batch N] [--optim adam|sgd] [--lr X] [--no-batchnorm] [--weight-decay "
    "X] [--widths A,B,C] [--pk PxK] "
    "[--per-class N] [--impostors N] [--enroll N] [--unenrolled N] [--nc-samples N] [--seed N] "
    "[--threads N] [--out DIR] [--trace-nonfinite] [--quiet] [--help] [term.key=value ...]";

// The lecture's losses for --compare, in its order; a Euclidean one last.
const char* const kCompareLosses =
    "softmax,softmax+0.01*center,normface,asoftmax,cosface,arcface,triplet:mining=batchhard";

// Splits "a,b:k=1,k2=2,c" into objectives: a piece that is only key=value
// (no loss name before it) continues the previous objective's parameters.
std::vector<std::string> split_losses(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    const std::string piece = text.substr(pos, comma - pos);
    const size_t eq = piece.find('=');
    const bool continues = eq != std::string::npos && piece.find_first_of(":+*") > eq &&
                           !out.empty() && out.back().find(':') != std::string::npos;
    if (continues)
      out.back() += "," + piece;
    else
      out.push_back(piece);
    pos = comma + 1;
  }
  return out;
}

// "32,64,128" -> three widths in 1..512.
std::array<int, 3> parse_widths(Args& args, const std::string& text) {
  std::array<int, 3> w{};
  int k = 0;
  size_t pos = 0;
  while (pos <= text.size() && k < 4) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    const std::string p = text.substr(pos, comma - pos);
    char* end = nullptr;
    const long v = std::strtol(p.c_str(), &end, 10);
    if (p.empty() || *end != '\0' || v < 1 || v > 512 || k == 3)
      args.fail("--widths", "'" + text +
                                "' is not three channel counts A,B,C, each in 1..512 "
                                "(LeNet++ uses 32,64,128)");
    w[k++] = int(v);
    pos = comma + 1;
  }
  if (k != 3)
    args.fail("--widths", "'" + text + "' is not three channel counts A,B,C, each in 1..512");
  return w;
}

// "6x10" -> P = 6, K = 10.
std::pair<int, int> parse_pk(Args& args, const std::string& text) {
  const size_t x = text.find('x');
  char *e1 = nullptr, *e2 = nullptr;
  const long P = x == std::string::npos ? 0 : std::strtol(text.substr(0, x).c_str(), &e1, 10);
  const long K = x == std::string::npos ? 0 : std::strtol(text.c_str() + x + 1, &e2, 10);
  if (x == std::string::npos || x == 0 || *e1 != '\0' || *e2 != '\0' || x + 1 >= text.size() ||
      P < 2 || P > 1000 || K < 2 || K > 1000)
    args.fail("--pk", "'" + text +
                          "' is not PxK with P classes (2..1000) and K images each (2..1000), "
                          "e.g. 6x10");
  return {int(P), int(K)};
}

std::string fmtg(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  return run_main(argc, argv, [&] {
    // --loss may be repeated: gather every value into one comma list first.
    std::vector<std::string> tokens, losses_given;
    std::string command = "build/faceid";
    for (int i = 1; i < argc; ++i) {
      const std::string t = argv[i];
      command += " " + t;
      if (t == "--loss" && i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
        losses_given.push_back(argv[++i]);
        command += std::string(" ") + argv[i];
      } else if (t.rfind("--loss=", 0) == 0) {
        losses_given.push_back(t.substr(7));
      } else {
        tokens.push_back(t);
      }
    }
    std::string joined;
    for (const auto& l : losses_given) joined += (joined.empty() ? "" : ",") + l;
    if (!losses_given.empty()) tokens.push_back("--loss=" + joined);
    Args args(tokens, kUsage, "faceid");

    const std::string data_spec = args.get_string("--data", "mnist", kFaceIdDataChoices);
    const std::string classes_text = args.get_string(
        "--train-classes", "", "seen classes, e.g. 0-5 or 0,2,4-6 (default: the first 60%)");
    const std::string loss_text = args.get_string(
        "--loss", "softmax", "objective(s), repeatable or comma-separated (losses/objective.hpp)");
    const bool compare =
        args.get_flag("--compare", std::string("the lecture's losses: ") + kCompareLosses);
    const int dim = args.get_int("--dim", 64, 2, 4096, "the higher embedding dimension");
    const bool no_2d = args.get_flag("--no-2d", "skip the 2-D runs");
    const int epochs = args.get_int("--epochs", 3, 1, 10000, "passes over the training images");
    const int train_images = args.get_int("--train-images", 3000, 0, 10000000,
                                          "training images of the seen classes (0: all)");
    const int batch = args.get_int("--batch", 64, 2, 4096, "images per step");
    const std::string optim =
        args.get_choice("--optim", "adam", {"sgd", "adam"}, "Adam, or SGD with momentum 0.9");
    const double lr = args.get_double("--lr", optim == "adam" ? 1e-3 : 0.01, 1e-6, 10,
                                      "initial learning rate (cosine decay to 0)");
    const bool batchnorm =
        !args.get_flag("--no-batchnorm", "LeNet++ without BatchNorm after its convolutions");
    const double wd = args.get_double("--weight-decay", 5e-4, 0, 1, "L2 weight decay");
    const std::string widths_text =
        args.get_string("--widths", compare ? "16,32,64" : "32,64,128",
                        "LeNet++ channels of its three stages (--compare: half width, 16,32,64)");
    const std::string pk_text = args.get_string(
        "--pk", "", "P x K batches, e.g. 6x10 (default: pair and triplet losses only)");
    const int per_class =
        args.get_int("--per-class", 300, 2, 100000, "images of each unseen class");
    const int64_t impostors = args.get_int64("--impostors", 200000, 1000, int64_t(1) << 40,
                                             "impostor pairs drawn for verification");
    const int enroll = args.get_int("--enroll", 5, 1, 10000, "images enrolled per identity");
    const int unenrolled =
        args.get_int("--unenrolled", 0, 0, 100000,
                     "unseen classes left out of the open-set gallery (0: a quarter)");
    const int nc_samples = args.get_int("--nc-samples", 600, 0, 1000000,
                                        "training images embedded for NC1-NC4 each epoch");
    const int64_t seed =
        args.get_int64("--seed", 1, 0, int64_t(1) << 62, "initialisation, data and pairs");
    const int threads = args.get_int("--threads", omp_get_max_threads(), 1, 256, "OpenMP threads");
    const std::string out = args.get_string("--out", compare ? "out/faceid_compare" : "out/faceid",
                                            "output directory (--compare: out/faceid_compare)");
    const bool quiet = args.get_flag("--quiet", "no progress bar and no per-epoch lines");
    read_trace_nonfinite(args);
    const LossParams extra = args.key_values("loss parameters outside the string: term.key=value");
    args.finish();

    // A dataset directory that does not exist is bad input (exit 2), found
    // before anything runs; faceid's loader checks the spec's other forms.
    if (data_spec.rfind("mnist:", 0) == 0 || data_spec.rfind("folder:", 0) == 0)
      check_data_spec(args, data_spec);
    if (compare && !losses_given.empty())
      args.fail("--compare", "runs its own list of losses; leave out --loss or --compare");
    const std::array<int, 3> widths = parse_widths(args, widths_text);
    std::pair<int, int> pk{0, 0};
    if (!pk_text.empty()) pk = parse_pk(args, pk_text);
    const std::vector<std::string> objectives = split_losses(compare ? kCompareLosses : loss_text);
    // Each objective and the key=value parameters, checked before any data is loaded.
    std::vector<LossParams> run_extra(objectives.size());
    std::vector<bool> extra_used(extra.size(), false);
    for (size_t k = 0; k < objectives.size(); ++k) {
      std::vector<TermSpec> terms;
      try {
        terms = parse_objective(objectives[k]);
      } catch (const Error& e) {
        args.fail("--loss", e.what());
      }
      size_t e = 0;
      for (const auto& [key, value] : extra) {
        const size_t dot = key.find('.');
        if (dot == std::string::npos) {
          if (objectives.size() > 1)
            args.fail(key + "=" + value,
                      "with several losses, write the parameter inside one: "
                      "name:" +
                          key + "=" + value + " or term." + key + "=" + value);
          run_extra[k][key] = value, extra_used[e] = true;
        } else {
          for (const TermSpec& t : terms)
            if (t.name == key.substr(0, dot)) run_extra[k][key] = value, extra_used[e] = true;
        }
        ++e;
      }
      try {
        Objective check(objectives[k], LossContext{10, 2, 0}, run_extra[k]);
      } catch (const Error& err) {
        args.fail("--loss", err.what());
      }
    }
    size_t e = 0;
    for (const auto& [key, value] : extra)
      if (!extra_used[e++])
        args.fail(key + "=" + value,
                  "no loss asked for has a term '" + key.substr(0, key.find('.')) + "'");
    omp_set_num_threads(threads);
    const auto t0 = std::chrono::steady_clock::now();

    // Data: load, then check the class list against it.
    FaceIdSource src;
    try {
      src = load_faceid_source(data_spec, uint64_t(seed));
    } catch (const ArgError&) {
      throw;
    } catch (const Error& err) {  // a malformed spec is the argument's fault; a bad file is not
      const std::string m = err.what();
      if (m.rfind("--data", 0) == 0) throw ArgError(m, kUsage);
      throw;
    }
    const int K_all = src.train.num_classes();
    std::vector<int> seen;
    try {
      seen = classes_text.empty() ? default_train_classes(K_all)
                                  : parse_class_list(classes_text, K_all);
    } catch (const Error& err) {
      args.fail("--train-classes", err.what());
    }
    FaceIdSplitOptions so;
    so.train_images = train_images;
    so.per_class = per_class;
    so.seen_test_per_class = 50;
    so.seed = uint64_t(seed);
    const FaceIdData data = split_faceid(src, seen, so);
    const int u = int(data.unseen_classes.size());
    int fewest = per_class;
    for (int c : class_counts(data.unseen.labels, u)) fewest = std::min(fewest, c);
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
    if (pk.first > int(seen.size()))
      args.fail("--pk", "P = " + std::to_string(pk.first) + " classes per batch but only " +
                            std::to_string(seen.size()) + " classes are seen in training");

    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    if (ec) throw Error("--out " + out + ": cannot create the directory (" + ec.message() + ")");

    FaceIdRunConfig base;
    base.widths = widths;
    base.epochs = epochs;
    base.batch = batch;
    base.pk_P = pk.first;
    base.pk_K = pk.second;
    base.lr = lr;
    base.optimizer = optim;
    base.batchnorm = batchnorm;
    base.weight_decay = wd;
    base.seed = uint64_t(seed);
    base.nc_samples = nc_samples;
    base.impostor_pairs = impostors;
    base.enroll_per_identity = enroll;
    base.unenrolled = unenrolled;
    base.progress = !quiet;
    base.verbose = !quiet;

    FaceIdReportInfo info;
    info.command = command;
    info.data = data.description;
    info.training = "LeNet++ (widths " + std::to_string(widths[0]) + "/" +
                    std::to_string(widths[1]) + "/" + std::to_string(widths[2]) +
                    (batchnorm ? ", BatchNorm" : "") + ", PReLU), " +
                    (optim == "sgd" ? "SGD momentum 0.9" : "Adam") + ", lr " + fmtg(lr) +
                    " with cosine decay to 0, weight decay " + fmtg(wd) + ", batch " +
                    std::to_string(batch) + ", " + std::to_string(epochs) + " epochs over " +
                    std::to_string(data.train.size()) + " images, seed " + std::to_string(seed);
    const int open_out = unenrolled > 0 ? unenrolled : std::max(1, u / 4);
    info.evaluation = "up to " + std::to_string(per_class) + " images per unseen class (" +
                      std::to_string(data.unseen.size()) +
                      " in all); every genuine pair and up to " + std::to_string(impostors) +
                      " impostor pairs; LFW on at most 3000 + 3000 of "
                      "them; identification with the mean template of " +
                      std::to_string(enroll) +
                      " images per identity; open set: " + std::to_string(open_out) + " of " +
                      std::to_string(u) + " unseen classes left out of the gallery";
    info.threads = threads;
    info.unseen_names = data.unseen.class_names;
    std::printf("faceid: %s\n", data.description.c_str());
    std::printf("training: %s\n", info.training.c_str());
    std::fflush(stdout);

    std::vector<int> dims;
    if (!no_2d) dims.push_back(2);
    if (dim != 2 || no_2d) dims.push_back(dim);
    std::vector<FaceIdRunResult> runs;
    for (size_t k = 0; k < objectives.size(); ++k)
      for (int d : dims) {
        FaceIdRunConfig cfg = base;
        cfg.objective = objectives[k];
        cfg.extra = run_extra[k];
        cfg.dim = d;
        std::printf("== %s, %d-D\n", objectives[k].c_str(), d);
        std::fflush(stdout);
        FaceIdRunResult r = run_faceid(data, cfg);
        const std::string dir = out + "/" + run_slug(r);
        std::filesystem::create_directories(dir, ec);
        if (ec)
          throw Error("--out " + dir + ": cannot create the directory (" + ec.message() + ")");
        write_run_plots(r, data.unseen, dir);
        if (r.error.empty())
          std::printf(
              "   unseen classes: TAR@FAR=1e-2 %s  EER %s  LFW %s  rank-1 %s  "
              "DIR@FPIR=1e-2 %s  (train %.0f s, eval %.0f s)\n",
              fmt_metric(r.verification.tar[1].tar).c_str(),
              fmt_metric(r.verification.eer.eer).c_str(),
              fmt_metric(r.verification.lfw.mean_accuracy).c_str(),
              fmt_metric(r.identification.rank1).c_str(),
              fmt_metric(r.identification.dir[1].dir).c_str(), r.train_seconds, r.eval_seconds);
        else
          std::printf("   failed: %s\n", r.error.c_str());
        std::fflush(stdout);
        runs.push_back(std::move(r));
        // The tables so far, so an interrupted comparison keeps what it measured.
        info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const std::string md = results_markdown(runs, info), js = results_json(runs, info);
        write_file_atomic(out + "/results.md", md.data(), md.size());
        write_file_atomic(out + "/results.json", js.data(), js.size());
      }
    write_roc_comparison(runs, out + "/roc.png");
    std::printf("wrote %s/results.md, results.json, roc.png and a directory per run (%.0f s)\n",
                out.c_str(), info.seconds);
    int failed = 0;
    for (const auto& r : runs) failed += !r.error.empty();
    return failed == int(runs.size()) ? 1 : 0;
  });
}
