// The break-it lab's pieces: one short training run (a three-layer
// perceptron, 784-64-64-2 with PReLU, on synthetic digits, SGD with
// momentum: seconds where LeNet++ takes minutes), the numbers the
// scenarios compare, and the table of scenarios build/breakit runs.
//
//   LabSize size;                       // the program's size; tests pass a tiny one
//   const Scenario& s = find_scenario("arcface-fallback");
//   Outcome o = s.run(size);            // trains the broken and the fixed variant
//   std::puts(o.text.c_str());          // what build/breakit prints
//
// Every broken variant is the real loss with a parameter the scenario sets
// (registry parameters such as lambda, bias, mining, alpha_c, s) or, for the
// two ArcFace traps, the target logit composed in demos/breakit/angular.cpp
// from primitive ops (acos, cos, sqrt, gather, scatter) around the real
// cosine_matrix and softmax_cross_entropy. notes/08-breakit.md explains each.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "demos/cli/data_arg.hpp"
#include "demos/train/trainer.hpp"
#include "losses/loss.hpp"

namespace fg {

struct LabSize {
  int images = 3000;  // synthetic training digits (test: images / 6)
  int epochs = 10;
  int batch = 64;
  uint64_t seed = 1;
  int64_t stop_at_step = 0;  // > 0: every run stops after this many steps (tests)
};

// The digits of a lab run, made once per size.
const DataSplit& lab_data(const LabSize& size);

// How a run trains; the loss is built by the scenario.
struct LabSetup {
  std::string label;            // "broken: ..." / "fixed: ..."
  std::unique_ptr<Loss> loss;
  Scoring scoring = Scoring::Dot;
  int pk_P = 0, pk_K = 0;       // both > 0: P x K batches instead of shuffled ones
  int batch = 0;                // > 0: instead of LabSize::batch
  double lr = 0.05;
  bool trace = false;           // --trace-nonfinite for this run
};

struct LabRun {
  std::string label, loss;       // the setup's label, loss->describe()
  int64_t steps = 0;             // steps trained
  std::string stopped;           // the trainer's error when training stopped early
  std::vector<double> losses;    // the loss of every step, as the trainer saw it
  int64_t steps_without_triplet = 0;
  double max_feature_norm = 0;   // the largest |h_i| of any training batch  // batches that hold no (anchor, positive, negative)
  double train_loss = 0;         // mean of the last epoch's steps
  double test_accuracy = -1;
  Tensor test_h, W;              // the test embeddings and class weights at the end
  std::vector<NamedTensor> loss_params;  // the loss's parameters at the end (copies)
  std::vector<int> test_labels;
};

// Trains one variant. A run that diverges returns with `stopped` set (the
// trainer's message) instead of throwing.
LabRun lab_train(LabSetup setup, const LabSize& size,
                 const std::function<void(Loss&)>& after_step = {});

// Fraction of rows of h whose angle to their class's row of W exceeds `limit`.
double fraction_beyond(const Tensor& h, const Tensor& W, const std::vector<int>& y, double limit);

// "  broken: arcface ... | 180 steps | loss 1.234 | test accuracy 0.456": one line per run.
std::string run_line(const LabRun& r);
std::string fixed3(double v);  // "%.3f"
std::string general(double v); // "%.4g"

// What a scenario measured: one number for the broken variant and one for the
// fixed one (the tests check their order), and everything it printed.
struct Outcome {
  std::string measure;  // what broken and fixed are
  double broken = 0, fixed = 0;
  std::string text;
  // "  <measure>: broken <broken>, fixed <fixed>" and a newline, numbers by fmt.
  std::string measured(std::string (*fmt)(double)) const {
    return "  " + measure + ": broken " + fmt(broken) + ", fixed " + fmt(fixed) + "\n";
  }
};

// The two runs' lines, broken first: the start of most scenarios' text.
inline std::string two_runs(const LabRun& b, const LabRun& f) { return run_line(b) + "\n" + run_line(f) + "\n"; }

struct Scenario {
  std::string name, summary;
  std::function<Outcome(const LabSize&)> run;
};

const std::vector<Scenario>& scenarios();
const Scenario& find_scenario(const std::string& name);  // unknown: fg::Error listing them

// The scenarios, by file.
std::vector<Scenario> angular_scenarios();    // demos/breakit/angular.cpp
std::vector<Scenario> euclidean_scenarios();  // demos/breakit/euclidean.cpp

}  // namespace fg
