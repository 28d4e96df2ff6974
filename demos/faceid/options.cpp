// The faceid command line (demos/faceid/options.hpp).
#include "demos/faceid/options.hpp"

#include <omp.h>

#include <array>
#include <cstdlib>
#include <tuple>

#include "demos/cli/demo_checks.hpp"
#include "demos/train/trace.hpp"
#include "losses/objective.hpp"

namespace fg {

const char* const kFaceIdUsage =
    "faceid [--data mnist|mnist:DIR|fashion|digits[:N]|folder:DIR|identities[:IDSxPER]] "
    "[--train-classes LIST] [--loss OBJ[,OBJ...]]... [--compare] [--dim N] [--no-2d] [--epochs N] "
    "[--train-images N] [--batch N] [--optim adam|sgd] [--lr X] [--no-batchnorm] [--weight-decay "
    "X] [--widths A,B,C] [--pk PxK] "
    "[--per-class N] [--impostors N] [--enroll N] [--unenrolled N] [--nc-samples N] [--seed N] "
    "[--threads N] [--out DIR] [--trace-nonfinite] [--quiet] [--help] [term.key=value ...]";

namespace {

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

// Each objective parsed and built once, with its share of the key=value
// parameters: "term.key=value" goes to every objective with that term, a bare
// "key=value" only where there is one objective. Returns each one's share.
std::vector<LossParams> check_objectives(const Args& args, const std::vector<std::string>& objectives,
                                         const LossParams& extra) {
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
  return run_extra;
}

}  // namespace

FaceIdCommandLine gather_faceid_losses(int argc, char** argv) {
  FaceIdCommandLine line;
  line.command = "build/faceid";
  std::vector<std::string> losses;
  for (int i = 1; i < argc; ++i) {
    const std::string t = argv[i];
    line.command += " " + t;
    if (t == "--loss" && i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
      losses.push_back(argv[++i]);
      line.command += std::string(" ") + argv[i];
    } else if (t.rfind("--loss=", 0) == 0) {
      losses.push_back(t.substr(7));
    } else {
      line.tokens.push_back(t);
    }
  }
  std::string joined;
  for (const auto& l : losses) joined += (joined.empty() ? "" : ",") + l;
  if (!losses.empty()) line.tokens.push_back("--loss=" + joined);
  line.losses_given = !losses.empty();
  return line;
}

FaceIdOptions read_faceid_options(Args& args, const FaceIdCommandLine& line) {
  FaceIdOptions o;
  o.command = line.command;
  FaceIdRunConfig& b = o.base;
  o.data_spec = args.get_string("--data", "mnist", kFaceIdDataChoices);
  o.classes_text = args.get_string("--train-classes", "",
                                   "seen classes, e.g. 0-5 or 0,2,4-6 (default: the first 60%)");
  const std::string loss_text = args.get_string(
      "--loss", "softmax", "objective(s), repeatable or comma-separated (losses/objective.hpp)");
  const bool compare =
      args.get_flag("--compare", std::string("the lecture's losses: ") + kCompareLosses);
  const int dim = args.get_int("--dim", 64, 2, 4096, "the higher embedding dimension");
  const bool no_2d = args.get_flag("--no-2d", "skip the 2-D runs");
  b.epochs = args.get_int("--epochs", 3, 1, 10000, "passes over the training images");
  o.train_images = args.get_int("--train-images", 3000, 0, 10000000,
                                "training images of the seen classes (0: all)");
  b.batch = args.get_int("--batch", 64, 2, 4096, "images per step");
  b.optimizer =
      args.get_choice("--optim", "adam", {"sgd", "adam"}, "Adam, or SGD with momentum 0.9");
  b.lr = args.get_double("--lr", b.optimizer == "adam" ? 1e-3 : 0.01, 1e-6, 10,
                         "initial learning rate (cosine decay to 0)");
  b.batchnorm = !args.get_flag("--no-batchnorm", "LeNet++ without BatchNorm after its convolutions");
  b.weight_decay = args.get_double("--weight-decay", 5e-4, 0, 1, "L2 weight decay");
  const std::string widths_text =
      args.get_string("--widths", compare ? "16,32,64" : "32,64,128",
                      "LeNet++ channels of its three stages (--compare: half width, 16,32,64)");
  const std::string pk_text = args.get_string(
      "--pk", "", "P x K batches, e.g. 6x10 (default: pair and triplet losses only)");
  o.per_class = args.get_int("--per-class", 300, 2, 100000, "images of each unseen class");
  b.impostor_pairs = args.get_int64("--impostors", 200000, 1000, int64_t(1) << 40,
                                    "impostor pairs drawn for verification");
  b.enroll_per_identity = args.get_int("--enroll", 5, 1, 10000, "images enrolled per identity");
  b.unenrolled = args.get_int("--unenrolled", 0, 0, 100000,
                              "unseen classes left out of the open-set gallery (0: a quarter)");
  b.nc_samples = args.get_int("--nc-samples", 600, 0, 1000000,
                              "training images embedded for NC1-NC4 each epoch");
  b.seed = uint64_t(
      args.get_int64("--seed", 1, 0, int64_t(1) << 62, "initialisation, data and pairs"));
  o.threads = args.get_int("--threads", omp_get_max_threads(), 1, 256, "OpenMP threads");
  o.out = args.get_string("--out", compare ? "out/faceid_compare" : "out/faceid",
                          "output directory (--compare: out/faceid_compare)");
  const bool quiet = args.get_flag("--quiet", "no progress bar and no per-epoch lines");
  b.progress = b.verbose = !quiet;
  read_trace_nonfinite(args);
  const LossParams extra = args.key_values("loss parameters outside the string: term.key=value");
  args.finish();

  // A dataset directory that does not exist is bad input (exit 2), found
  // before anything runs; faceid's loader checks the spec's other forms.
  if (o.data_spec.rfind("mnist:", 0) == 0 || o.data_spec.rfind("folder:", 0) == 0)
    check_data_spec(args, o.data_spec);
  if (compare && line.losses_given)
    args.fail("--compare", "runs its own list of losses; leave out --loss or --compare");
  b.widths = parse_widths(args, widths_text);
  if (!pk_text.empty()) std::tie(b.pk_P, b.pk_K) = parse_pk(args, pk_text);
  o.objectives = split_losses(compare ? kCompareLosses : loss_text);
  o.extra = check_objectives(args, o.objectives, extra);
  if (!no_2d) o.dims.push_back(2);
  if (dim != 2 || no_2d) o.dims.push_back(dim);
  return o;
}

}  // namespace fg
