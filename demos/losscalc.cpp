// losscalc: one loss of the lecture on numbers written down by hand.
//
//   build/losscalc NAME [key=value ...] --features F.csv --labels L.csv
//                  [--weights W.csv] [--centers C.csv] [--triplets T.csv] [--grads DIR]
//                  [--explain [--sample N]]
//
// Prints "loss <value>"; with --grads DIR also writes the gradient of the loss
// with respect to each input given, DIR/features.csv, DIR/weights.csv,
// DIR/centers.csv, in the shapes of the inputs. With --explain it prints the
// chain of sample N's gradient (default 0), node by node, from the loss back
// to h (and W, the centres when given), as the engine's backward computes it
// (core/graph_explain.hpp), each leaf beside a central difference. Errors in
// the input exit with code 2 and a message naming the file, the row and the
// problem.
#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "core/data/csv.hpp"
#include "core/graph_explain.hpp"
#include "losses/registry.hpp"
#include "demos/cli/counted.hpp"

using namespace fg;

namespace {

const char* kUsage =
    "usage: losscalc NAME [key=value ...] --features F.csv --labels L.csv\n"
    "                [--weights W.csv] [--centers C.csv] [--triplets T.csv] [--grads DIR]\n"
    "                [--explain [--sample N]]\n"
    "       losscalc --help | losscalc NAME --help\n";

void print_help() {
  std::cout << kUsage
            << "\nEvaluates one loss on a batch written as CSV files (no header, values\n"
               "separated by commas, one row per sample):\n"
               "  --features F.csv  m rows of N numbers: the embeddings h_i\n"
               "  --labels L.csv    m rows of one integer: the labels y_i in 0..K-1\n"
               "  --weights W.csv   the class weights W (K rows of N), or the projection T\n"
               "                    (N' rows of N) of a loss that has one\n"
               "  --centers C.csv   the class centres (K rows of N)\n"
               "  --triplets T.csv  rows a,p,n of 0-based sample indices, used as given\n"
               "  --grads DIR       write dL/d(each input given) to DIR/features.csv,\n"
               "                    DIR/weights.csv, DIR/centers.csv\n"
               "  --explain         print the chain of one sample's gradient, node by node, from\n"
               "                    the loss back to h (and W, the centres): each node's op, value,\n"
               "                    the gradient arriving at it and its local derivative, as the\n"
               "                    engine's backward computes them; beside dL/dh (dL/dW, dL/dc) a\n"
               "                    central difference of the loss\n"
               "  --sample N        the sample --explain follows: its 0-based row (default 0)\n"
               "K is the number of rows of W.csv if given, else K=VALUE if given, else the\n"
               "largest label + 1. Parameters not given take their defaults; a learnable\n"
               "scalar (s, alpha) given as key=value is used as is; the annealed lambda of\n"
               "lsoftmax/asoftmax is evaluated at iteration 0 (lambda = base) unless\n"
               "lambda=VALUE is given. Arithmetic is in the float build's precision (about\n"
               "7 significant digits); the value is printed with 10.\n"
               "Exit codes: 0 done, 1 the loss is not finite, 2 bad input.\n\nLosses:\n"
            << all_losses_help();
}

struct Args {
  std::string name;
  std::vector<std::string> key_values;
  std::map<std::string, std::string> files;  // "--features" -> path
  bool help = false, explain = false;
  std::string sample;                         // --sample as written ("" = not given)
};

Args parse_args(int argc, char** argv) {
  static const char* kFileOptions[] = {"--features", "--labels",   "--weights",
                                       "--centers",  "--triplets", "--grads"};
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string w = argv[i];
    if (w == "--help" || w == "-h") {
      a.help = true;
      continue;
    }
    if (w == "--explain") {
      a.explain = true;
      continue;
    }
    if (w == "--sample") {
      if (i + 1 >= argc) throw Error("--sample needs a row number after it");
      a.sample = argv[++i];
      continue;
    }
    bool is_file_option = false;
    for (const char* o : kFileOptions) is_file_option = is_file_option || w == o;
    if (is_file_option) {
      if (i + 1 >= argc) throw Error(w + " needs a path after it");
      a.files[w] = argv[++i];
    } else if (w.rfind("--", 0) == 0) {
      throw Error("unknown option '" + w + "'\n" + kUsage);
    } else if (a.name.empty() && w.find('=') == std::string::npos) {
      a.name = w;
    } else {
      a.key_values.push_back(w);
    }
  }
  return a;
}

// Whether the loss learns a parameter of this name (W and T always are learnable).
bool has_param(Loss& loss, const std::string& key) {
  for (const auto& p : loss.parameters())
    if (p.first == key) return true;
  return false;
}

// Reads a matrix file that must have `cols` columns (and `rows` rows if >= 0).
Tensor read_matrix(const std::string& path, int rows, int cols, const std::string& what) {
  CsvTable t = read_csv(path);
  if (t.cols != cols)
    throw Error(t.where(0) + ": " + std::to_string(t.cols) + " values per row, but " + what +
                " needs " + std::to_string(cols) + " (the embedding dimension N of the features)");
  if (rows >= 0 && t.rows != rows)
    throw Error(path + ": " + std::to_string(t.rows) + " rows, but " + what + " needs " +
                std::to_string(rows));
  return csv_tensor(t);
}

// --sample N: a row of the features file.
int sample_row(const std::string& text, int m, const std::string& path) {
  if (text.empty()) return 0;
  char* end = nullptr;
  const long r = std::strtol(text.c_str(), &end, 10);
  if (end == text.c_str() || *end || r < 0 || r >= m)
    throw Error("--sample " + text + ": expected a row of " + path + ", an integer in 0.." + std::to_string(m - 1) +
                " (it has " + counted(m, "row") + ")");
  return int(r);
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

std::string vec(const Tensor& t) {
  std::string s = t.numel() == 1 ? "" : "(";
  for (int64_t j = 0; j < t.numel(); ++j) s += (j ? ", " : "") + num(t[j]);
  return s + (t.numel() == 1 ? "" : ")");
}

// What --explain prints: one block per node, the loss first, each line a
// label and its numbers, the numbers of a block in one column.
std::string explain_text(const Explained& ex, const std::vector<std::string>& leaf_names, const std::string& loss,
                         int row, int m, int label, double eps) {
  std::map<int, std::string> op;
  for (const ExplainStep& s : ex.steps) op[s.id] = s.leaf >= 0 ? leaf_names[size_t(s.leaf)] : s.op;
  std::string o = "explain: " + loss + ", sample " + std::to_string(row) + " of " + std::to_string(m) + " (label " +
                  std::to_string(label) + "), batch loss L = " + num(ex.value) + "\n";
  o += "The nodes of the loss's graph from the loss back to the inputs, in the order\n"
       "backward visits them; #k is a node's place in the forward pass. Of each value the\n"
       "sample's row is shown when the node has one row per sample, else all of it.\n"
       "  value          the node's value\n"
       "  dL/d value     the gradient arriving at the node\n"
       "  d value/d #k   the local derivative (a row per entry of the value, a column per\n"
       "                 entry of input #k): the node's own backward run on one-hot seeds\n"
       "  dL/d #k        what the node's backward sends to input #k\n"
       "  numeric        (inputs) the loss's central difference in each entry\n";
  for (const ExplainStep& s : ex.steps) {
    const std::string name = op[s.id];
    std::vector<std::pair<std::string, std::string>> lines{{"value", vec(s.value)}};
    if (s.leaf < 0) {
      lines.push_back({"dL/d value", vec(s.grad)});
      for (const ExplainInput& in : s.inputs) {
        const std::string to = "#" + std::to_string(in.id) + " " + op[in.id];
        for (int a = 0; a < in.local.size(0); ++a) {
          Tensor r({in.local.size(1)});
          for (int b = 0; b < in.local.size(1); ++b) r[b] = in.local.at(a, b);
          lines.push_back({a ? "" : "d value/d " + to, vec(r)});
        }
        if (in.local.numel() == 0) lines.push_back({"d value/d " + to, "(more than " +
                                                    std::to_string(kExplainMaxJacobian) + " entries, not printed)"});
        lines.push_back({"dL/d " + to, vec(in.sent)});
      }
    } else {
      double gap = 0;
      for (int64_t j = 0; j < s.grad.numel(); ++j) gap = std::max(gap, std::fabs(double(s.grad[j] - s.numeric[j])));
      lines.push_back({"dL/d" + name, vec(s.grad) + "   from backward"});
      lines.push_back({"numeric", vec(s.numeric) + "   eps " + num(eps) + ", largest gap " + num(gap)});
    }
    size_t w = 0;
    for (const auto& l : lines) w = std::max(w, l.first.size());
    o += "\n#" + std::to_string(s.id) + " " + (s.leaf >= 0 ? s.op + " " + name : name) + " " + shape_str(s.shape) +
         (s.row ? ", row " + std::to_string(row) : "") + "\n";
    for (const auto& l : lines) o += "   " + l.first + std::string(w + 2 - l.first.size(), ' ') + l.second + "\n";
  }
  return o;
}

int run(int argc, char** argv) {
  const Args a = parse_args(argc, argv);
  if (a.help && a.name.empty()) {
    print_help();
    return 0;
  }
  if (a.name.empty()) throw Error(std::string("no loss named\n") + kUsage);
  if (a.help) {
    std::cout << loss_help(a.name);
    return 0;
  }
  loss_spec(a.name);  // an unknown name fails here, listing the valid ones
  LossParams params = parse_key_values(a.key_values);
  int K_given = 0;
  if (params.count("K")) {
    const std::string v = params["K"];
    char* end = nullptr;
    const long k = std::strtol(v.c_str(), &end, 10);
    if (end == v.c_str() || *end || k < 1 || k > 1000000)
      throw Error("K = '" + v + "': expected an integer >= 1");
    K_given = int(k);
    params.erase("K");
  }
  if (!a.sample.empty() && !a.explain) throw Error("--sample picks the sample --explain follows; give --explain too");
  if (!a.files.count("--features") || !a.files.count("--labels"))
    throw Error(std::string("--features and --labels are required\n") + kUsage);

  // Features and labels.
  const CsvTable ft = read_csv(a.files.at("--features"));
  const Tensor features = csv_tensor(ft);
  const int m = ft.rows, N = ft.cols;
  const CsvTable lt = read_csv(a.files.at("--labels"));
  if (lt.cols != 1)
    throw Error(lt.where(0) + ": " + std::to_string(lt.cols) + " values, expected one label per row");
  const std::vector<int> y = csv_integers(lt);
  if (lt.rows != m)
    throw Error(lt.path + ": " + std::to_string(lt.rows) + " labels, but " + ft.path + " has " +
                std::to_string(m) + " rows (one label per feature row)");

  // K: from W.csv, else K=, else the labels.
  std::string K_source = "the largest label + 1";
  int K = 0;
  for (int v : y) K = std::max(K, v + 1);
  if (K_given) K = K_given, K_source = "K=" + std::to_string(K_given);
  std::unique_ptr<CsvTable> wt;
  if (a.files.count("--weights")) wt.reset(new CsvTable(read_csv(a.files.at("--weights"))));
  LossContext ctx{std::max(K, 1), N, 0};
  std::unique_ptr<Loss> loss = make_loss(a.name, params, ctx);
  const bool has_W = has_param(*loss, "W"), has_T = has_param(*loss, "T");
  if (wt && has_W) {
    K = wt->rows, K_source = "the rows of " + wt->path;
    ctx.num_classes = K;
    loss = make_loss(a.name, params, ctx);
  }
  for (int i = 0; i < m; ++i)
    if (y[i] < 0 || y[i] >= K)
      throw Error(lt.where(i) + ": label " + std::to_string(y[i]) + " is outside 0.." +
                  std::to_string(K - 1) + " (K = " + std::to_string(K) + " from " + K_source + ")");

  // Inputs that get a gradient: features always, W/T and centres when given.
  Var h = param(features);
  Var weights, centers;
  if (wt) {
    if (!has_W && !has_T)
      throw Error(wt->path + ": " + a.name + " has no class weights W or projection T to set");
    if (wt->cols != N)
      throw Error(wt->where(0) + ": " + std::to_string(wt->cols) + " values per row, but " +
                  ft.path + " has " + std::to_string(N) + " (W and h share the dimension N)");
    weights = param(csv_tensor(*wt));
    loss->set_parameter(has_W ? "W" : "T", weights);
  }
  if (!wt && (has_W || has_T))  // on stderr: stdout stays "loss VALUE"
    std::fprintf(stderr,
                 "losscalc: no --weights, so %s is drawn at random (seed 0) and the value depends on "
                 "that draw; give --weights %s.csv to compute it on your own numbers\n",
                 has_W ? "W (K x N, Xavier-normal)" : "the projection T", has_W ? "W" : "T");
  if (a.files.count("--centers")) {
    centers = param(read_matrix(a.files.at("--centers"), K, N, "the K x N centres"));
    loss->set_parameter("centers", centers);
  }
  std::vector<Triplet> triplets;
  LossInput in{h, y, nullptr};
  if (a.files.count("--triplets")) {
    const CsvTable tt = read_csv(a.files.at("--triplets"));
    if (tt.cols != 3)
      throw Error(tt.where(0) + ": " + std::to_string(tt.cols) + " values, expected a,p,n");
    const std::vector<int> idx = csv_integers(tt);
    for (int r = 0; r < tt.rows; ++r) {
      for (int c = 0; c < 3; ++c)
        if (idx[size_t(r) * 3 + c] < 0 || idx[size_t(r) * 3 + c] >= m)
          throw Error(tt.where(r) + ": index " + std::to_string(idx[size_t(r) * 3 + c]) +
                      " is outside 0.." + std::to_string(m - 1) + " (" + ft.path + " has " +
                      std::to_string(m) + " rows)");
      triplets.push_back({idx[size_t(r) * 3], idx[size_t(r) * 3 + 1], idx[size_t(r) * 3 + 2]});
    }
    in.triplets = &triplets;
  }

  Var L = loss->forward(in);
  const double value = L.value()[0];
  std::printf("loss %.10g\n", value);
  if (!std::isfinite(value)) {
    std::fprintf(stderr, "losscalc: the loss of %s is not finite\n", a.name.c_str());
    return 1;
  }
  if (a.explain) {
    const int row = sample_row(a.sample, m, ft.path);
    std::vector<Var> leaves{h};
    std::vector<std::string> names{"h"};
    if (weights) leaves.push_back(weights), names.push_back(has_W ? "W" : "T");
    if (centers) leaves.push_back(centers), names.push_back("c");
    const double eps = sizeof(real) == 8 ? 1e-6 : 1e-3;
    const Explained ex = explain_backward([&] { return loss->forward(in); }, leaves, m, row, eps);
    std::printf("%s", explain_text(ex, names, loss->describe(), row, m, y[size_t(row)], eps).c_str());
  }
  if (a.files.count("--grads")) {
    backward(L);
    const std::string dir = a.files.at("--grads");
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
      throw Error(dir + ": cannot create directory: " + std::strerror(errno));
    auto grad_of = [](const Var& v) { return v->grad.empty() ? Tensor(v.shape()) : v->grad; };
    write_csv(dir + "/features.csv", grad_of(h));
    if (weights) write_csv(dir + "/weights.csv", grad_of(weights));
    if (centers) write_csv(dir + "/centers.csv", grad_of(centers));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const Error& e) {
    std::fprintf(stderr, "losscalc: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "losscalc: %s\n", e.what());
    return 2;
  }
}
